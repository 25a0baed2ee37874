// A table of 2 million entries.
import { abiModule } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /has tables of 2000000 entries in all/';
export default function build(): Uint8Array {
  const b = abiModule();
  b.tableSize = 2000000;
  return b.build();
}
