// Helpers the benchmarks share: the median, an output hash to compare peers
// bit for bit, and the deterministic noise every DSP benchmark feeds its peers.

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** FNV-1a over the bytes of a Float32Array (the C harnesses hash the same way). */
export function fnv(f32) {
  const b = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let h = 2166136261;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 16777619) >>> 0;
  return h;
}

/** `frames` samples of deterministic noise in [-1, 1) (an LCG, as the C harnesses read it from a file). */
export function noise(frames) {
  const out = new Float32Array(frames);
  for (let i = 0, x = 1; i < frames; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x / 2 ** 32) * 2 - 1;
  }
  return out;
}
