/* delay: a 2-second feedback delay line read 0.5 s behind, with a dry/wet
 * mix (see README.md). */
#include "kernel.h"

#define SIZE 96000
#define D 24000
static float buf[SIZE];
static int w;

const int kernel_inputs = 1;
void kernel_init(void) {
  for (int i = 0; i < SIZE; i++) buf[i] = 0;
  w = 0;
}
void kernel_process(const float* restrict in, float* restrict out, int frames) {
  for (int i = 0; i < frames; i++) {
    const float x = in[i];
    int r = w - D;
    if (r < 0) r += SIZE;
    const float d = buf[r];
    buf[w] = x + d * 0.5f;
    out[i] = x + d * 0.5f;
    w++;
    if (w == SIZE) w = 0;
  }
}
