/**
 * Hot-swap (DspModule.swap): its options and report, and which ports a
 * module keeps, gains and loses when the new code has other channel counts.
 */
import { JackError } from '../errors.js';
import type { OwnPort } from '../port.js';
import type { CompileOptions } from './compile.js';
import type { InstanceOptions } from './instance.js';
import type { DspHost } from './module.js';
import type { BufferCarry } from './module-buffers.js';

/** Options for {@link DspModule.swap}. */
export interface SwapOptions extends InstanceOptions {
  /** Length of the crossfade from the old instance's output to the new one's, ms; 0 cuts over at once. Default 10. */
  crossfadeMs?: number;
  /** Carry the parameter values set so far over to the new code, by id (clamped to its ranges). Default true. */
  keepParams?: boolean;
  /** Carry the state the module declares (jw_state_table) over to the new instance. Default true. */
  keepState?: boolean;
  /** Compilation options when `source` is not compiled yet. */
  compile?: CompileOptions;
}

/** What a swap did. */
export interface SwapReport {
  /** The JACK frame time of the cycle the new instance started in (undefined when the client is not active: it took over at once). */
  frame: number | undefined;
  /** The crossfade, frames. */
  crossfadeFrames: number;
  /** Declared state (docs/abi.md, State carry-over), by group. */
  state: {
    /** Groups the new instance took over from the old one. */
    carried: string[];
    /** Groups of the new instance that start fresh: "name (new)" or "name (layout changed)". */
    fresh: string[];
    /** Groups only the old instance had. */
    dropped: string[];
    /** Bytes copied. */
    bytes: number;
    /** Why nothing was copied even though groups matched (the old instance had trapped). */
    skipped: string | undefined;
  };
  /** Parameters, by id: values carried over, and those at the new code's default. */
  params: { kept: string[]; reset: string[] };
  /** Loaded buffers (loadBuffer), by slot name: taken over by the new instance, or not. */
  buffers: BufferCarry;
  /** Full names of ports registered for new channels, and of those unregistered with removed ones (ports given to load() stay registered and are not listed). */
  ports: { added: string[]; removed: string[] };
  /** From the call until the new instance was handed to the audio thread (compile, load, initialise), ms. */
  readyMs: number;
  /** From the call until the audio thread first ran it: the new code is audible (crossfading in) from here, ms. */
  audibleMs: number;
  /** From the call until the old instance was retired, ms. */
  totalMs: number;
}

/** The ports a module runs on. */
export interface ModulePorts {
  inputs: readonly OwnPort[];
  outputs: readonly OwnPort[];
  midiInput?: OwnPort | undefined;
  midiOutput?: OwnPort | undefined;
}

export interface PortPlan {
  next: { inputs: OwnPort[]; outputs: OwnPort[]; midiInput: OwnPort | undefined; midiOutput: OwnPort | undefined };
  /** Registered for the new instance (unregister them if the swap fails). */
  added: OwnPort[];
  /** No longer used once the old instance is retired (unregistered then, if the module registered them). */
  removed: OwnPort[];
}

/**
 * Channel i keeps port i; channels the new code adds get new ports named as
 * load() names them; ports of channels it drops are removed after the swap.
 * Registers the new ports now (JACK calls, main thread); on failure
 * unregisters what it registered and throws.
 */
export function planPorts(host: DspHost, name: string, who: string, cur: ModulePorts,
                          want: { inputs: number; outputs: number; midiIn: boolean; midiOut: boolean }): PortPlan {
  const added: OwnPort[] = [];
  const removed: OwnPort[] = [];
  try {
    const audio = (have: readonly OwnPort[], n: number, kind: 'in' | 'out'): OwnPort[] => {
      const list = have.slice(0, n);
      for (let i = have.length; i < n; i++) {
        const p = (kind === 'in' ? host.inports : host.outports).register(`${name}_${kind}_${i + 1}`);
        added.push(p);
        list.push(p);
      }
      removed.push(...have.slice(n));
      return list;
    };
    const midi = (have: OwnPort | undefined, on: boolean, kind: 'in' | 'out'): OwnPort | undefined => {
      if (on && have) return have;
      if (have) removed.push(have);
      if (!on) return undefined;
      const p = (kind === 'in' ? host.midiInports : host.midiOutports).register(`${name}_midi_${kind}`);
      added.push(p);
      return p;
    };
    const next = {
      inputs: audio(cur.inputs, want.inputs, 'in'),
      outputs: audio(cur.outputs, want.outputs, 'out'),
      midiInput: midi(cur.midiInput, want.midiIn, 'in'),
      midiOutput: midi(cur.midiOutput, want.midiOut, 'out'),
    };
    return { next, added, removed };
  } catch (err) {
    for (const p of added) p.unregister();
    if (err instanceof JackError) throw new JackError(err.code, `${who}: cannot register a port for a new channel: ${err.message}`);
    throw err;
  }
}

/** Whether two parameter lists index the same parameters (ids, order and ranges): then timed changes waiting for one apply to the other. */
export function sameLayout(a: readonly { id: string; min: number | undefined; max: number | undefined }[], b: readonly { id: string; min: number | undefined; max: number | undefined }[]): boolean {
  return a.length === b.length && a.every((p, i) => p.id === b[i]?.id && p.min === b[i]?.min && p.max === b[i]?.max);
}
