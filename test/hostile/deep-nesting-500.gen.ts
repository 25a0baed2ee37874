// 500 nested blocks in jw_process: works.
import { abiModule } from '../helpers/wasm-builder.js';
export const expect = 'ok';
export const output = 0.5;
export default function build(): Uint8Array {
  const b = abiModule();
  const depth = 500;
  const body: number[] = [];
  for (let i = 0; i < depth; i++) body.push(0x02, 0x40);
  for (let i = 0; i < depth; i++) body.push(0x0b);
  b.func({ type: b.type([], []), body });
  return b.build();
}
