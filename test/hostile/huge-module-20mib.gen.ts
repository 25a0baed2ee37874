// A 20 MiB module (a custom section of junk).
import { abiModule } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /the module is 2097\\d{4} bytes/';
export default function build(): Uint8Array {
  const b = abiModule();
  b.custom = new Uint8Array(20 << 20).fill(0x41);
  return b.build();
}
