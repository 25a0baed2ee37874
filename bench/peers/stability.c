/* The native peer of bench/stability.mjs, and its floor: a JACK client that
 * applies a gain of 0.5 to system:capture_1 and plays it on
 * system:playback_1, timing every process callback (CLOCK_MONOTONIC, start
 * to end) into a preallocated array. Counts xruns from one second after it
 * connects, for `seconds`, then writes the callback times (uint32 ns, one
 * per cycle) to `times-file` and prints { cycles, xruns, seconds }.
 *   stability <server> <client-name> <seconds> <times-file> */
#include <jack/jack.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static jack_port_t *in, *out;
static uint32_t* times;
static size_t capacity;
static atomic_size_t cycles;
static atomic_int counting, xruns;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int process(jack_nframes_t n, void* arg) {
  (void)arg;
  const uint64_t t0 = now_ns();
  const float* a = jack_port_get_buffer(in, n);
  float* b = jack_port_get_buffer(out, n);
  for (jack_nframes_t i = 0; i < n; i++) b[i] = a[i] * 0.5f;
  const size_t c = atomic_load_explicit(&cycles, memory_order_relaxed);
  if (c < capacity) times[c] = (uint32_t)(now_ns() - t0);
  atomic_store_explicit(&cycles, c + 1, memory_order_release);
  return 0;
}

static int xrun(void* arg) {
  (void)arg;
  if (atomic_load(&counting)) atomic_fetch_add(&xruns, 1);
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: stability <server> <client-name> <seconds> <times-file>\n");
    return 2;
  }
  const double seconds = atof(argv[3]);
  capacity = (size_t)((seconds + 10) * 48000 / 16);
  times = calloc(capacity, sizeof(uint32_t));
  jack_status_t status;
  jack_client_t* client = jack_client_open(argv[2], JackServerName | JackNoStartServer, &status, argv[1]);
  if (!client) {
    fprintf(stderr, "stability: cannot open a client on %s (status 0x%x)\n", argv[1], status);
    return 1;
  }
  in = jack_port_register(client, "in", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
  out = jack_port_register(client, "out", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
  jack_set_process_callback(client, process, NULL);
  jack_set_xrun_callback(client, xrun, NULL);
  if (jack_activate(client)) return 1;
  char name[320];
  snprintf(name, sizeof name, "%s:in", jack_get_client_name(client));
  jack_connect(client, "system:capture_1", name);
  snprintf(name, sizeof name, "%s:out", jack_get_client_name(client));
  jack_connect(client, name, "system:playback_1");
  usleep(1000000);
  atomic_store(&counting, 1);
  usleep((useconds_t)(seconds * 1e6));
  jack_deactivate(client);
  usleep(1000000); /* as the other peers do: their xrun events wait for their main thread */
  const size_t n = atomic_load(&cycles) < capacity ? atomic_load(&cycles) : capacity;
  FILE* f = fopen(argv[4], "wb");
  if (!f || fwrite(times, sizeof(uint32_t), n, f) != n || fclose(f)) {
    fprintf(stderr, "stability: cannot write %s\n", argv[4]);
    return 1;
  }
  printf("{\"cycles\":%zu,\"xruns\":%d,\"seconds\":%g}\n", n, atomic_load(&xruns), seconds);
  jack_client_close(client);
  return 0;
}
