// A table of 2 million entries.
import { abiModule } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /has a table of 2000000 entries/';
export default function build(): Uint8Array {
  const b = abiModule();
  b.tableSize = 2000000;
  return b.build();
}
