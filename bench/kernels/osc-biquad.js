// osc-biquad: a sawtooth through an RBJ low-pass biquad (see README.md).
const f = Math.fround;
export const inputs = 0;
export function create() {
  let phase = 0, x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  const inc = f(0.0023193359375);
  const b0 = f(0.00390625), b1 = f(0.0078125), b2 = f(0.00390625), a1 = f(-1.8125), a2 = f(0.828125);
  return (input, out, frames) => {
    for (let i = 0; i < frames; i++) {
      phase = f(phase + inc);
      if (phase >= 1) phase = f(phase - 1);
      const x = f(f(phase * 2) - 1);
      const y = f(f(f(f(f(b0 * x) + f(b1 * x1)) + f(b2 * x2)) - f(a1 * y1)) - f(a2 * y2));
      x2 = x1; x1 = x; y2 = y1; y1 = y;
      out[i] = y;
    }
  };
}
