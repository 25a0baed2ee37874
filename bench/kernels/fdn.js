// fdn: an 8-line feedback delay network reverb: read, damp (one-pole
// low-pass), mix through an 8x8 Hadamard butterfly, feed back with the
// input (see README.md).
const f = Math.fround;
export const inputs = 1;
export function create() {
  const LEN = [1031, 1327, 1523, 1801, 2053, 2311, 2579, 2851];
  const START = [0, 1031, 2358, 3881, 5682, 7735, 10046, 12625];
  const buf = new Float32Array(15476);
  const idx = new Int32Array(8), lp = new Float32Array(8), v = new Float32Array(8);
  return (input, out, frames) => {
    for (let i = 0; i < frames; i++) {
      const x = input[i];
      let sum = 0;
      for (let k = 0; k < 8; k++) {
        const y = buf[START[k] + idx[k]];
        sum = f(sum + y);
        lp[k] = f(lp[k] + f(0.3125 * f(y - lp[k])));
        v[k] = lp[k];
      }
      for (let h = 1; h < 8; h <<= 1)
        for (let j = 0; j < 8; j += h << 1)
          for (let m = j; m < j + h; m++) {
            const a = v[m], b = v[m + h];
            v[m] = a + b;
            v[m + h] = a - b;
          }
      for (let k = 0; k < 8; k++) {
        buf[START[k] + idx[k]] = f(x + f(v[k] * 0.25));
        if (++idx[k] === LEN[k]) idx[k] = 0;
      }
      out[i] = f(sum * 0.125);
    }
  };
}
