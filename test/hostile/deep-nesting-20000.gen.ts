// 20,000 nested blocks.
import { abiModule } from '../helpers/wasm-builder.js';
export const expect = 'error COMPILE_FAILED /wasm2c crashed \\(SIGSEGV\\)/';
export default function build(): Uint8Array {
  const b = abiModule();
  const depth = 20000;
  const body: number[] = [];
  for (let i = 0; i < depth; i++) body.push(0x02, 0x40);
  for (let i = 0; i < depth; i++) body.push(0x0b);
  b.func({ type: b.type([], []), body });
  return b.build();
}
