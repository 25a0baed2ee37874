// A function keeping 9000 f64 values live across a call: a stack frame over
// the 64 KiB the runtime's stack margin allows.
import { abiModule, F64, I32, uleb } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /needs a \\d+-byte stack frame; the limit is 65536 bytes/';
// Built at -O0, where every local has its own stack slot (and which compiles fast).
export const options = { compile: { cflags: ['-O0'] } };
export default function build(): Uint8Array {
  const b = abiModule();
  const n = 9000;
  const t = b.type([I32], [F64]);
  const self = b.funcs.length;
  // local i = f64.load(8 i) for all; call self(param + 1) (which may change
  // memory, so every value must be kept); the sum of all locals.
  // It stores to memory too, so GCC cannot treat it as pure and sink the
  // loads past the call.
  const body: number[] = [0x41, 0, 0x20, 0, 0xb8, 0x39, 3, 0];
  b.memoryPages = 2;
  for (let i = 1; i <= n; i++) body.push(0x41, 0, 0x2b, 3, ...uleb(i * 8), 0x21, ...uleb(i));
  body.push(0x20, 0, 0x41, 1, 0x6a, 0x10, ...uleb(self));
  for (let i = 1; i <= n; i++) body.push(0x20, ...uleb(i), 0xa0);
  b.exportFunc('bigframe', b.func({ type: t, locals: [[n, F64]], body }));
  return b.build();
}
