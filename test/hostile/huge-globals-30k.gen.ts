// 30,000 globals.
import { abiModule, I32 } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /defines 30000 globals/';
export default function build(): Uint8Array {
  const b = abiModule();
  for (let i = 0; i < 30000; i++) b.globals.push([I32, 1, 0x41, 0, 0x0b]);
  return b.build();
}
