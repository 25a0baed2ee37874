/**
 * The reference for Faust programs: faustwasm's own offline renderer, running
 * the Faust compiler's wasm in V8 with faustwasm's JavaScript glue.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FaustCompiler, FaustMonoDspGenerator, LibFaust, instantiateFaustModuleFromFile } from '@grame/faustwasm/dist/esm/index.js';

const require = createRequire(import.meta.url);
let compilerP: Promise<FaustCompiler> | undefined;

function compiler(): Promise<FaustCompiler> {
  compilerP ??= (async () => {
    const faustModule = await instantiateFaustModuleFromFile(require.resolve('@grame/faustwasm/libfaust-wasm/libfaust-wasm.js'));
    return new FaustCompiler(new LibFaust(faustModule));
  })();
  return compilerP;
}

/**
 * Renders the .dsp at `path` (mono program) with faustwasm: `frames` frames
 * at `sampleRate` in blocks of `blockSize`, after setting `params` (Faust
 * addresses) — what jackwasm's render() must reproduce bit for bit.
 */
export async function faustwasmRender(path: string, o: { frames: number; sampleRate: number; blockSize: number; inputs?: Float32Array[]; params?: Record<string, number> }): Promise<Float32Array[]> {
  const gen = new FaustMonoDspGenerator();
  await gen.compile(await compiler(), 'ref', readFileSync(path, 'utf8'), '-ftz 2');
  const processor = await gen.createOfflineProcessor(o.sampleRate, o.blockSize);
  if (!processor) throw new Error('faustwasm made no processor');
  for (const [address, value] of Object.entries(o.params ?? {})) (processor as unknown as { setParamValue(a: string, v: number): void }).setParamValue(address, value);
  return processor.render(o.inputs, o.frames) as Float32Array[];
}
