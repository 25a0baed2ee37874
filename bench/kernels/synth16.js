// synth16: 16 sawtooth voices, each through a one-pole low-pass with a
// decaying envelope, summed (see README.md).
const f = Math.fround;
export const inputs = 0;
export function create() {
  const V = 16;
  const phase = new Float32Array(V), inc = new Float32Array(V), lp = new Float32Array(V), env = new Float32Array(V);
  for (let v = 0; v < V; v++) { inc[v] = (17 + 7 * v) / 8192; env[v] = 1; }
  return (input, out, frames) => {
    for (let i = 0; i < frames; i++) {
      let s = 0;
      for (let v = 0; v < V; v++) {
        let p = f(phase[v] + inc[v]);
        if (p >= 1) p = f(p - 1);
        phase[v] = p;
        const x = f(f(p * 2) - 1);
        lp[v] = f(lp[v] + f(0.046875 * f(x - lp[v])));
        let e = f(env[v] * 0.999969482421875);
        if (e < 0.0009765625) e = 1;
        env[v] = e;
        s = f(s + f(lp[v] * e));
      }
      out[i] = f(s * 0.0625);
    }
  };
}
