/* Times a C kernel the way the engine runs a module: blocks of `block`
 * frames over `frames` frames of the bench's input signal, output written
 * to a buffer. Prints JSON: { ns, hash } (FNV-1a of the output bytes).
 *   native <frames> <block> <input.f32 or ->  */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel.h"

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  const long frames = atol(argv[1]);
  const int block = atoi(argv[2]);
  float* in = calloc((size_t)frames, sizeof(float));
  float* out = calloc((size_t)frames, sizeof(float));
  if (kernel_inputs) {
    FILE* f = fopen(argv[3], "rb");
    if (!f || fread(in, sizeof(float), (size_t)frames, f) != (size_t)frames) return 3;
    fclose(f);
  }
  kernel_init();
  /* Touch the output first, as the other runners do: time the kernel, not page faults. */
  memset(out, 0, (size_t)frames * sizeof(float));
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long s = 0; s < frames; s += block) {
    const int n = (int)(frames - s < block ? frames - s : block);
    kernel_process(in + s, out + s, n);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  uint32_t h = 2166136261u;
  const unsigned char* b = (const unsigned char*)out;
  for (long i = 0; i < frames * 4; i++) h = (h ^ b[i]) * 16777619u;
  printf("{\"ns\":%.0f,\"hash\":%u}\n", (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec), h);
  return 0;
}
