/* The native peer of bench/polyphony.mjs: the voice DSP of
 * examples/dsp/poly.ts in C, for N voices all holding a note: per voice a
 * PolyBLEP saw (dsp-asm/osc.ts), an RBJ lowpass in TDF-II designed in double
 * (dsp-asm/biquad.ts), a linear ADSR (dsp-asm/adsr.ts) and the velocity gain,
 * summed, then the smoothed level (dsp-asm/smoother.ts); blocks of B frames,
 * the filter state flushed after each block. The same operations in the same
 * order, in f32, compiled -O2 -ffp-contract=off.
 *   poly <voices> <frames> <block> -> prints { "ns": elapsed, "rms": ... }   */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct {
  float phase, inc;
  float b0, b1, b2, a1, a2, z1, z2;
  int stage, count, length;
  float level, start, target, gain;
} Voice;

enum { IDLE, ATTACK, DECAY, SUSTAIN };
static int attackN, decayN;
static volatile int shapeParam = 0; /* saw */
static float sustain;

static float polyblep(float t, float dt) {
  if (t < dt) { float x = t / dt; return x + x - x * x - 1.0f; }
  if (t > 1.0f - dt) { float x = (t - 1.0f) / dt; return x * x + x + x + 1.0f; }
  return 0.0f;
}

static void begin(Voice* v, int stage, float target, int length) {
  v->stage = stage; v->start = v->level; v->target = target; v->count = 0; v->length = length;
}

static float env_next(Voice* v) {
  if (v->stage == IDLE || v->stage == SUSTAIN) return v->level;
  int k = ++v->count;
  if (k >= v->length) {
    v->level = v->target;
    if (v->stage == ATTACK) begin(v, DECAY, sustain, decayN);
    else v->stage = SUSTAIN;
  } else {
    v->level = v->start + (v->target - v->start) * ((float)k / (float)v->length);
  }
  return v->level;
}

static int samples(float s, float sr) { float n = roundf(s * sr); return n >= 1 ? (int)n : 1; }

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  const int nv = atoi(argv[1]), frames = atoi(argv[2]), block = atoi(argv[3]);
  const float sr = 48000;
  attackN = samples(0.005f, sr); decayN = samples(0.3f, sr); sustain = 0.6f;
  Voice* vs = calloc((size_t)nv, sizeof(Voice));
  float* out = calloc((size_t)block, sizeof(float));
  /* lowpass 3000 Hz, Q 1 */
  const double w0 = 2.0 * M_PI * 3000.0 / sr, cw = cos(w0), alpha = sin(w0) / 2.0;
  const double a0 = 1.0 + alpha;
  for (int v = 0; v < nv; v++) {
    Voice* x = &vs[v];
    const int note = 36 + v % 64;
    float inc = 440.0f * powf(2.0f, (float)(note - 69) / 12.0f) / sr;
    x->inc = inc > 0.5f ? 0.5f : inc;
    x->b0 = (float)(((1.0 - cw) / 2.0) / a0); x->b1 = (float)((1.0 - cw) / a0); x->b2 = x->b0;
    x->a1 = (float)((-2.0 * cw) / a0); x->a2 = (float)((1.0 - alpha) / a0);
    float vel = 100.0f / 127.0f;
    x->gain = vel * vel;
    begin(x, ATTACK, 1.0f, attackN);
  }
  const int shape = shapeParam;
  float level = 0.12589254f, levelTarget = 0.12589254f; /* -18 dB, settled */
  const float coef = (float)(1.0 - exp(-1.0 / (0.005 * sr)));
  double sum2 = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int s = 0; s < frames; s += block) {
    const int n = frames - s < block ? frames - s : block;
    for (int k = 0; k < n; k++) out[k] = 0;
    for (int v = 0; v < nv; v++) {
      Voice* x = &vs[v];
      for (int k = 0; k < n; k++) {
        const float t = x->phase;
        float osc;
        switch (shape) { /* the example's oscillator picks its waveform at run time */
          case 3: osc = sinf(6.2831855f * t); break;
          default: osc = (t + t - 1.0f) - polyblep(t, x->inc); break;
        }
        float p = t + x->inc;
        if (p >= 1.0f) p -= 1.0f;
        x->phase = p;
        const float y = x->b0 * osc + x->z1;
        x->z1 = x->b1 * osc - x->a1 * y + x->z2;
        x->z2 = x->b2 * osc - x->a2 * y;
        out[k] += y * env_next(x) * x->gain;
      }
      if (fabsf(x->z1) < 1e-15f) x->z1 = 0;
      if (fabsf(x->z2) < 1e-15f) x->z2 = 0;
    }
    for (int k = 0; k < n; k++) {
      float nl = level + (levelTarget - level) * coef;
      if (nl == level) nl = levelTarget;
      level = nl;
      out[k] *= level;
      sum2 += (double)out[k] * out[k];
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
  printf("{\"ns\":%.0f,\"rms\":%.6f}\n", ns, sqrt(sum2 / frames));
  return 0;
}
