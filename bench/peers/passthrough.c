/* The native peer of bench/host-overhead.mjs: a JACK client with N
 * pass-through stages, each copying its input port to its output port in
 * the process callback (the least a native client does per stage). Stage i
 * feeds stage i+1. Times each callback with the CPU's cycle counter, as
 * jackwasm's engine does, and prints { cycles, totalNs, maxNs } on SIGTERM.
 *
 * Mode "copy" (the default) is the plain client: one memcpy per stage.
 * Mode "private" is the least a sandboxed engine can do per stage, for
 * reference: each stage owns a memory reserved like a wasm memory (8 GiB of
 * address space plus a guard, 128 KiB usable), copies its input into it,
 * calls a function through a pointer, and copies the result out. Its
 * difference to "copy" is the price of isolation, not of jackwasm's host.
 *   passthrough <server> <client-name> <stages> [copy|private] */
#include <jack/jack.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <x86intrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static jack_port_t* in[64];
static jack_port_t* out[64];
static int stages;
static volatile sig_atomic_t stop;
static uint64_t cycles, ticks, maxTicks;
static int privateMode;
static unsigned char* mem[64];
/* A call the compiler cannot see through, like a module's jw_process. */
static void (*volatile stageFn)(unsigned char*, jack_nframes_t);
static void noop(unsigned char* m, jack_nframes_t n) { (void)m; (void)n; }

static int process(jack_nframes_t n, void* arg) {
  (void)arg;
  const uint64_t t0 = __rdtsc();
  for (int i = 0; i < stages; i++) {
    const float* a = jack_port_get_buffer(in[i], n);
    float* b = jack_port_get_buffer(out[i], n);
    if (privateMode) {
      memcpy(mem[i] + 1024, a, n * sizeof(float));
      stageFn(mem[i], n);
      memcpy(b, mem[i] + 1024, n * sizeof(float));
    } else {
      memcpy(b, a, n * sizeof(float));
    }
  }
  const uint64_t t = __rdtsc() - t0;
  cycles++;
  ticks += t;
  if (t > maxTicks) maxTicks = t;
  return 0;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_term(int s) { (void)s; stop = 1; }

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  stages = atoi(argv[3]);
  if (stages < 0 || stages > 64) return 2;
  privateMode = argc > 4 && strcmp(argv[4], "private") == 0;
  stageFn = noop;
  for (int i = 0; privateMode && i < stages; i++) {
    mem[i] = mmap(NULL, (8ull << 30) + (64u << 10), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem[i] == MAP_FAILED || mprotect(mem[i], 128u << 10, PROT_READ | PROT_WRITE)) return 5;
    memset(mem[i], 0, 128u << 10);
  }
  jack_status_t st;
  jack_client_t* c = jack_client_open(argv[2], JackNoStartServer | JackServerName | JackUseExactName, &st, argv[1]);
  if (!c) return 3;
  char name[64];
  for (int i = 0; i < stages; i++) {
    snprintf(name, sizeof name, "in_%d", i + 1);
    in[i] = jack_port_register(c, name, JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    snprintf(name, sizeof name, "out_%d", i + 1);
    out[i] = jack_port_register(c, name, JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
  }
  jack_set_process_callback(c, process, NULL);
  if (jack_activate(c)) return 4;
  for (int i = 0; i + 1 < stages; i++) jack_connect(c, jack_port_name(out[i]), jack_port_name(in[i + 1]));
  signal(SIGTERM, on_term);
  printf("ready\n");
  fflush(stdout);
  const uint64_t n0 = now_ns(), r0 = __rdtsc();
  while (!stop) pause();
  const double perNs = (double)(__rdtsc() - r0) / (double)(now_ns() - n0);
  jack_deactivate(c);
  printf("{\"cycles\":%llu,\"totalNs\":%.0f,\"maxNs\":%.0f}\n", (unsigned long long)cycles, ticks / perNs, maxTicks / perNs);
  fflush(stdout);
  jack_client_close(c);
  return 0;
}
