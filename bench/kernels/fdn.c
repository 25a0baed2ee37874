/* fdn: an 8-line feedback delay network reverb: read, damp (one-pole
 * low-pass), mix through an 8x8 Hadamard butterfly, feed back with the
 * input (see README.md). */
#include "kernel.h"

static const int LEN[8] = {1031, 1327, 1523, 1801, 2053, 2311, 2579, 2851};
static const int START[8] = {0, 1031, 2358, 3881, 5682, 7735, 10046, 12625};
#define TOTAL 15476
static int idx[8];
static float lp[8], v[8], buf[TOTAL];

const int kernel_inputs = 1;
void kernel_init(void) {
  for (int k = 0; k < 8; k++) idx[k] = 0, lp[k] = 0, v[k] = 0;
  for (int i = 0; i < TOTAL; i++) buf[i] = 0;
}
void kernel_process(const float* restrict in, float* restrict out, int frames) {
  for (int i = 0; i < frames; i++) {
    const float x = in[i];
    float sum = 0;
    for (int k = 0; k < 8; k++) {
      const float y = buf[START[k] + idx[k]];
      sum = sum + y;
      lp[k] = lp[k] + 0.3125f * (y - lp[k]);
      v[k] = lp[k];
    }
    for (int h = 1; h < 8; h <<= 1)
      for (int j = 0; j < 8; j += h << 1)
        for (int m = j; m < j + h; m++) {
          const float a = v[m], b = v[m + h];
          v[m] = a + b;
          v[m + h] = a - b;
        }
    for (int k = 0; k < 8; k++) {
      buf[START[k] + idx[k]] = x + v[k] * 0.25f;
      if (++idx[k] == LEN[k]) idx[k] = 0;
    }
    out[i] = sum * 0.125f;
  }
}
