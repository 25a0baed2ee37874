// 8 MiB of data segments (16 MiB took 2.6 GB of cc before the limit).
import { abiModule, uleb } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /has 8388608 bytes of data segments/';
export default function build(): Uint8Array {
  const b = abiModule();
  b.memoryPages = 200;
  const seg = [0, 0x41, 0, 0x0b, ...uleb(1 << 23)];
  const bytes = new Array<number>(1 << 23).fill(7);
  for (const x of bytes) seg.push(x);
  b.data.push(seg);
  return b.build();
}
