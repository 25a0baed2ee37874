// 20,000 function types.
import { abiModule, I32 } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /declares 2000\\d function types/';
export default function build(): Uint8Array {
  const b = abiModule();
  for (let i = 0; i < 20000; i++) b.type([I32], []);
  return b.build();
}
