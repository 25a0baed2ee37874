/* The native peer of bench/streams.mjs: what a C JACK client does to move
 * audio between its process callback and its main thread, the way JACK's
 * own examples do (jack_ringbuffer, the main thread polling it), with the
 * server freewheeling so only the two sides limit the rate.
 *   read:  N inputs fed by the client's own output `src`; the callback
 *          writes each cycle's N channels into the ring (a cycle that does
 *          not fit is lost and counted); the main thread takes blocks of
 *          8192 frames out of it.
 *   write: the main thread puts blocks of 8192 frames into the ring; the
 *          callback plays them on N outputs connected to the client's own
 *          input `sink` (counted when played).
 * Prints { framesPerSecond, lostFrames } after `seconds`.
 *   stream <server> <client-name> read|write <channels> <seconds> */
#include <jack/jack.h>
#include <jack/ringbuffer.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 8192
static jack_port_t* ports[64];
static jack_port_t* own;
static int channels, reading;
static jack_ringbuffer_t* ring;
static atomic_long moved, lost;

static int process(jack_nframes_t n, void* arg) {
  (void)arg;
  const size_t bytes = (size_t)n * sizeof(float);
  if (reading) {
    memset(jack_port_get_buffer(own, n), 0, bytes);
    if (jack_ringbuffer_write_space(ring) < bytes * channels) {
      atomic_fetch_add_explicit(&lost, n, memory_order_relaxed);
      return 0;
    }
    for (int c = 0; c < channels; c++) jack_ringbuffer_write(ring, jack_port_get_buffer(ports[c], n), bytes);
  } else {
    if (jack_ringbuffer_read_space(ring) < bytes * channels) {
      for (int c = 0; c < channels; c++) memset(jack_port_get_buffer(ports[c], n), 0, bytes);
      return 0;
    }
    for (int c = 0; c < channels; c++) jack_ringbuffer_read(ring, jack_port_get_buffer(ports[c], n), bytes);
    atomic_fetch_add_explicit(&moved, n, memory_order_relaxed);
  }
  return 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  if (argc != 6 || (strcmp(argv[3], "read") && strcmp(argv[3], "write"))) {
    fprintf(stderr, "usage: stream <server> <client-name> read|write <channels> <seconds>\n");
    return 2;
  }
  reading = !strcmp(argv[3], "read");
  channels = atoi(argv[4]);
  const double seconds = atof(argv[5]);
  if (channels < 1 || channels > 64) return 2;
  jack_status_t status;
  jack_client_t* client = jack_client_open(argv[2], JackServerName | JackNoStartServer, &status, argv[1]);
  if (!client) {
    fprintf(stderr, "stream: cannot open a client on %s (status 0x%x)\n", argv[1], status);
    return 1;
  }
  /* Four seconds of audio at 48 kHz, as the jackwasm streams are given. */
  ring = jack_ringbuffer_create((size_t)48000 * 4 * channels * sizeof(float));
  own = jack_port_register(client, reading ? "src" : "sink", JACK_DEFAULT_AUDIO_TYPE, reading ? JackPortIsOutput : JackPortIsInput, 0);
  for (int c = 0; c < channels; c++) {
    char name[16];
    snprintf(name, sizeof name, "%s%d", reading ? "in" : "out", c);
    ports[c] = jack_port_register(client, name, JACK_DEFAULT_AUDIO_TYPE, reading ? JackPortIsInput : JackPortIsOutput, 0);
  }
  jack_set_process_callback(client, process, NULL);
  if (jack_activate(client)) return 1;
  for (int c = 0; c < channels; c++) {
    if (reading) jack_connect(client, jack_port_name(own), jack_port_name(ports[c]));
    else jack_connect(client, jack_port_name(ports[c]), jack_port_name(own));
  }
  float* block = calloc((size_t)BLOCK * channels, sizeof(float));
  for (int i = 0; i < BLOCK * channels; i++) block[i] = 0.25f;
  const size_t blockBytes = (size_t)BLOCK * channels * sizeof(float);
  if (!reading) /* Prefill, as the jackwasm write stream is prefilled. */
    while (jack_ringbuffer_write_space(ring) >= blockBytes) jack_ringbuffer_write(ring, (const char*)block, blockBytes);
  jack_set_freewheel(client, 1);
  const double t0 = now();
  long taken = 0;
  while (now() - t0 < seconds) {
    if (reading && jack_ringbuffer_read_space(ring) >= blockBytes) {
      jack_ringbuffer_read(ring, (char*)block, blockBytes);
      taken += BLOCK;
    } else if (!reading && jack_ringbuffer_write_space(ring) >= blockBytes) {
      jack_ringbuffer_write(ring, (const char*)block, blockBytes);
    } else {
      usleep(200);
    }
  }
  const double s = now() - t0;
  jack_set_freewheel(client, 0); /* before closing: closing while freewheeling wedges jackd2 */
  usleep(200000);
  printf("{\"framesPerSecond\":%.0f,\"lostFrames\":%ld}\n", (reading ? taken : atomic_load(&moved)) / s, atomic_load(&lost));
  jack_deactivate(client);
  jack_client_close(client);
  return 0;
}
