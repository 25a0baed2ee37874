/**
 * Client.load: compiles (or finds in the cache) and instantiates a module,
 * registers or takes its ports, sets its parameters and buffers, and hands
 * it to the audio thread as a DspModule.
 */
import { checkOptionKeys, fail, require_ } from '../errors.js';
import { kNative, type NativePort } from '../native.js';
import type { OwnPort } from '../port.js';
import { snapshotBuffers, writeInitialBuffers } from './module-buffers.js';
import { DEFAULT_QUEUE_SIZE, DspModule, type DspHost, type LoadOptions } from './module.js';
import { applyParams, INSTANCE_OPTION_KEYS, instantiate, resolveParams, toCompiled, type ModuleSource } from './instance.js';

/** @internal Implements Client.load. */
export async function loadModule(host: DspHost, source: ModuleSource, options: LoadOptions = {}): Promise<DspModule> {
  require_(typeof options === 'object' && options !== null, 'load: options must be an object');
  checkOptionKeys(options, ['name', 'inputs', 'outputs', 'params', 'maxFrames', 'compile', 'queueSize', 'buffers', ...INSTANCE_OPTION_KEYS], 'load');
  host.assertUsable('Client.load');
  // Taken now, like loadBuffer's: later changes to the caller's arrays do not matter.
  const buffersIn = snapshotBuffers(options.buffers, host.sampleRate, 'load');
  const maxFrames = options.maxFrames ?? host.blockSize;
  require_(Number.isInteger(maxFrames) && maxFrames >= 1 && maxFrames <= 16384, `load: maxFrames must be an integer in [1, 16384], got ${maxFrames}`);
  const queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
  require_(Number.isInteger(queueSize) && queueSize >= 16 && queueSize <= 65536, `load: queueSize must be an integer in [16, 65536], got ${String(queueSize)}`);
  require_(options.name === undefined || (typeof options.name === 'string' && /^[^:\0]{1,200}$/.test(options.name)), `load: module name ${JSON.stringify(options.name)} must be a non-empty string that does not contain ':'`);
  const compiled = await toCompiled(source, { ...(options.name ? { name: options.name } : {}), ...options.compile });
  host.assertUsable('Client.load');
  const loaded = await instantiate(compiled, host.sampleRate, maxFrames, options);
  const registered: OwnPort[] = [];
  try {
    const { info } = loaded;
    const name = options.name ?? sanitize(loaded.description.name ?? compiled.name.replace(/\.wasm$/, '')) ?? 'dsp';
    require_(/^[^:\0]+$/.test(name), `load: module name "${name}" must be a non-empty string that does not contain ':'`);
    // Defaults (declared ones reach the module), then the requested initial
    // values, all set before the first cycle.
    const values = loaded.params.map((p) => p.default);
    const given = new Set(loaded.declared);
    const userSet = new Set<number>();
    for (const [i, v] of resolveParams(loaded.params, options.params, `load(${name})`)) {
      values[i] = v;
      given.add(i);
      userSet.add(i);
    }
    await applyParams(loaded, [...given].sort((a, b) => a - b).map((i) => [i, values[i] as number]), name);
    host.assertUsable('Client.load');

    const pick = (list: (OwnPort | string)[] | undefined, n: number, kind: 'input' | 'output'): OwnPort[] => {
      if (list === undefined) {
        const ports = kind === 'input' ? host.inports : host.outports;
        return Array.from({ length: n }, (_, i) => {
          const p = ports.register(`${name}_${kind === 'input' ? 'in' : 'out'}_${i + 1}`);
          registered.push(p);
          return p;
        });
      }
      require_(Array.isArray(list), `load: ${kind}s must be an array of own ports or port names`);
      if (list.length !== n) fail('INVALID_ARGUMENT', `load: module "${name}" has ${n} ${kind}(s) but ${list.length} port(s) were given`);
      return list.map((g) => {
        const p = typeof g === 'string' ? host.getPortByName(g.includes(':') ? g : `${host.name}:${g}`) : g;
        const ports = kind === 'input' ? host.inports : host.outports;
        const own = ports.items.find((q) => q === p);
        if (!own) fail('INVALID_ARGUMENT', `load: "${p?.name ?? String(g)}" is not an audio ${kind} port of client "${host.name}"`);
        return own;
      });
    };
    const inputs = pick(options.inputs, info.inputs, 'input');
    const outputs = pick(options.outputs, info.outputs, 'output');
    let midiInput: OwnPort | undefined;
    let midiOutput: OwnPort | undefined;
    if (info.hasMidi) registered.push((midiInput = host.midiInports.register(`${name}_midi_in`)));
    if (loaded.description.midiOutputs > 0) registered.push((midiOutput = host.midiOutports.register(`${name}_midi_out`)));

    const buffers = writeInitialBuffers(loaded.dsp, info, buffersIn, `load(${name})`);
    const np = (p: OwnPort) => p[kNative] as NativePort;
    const id = host[kNative].dspAttach(loaded.dsp, inputs.map(np), outputs.map(np), midiInput ? np(midiInput) : null, midiOutput ? np(midiOutput) : null, queueSize, values, buffers.initial);
    if (id === null) host.assertUsable('Client.load');
    if (!id) fail('QUEUE_FULL', `load(${name}): could not hand the module to the audio thread`);
    const m = new DspModule(host, id, compiled, name, loaded, { inputs, outputs, midiInput, midiOutput, registered }, values, given, userSet, options, buffers.states);
    host.registerModule(id, m);
    return m;
  } catch (err) {
    for (const p of registered) if (p[kNative]?.isValid()) p.unregister();
    loaded.dsp.dispose();
    throw err;
  }
}

function sanitize(s: string): string | undefined {
  const t = s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 32);
  return t || undefined;
}
