// A passive element segment of 1.1M function references (1.1 MiB): table
// contents are bounded like data (16M entries took wasm-validate to 2.6 GB).
import { abiModule, uleb } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /element section/';
export default function build(): Uint8Array {
  const b = abiModule();
  const n = 1_100_000;
  const seg = [1, 0x00, ...uleb(n)];
  for (let i = 0; i < n; i++) seg.push(0);
  b.elems.push(seg);
  return b.build();
}
