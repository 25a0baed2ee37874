// 50,000 exports of one function.
import { abiModule } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /has 50008 exports \\(limit 2000/';
export default function build(): Uint8Array {
  const b = abiModule();
  const f = b.func({ type: b.type([], []), body: [] });
  for (let i = 0; i < 50000; i++) b.exportFunc(`e${i}`, f);
  return b.build();
}
