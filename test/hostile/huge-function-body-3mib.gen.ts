// One function body of 3 MiB (3 million nops).
import { abiModule } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /has a function body of 300000\\d bytes/';
export default function build(): Uint8Array {
  const b = abiModule();
  b.func({ type: b.type([], []), body: new Uint8Array(3000000).fill(0x01) });
  return b.build();
}
