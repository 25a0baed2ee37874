// delay: a 2-second feedback delay line read 0.5 s behind, with a dry/wet
// mix (see README.md).
const f = Math.fround;
export const inputs = 1;
export function create() {
  const SIZE = 96000, D = 24000;
  const buf = new Float32Array(SIZE);
  let w = 0;
  return (input, out, frames) => {
    for (let i = 0; i < frames; i++) {
      const x = input[i];
      let r = w - D;
      if (r < 0) r += SIZE;
      const d = buf[r];
      buf[w] = f(x + f(d * 0.5));
      out[i] = f(x + f(d * 0.5));
      w++;
      if (w === SIZE) w = 0;
    }
  };
}
