/** Compiles an AssemblyScript DSP module (.ts) to WebAssembly with asc. */
import { fail } from '../errors.js';

/**
 * Compiles `path` with the AssemblyScript compiler: stub runtime (no
 * allocation after init), -O3, no SIMD. Modules import the SDK relatively
 * (dsp-asm/) or, in an installed project, as the `jackwasm` package (its
 * package.json names dsp-asm/index.ts as "ascMain").
 */
export async function compileAssemblyScript(path: string): Promise<Uint8Array> {
  const asc = (await import('assemblyscript/asc')).default;
  let binary: Uint8Array | undefined;
  const { error, stderr } = await asc.main(
    [path, '--outFile', 'module.wasm', '--runtime', 'stub', '-O3', '--noAssert'],
    {
      writeFile(name: string, contents: Uint8Array | string) {
        if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents;
      },
    },
  );
  if (error || !binary) {
    return fail('COMPILE_FAILED', `AssemblyScript compilation of "${path}" failed:\n${stderr.toString().trim() || error?.message}`);
  }
  return binary;
}
