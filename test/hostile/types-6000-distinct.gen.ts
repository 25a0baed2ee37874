// 6000 distinct function types: past the fixed registry of 4096 that aborted Node before.
import { abiModule, F32, F64, I32, I64 } from '../helpers/wasm-builder.js';
export const expect = 'ok';
export const output = 0.5;
export default function build(): Uint8Array {
  const b = abiModule();
  const vals = [I32, I64, F32, F64];
  let n = 0;
  for (let len = 1; n < 6000; len++) {
    for (let k = 0; k < 4 ** len && n < 6000; k++, n++) {
      const params: number[] = [];
      for (let j = 0, x = k; j < len; j++, x = Math.floor(x / 4)) params.push(vals[x % 4] as number);
      b.type(params, []);
    }
  }
  return b.build();
}
