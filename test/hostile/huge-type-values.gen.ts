// 5000 types with 75 parameters each on average (GCC spent minutes on wasm2c's type registration for this).
import { abiModule, F64, I32 } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /its function types have 37\\d{4} parameters and results in all/';
export default function build(): Uint8Array {
  const b = abiModule();
  for (let i = 0; i < 5000; i++) b.type([...new Array<number>(i % 50).fill(I32), ...new Array<number>(Math.floor(i / 50)).fill(F64)], []);
  return b.build();
}
