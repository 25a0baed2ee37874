// 100,000 functions (wasm2c + cc took 503 s and 718 MB on a 1 MB module like this before the limit).
import { abiModule } from '../helpers/wasm-builder.js';
export const expect = 'error MODULE_TOO_LARGE /defines 100007 functions \\(limit 20000; raise it with the compile option limits.maxFunctions\\)/';
export default function build(): Uint8Array {
  const b = abiModule();
  const t = b.type([], []);
  for (let i = 0; i < 100000; i++) b.func({ type: t, body: [] });
  return b.build();
}
