/* synth16: 16 sawtooth voices, each through a one-pole low-pass with a
 * decaying envelope, summed (see README.md). */
#include "kernel.h"

#define VOICES 16
static float phase[VOICES], inc[VOICES], lp[VOICES], env[VOICES];

const int kernel_inputs = 0;
void kernel_init(void) {
  for (int v = 0; v < VOICES; v++) {
    phase[v] = 0;
    inc[v] = (float)(17 + 7 * v) / 8192;
    lp[v] = 0;
    env[v] = 1;
  }
}
void kernel_process(const float* restrict in, float* restrict out, int frames) {
  (void)in;
  for (int i = 0; i < frames; i++) {
    float s = 0;
    for (int v = 0; v < VOICES; v++) {
      float p = phase[v] + inc[v];
      if (p >= 1) p -= 1;
      phase[v] = p;
      const float x = p * 2 - 1;
      lp[v] = lp[v] + 0.046875f * (x - lp[v]);
      float e = env[v] * 0.999969482421875f;
      if (e < 0.0009765625f) e = 1;
      env[v] = e;
      s = s + lp[v] * e;
    }
    out[i] = s * 0.0625f;
  }
}
