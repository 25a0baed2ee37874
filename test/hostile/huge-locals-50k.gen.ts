// One function with 50,000 locals (163 s and 1.3 GB of cc before the limit).
import { abiModule, F64 } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /has a function with 50000 locals/';
export default function build(): Uint8Array {
  const b = abiModule();
  b.func({ type: b.type([], []), locals: [[50000, F64]], body: [] });
  return b.build();
}
