// One br_table of 2M targets: a 2 MB module within every size limit whose
// C is 62 MB (cc ran 122 s before its time limit); refused before cc runs.
import { abiModule, uleb } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /wasm2c generated \\d+ bytes of C \\(limit 50331648/';
export default function build(): Uint8Array {
  const b = abiModule();
  const n = 2_000_000;
  const body = [0x02, 0x40, 0x41, 0x00, 0x0e, ...uleb(n)];
  for (let i = 0; i <= n; i++) body.push(0x00);
  body.push(0x0b);
  b.func({ type: b.type([], []), body });
  return b.build();
}
