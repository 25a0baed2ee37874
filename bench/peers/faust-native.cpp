// Peer of bench/faust.mjs: a Faust program compiled to C++ by Debian's faust
// (-lang cpp -cn bench_dsp, included as bench_dsp.h), run natively. Reads
// stereo-or-mono noise (f32) from argv[1], renders argv[2] frames in blocks of
// argv[3] at 48 kHz, repeats argv[4] times, and prints the median ns/frame
// and an FNV-1a hash of the first run's first output channel.
#include <faust/gui/UI.h>
#include <faust/gui/meta.h>
#include <faust/dsp/dsp.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>
#include "bench_dsp.h"

static double now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc < 5) return 2;
  FILE* f = fopen(argv[1], "rb");
  if (!f) return 2;
  long frames = atol(argv[2]);
  int block = atoi(argv[3]);
  int runs = atoi(argv[4]);
  std::vector<float> noise(frames);
  if (fread(noise.data(), 4, frames, f) != (size_t)frames) return 2;
  fclose(f);
  std::vector<double> times;
  unsigned hash = 2166136261u;
  for (int r = 0; r < runs; r++) {
    bench_dsp d;
    d.init(48000);
    int ni = d.getNumInputs(), no = d.getNumOutputs();
    std::vector<std::vector<float>> in(ni, std::vector<float>(block)), out(no, std::vector<float>(block));
    std::vector<float*> ip(ni), op(no);
    for (int c = 0; c < ni; c++) ip[c] = in[c].data();
    for (int c = 0; c < no; c++) op[c] = out[c].data();
    double t = 0;
    for (long pos = 0; pos < frames; pos += block) {
      int n = (int)std::min<long>(block, frames - pos);
      for (int c = 0; c < ni; c++) std::copy(noise.begin() + pos, noise.begin() + pos + n, in[c].begin());
      double t0 = now();
      d.compute(n, ip.data(), op.data());
      t += now() - t0;
      if (r == 0 && no > 0) {
        const unsigned char* b = (const unsigned char*)out[0].data();
        for (int i = 0; i < n * 4; i++) hash = (hash ^ b[i]) * 16777619u;
      }
    }
    times.push_back(t / frames);
  }
  std::sort(times.begin(), times.end());
  printf("%.3f %u\n", times[times.size() / 2], hash);
  return 0;
}
