/* osc-biquad: a sawtooth through an RBJ low-pass biquad (see README.md). */
#include "kernel.h"

static float phase, x1, x2, y1, y2;
static const float inc = 0.0023193359375f;
static const float b0 = 0.00390625f, b1 = 0.0078125f, b2 = 0.00390625f, a1 = -1.8125f, a2 = 0.828125f;

const int kernel_inputs = 0;
void kernel_init(void) { phase = x1 = x2 = y1 = y2 = 0; }
void kernel_process(const float* restrict in, float* restrict out, int frames) {
  (void)in;
  for (int i = 0; i < frames; i++) {
    phase += inc;
    if (phase >= 1) phase -= 1;
    const float x = phase * 2 - 1;
    const float y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1; x1 = x; y2 = y1; y1 = y;
    out[i] = y;
  }
}
