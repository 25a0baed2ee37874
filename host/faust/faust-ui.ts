/**
 * Reads the JSON description the Faust compiler gives of a program (its
 * "ui" tree of groups and controls, and its metadata) into what the
 * adapter needs: the parameters with their memory fields, ranges, units
 * and MIDI mappings, the voice controls of a polyphonic instrument, and the
 * jw_describe document (docs/abi.md) the module will return.
 */
import { fail } from '../errors.js';

/** One Faust control that becomes a module parameter. */
export interface FaustParam {
  /** Faust's unique short name ("freq", "Eq1_Freq"): the parameter id. */
  id: string;
  /** The label. */
  name: string;
  /** The full address ("/reverb/Output/Level"), as in Faust's OSC and JSON. */
  path: string;
  control: 'slider' | 'nentry' | 'button' | 'checkbox';
  /** Byte offset of the field in a Faust instance. */
  index: number;
  min: number;
  max: number;
  default: number;
  step: number;
  unit: string;
  scale: 'lin' | 'log' | 'exp';
  /** [midi:ctrl N]: the controller that drives it, or -1. */
  ctrl: number;
  /** [midi:pitchwheel] */
  wheel: boolean;
  tooltip: string;
}

/** What a Faust program's JSON says, for the adapter. */
export interface FaustDescription {
  name: string;
  inputs: number;
  outputs: number;
  /** Bytes of one instance. */
  size: number;
  /** Voices of a polyphonic instrument (0: monophonic). */
  voices: number;
  /** Public parameters (a polyphonic instrument's voice controls are not among them). */
  params: FaustParam[];
  /** Fields the voice allocator sets (-1: the program has none). */
  voice: { freq: number; gate: number; gain: number; key: number; vel: number };
  /** Whether the module takes MIDI: polyphonic, or a control mapped to MIDI. */
  midi: boolean;
  /** Bargraphs: outputs of the program, not parameters (listed for the docs and the panel). */
  bargraphs: string[];
  /** The global metadata (name, author, options...). */
  meta: Record<string, string>;
}

interface UiItem {
  type?: unknown;
  label?: unknown;
  shortname?: unknown;
  address?: unknown;
  index?: unknown;
  meta?: unknown;
  init?: unknown;
  min?: unknown;
  max?: unknown;
  step?: unknown;
  items?: unknown;
}

const CONTROLS: Record<string, FaustParam['control']> = {
  hslider: 'slider',
  vslider: 'slider',
  nentry: 'nentry',
  button: 'button',
  checkbox: 'checkbox',
};

/** Faust metadata lists ([{ key: value }, ...]) as one record (the last value of a key wins). */
function metaRecord(meta: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(meta)) return out;
  for (const m of meta) {
    if (typeof m !== 'object' || m === null) continue;
    for (const [k, v] of Object.entries(m as Record<string, unknown>)) out[k] = String(v);
  }
  return out;
}

/** The MIDI mapping of a control, from its "midi" metadata ("ctrl 7", "pitchwheel"). */
function midiOf(meta: Record<string, string>, where: string): { ctrl: number; wheel: boolean } {
  const m = meta.midi?.trim();
  if (m === undefined) return { ctrl: -1, wheel: false };
  const ctrl = /^ctrl\s+(\d+)(?:\s+\d+)?$/.exec(m);
  if (ctrl) {
    const n = Number(ctrl[1]);
    if (n > 127) fail('COMPILE_FAILED', `${where}: [midi:${m}]: controller numbers go up to 127`);
    return { ctrl: n, wheel: false };
  }
  if (m === 'pitchwheel') return { ctrl: -1, wheel: true };
  return fail('COMPILE_FAILED', `${where}: [midi:${m}] is not supported (jackwasm maps [midi:ctrl N] and [midi:pitchwheel]; a polyphonic instrument gets notes through freq/gate/gain)`);
}

/** The number of voices `options` metadata asks for ("[midi:on][nvoices:8]"), or undefined. */
export function declaredVoices(meta: Record<string, string>): number | undefined {
  const m = /\[nvoices:\s*(\d+)\s*\]/.exec(meta.options ?? '');
  return m ? Number(m[1]) : undefined;
}

const VOICE_CONTROLS = ['freq', 'gate', 'gain', 'key', 'vel', 'velocity'] as const;

/**
 * Parses the compiler's JSON. `voices` overrides the program's own
 * [nvoices:N] (0: monophonic).
 * @throws COMPILE_FAILED naming what cannot be run
 */
export function parseFaustJson(json: string, file: string, voices?: number): FaustDescription {
  const doc = JSON.parse(json) as Record<string, unknown>;
  const meta = metaRecord(doc.meta);
  const size = doc.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) fail('COMPILE_FAILED', `${file}: the Faust compiler gave no instance size`);
  const nv = voices ?? declaredVoices(meta) ?? 0;
  if (!Number.isInteger(nv) || nv < 0 || nv > 128) fail('INVALID_ARGUMENT', `${file}: voices must be an integer in [0, 128], got ${String(nv)}`);
  const all: FaustParam[] = [];
  const bargraphs: string[] = [];
  const walk = (items: unknown) => {
    if (!Array.isArray(items)) return;
    for (const raw of items as UiItem[]) {
      const type = String(raw.type);
      if (Array.isArray(raw.items)) {
        walk(raw.items);
        continue;
      }
      const path = String(raw.address ?? raw.label);
      // Rationale: the adapter reads and writes a control's f32 at this
      // offset in the instance; JSON from elsewhere (adaptFaustWasm) must
      // not point it at other memory.
      const index = raw.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index + 4 > size) {
        fail('COMPILE_FAILED', `${file}: ${path}: its field (index ${index === undefined ? 'missing' : String(JSON.stringify(index)).slice(0, 40)}) is not inside the Faust instance (a 4-byte field at an offset from 0 to ${size - 4})`);
      }
      if (type === 'hbargraph' || type === 'vbargraph') {
        bargraphs.push(path);
        continue;
      }
      if (type === 'soundfile') fail('COMPILE_FAILED', `${file}: ${path}: Faust soundfiles are not supported (load audio into a module with buffers instead, docs/dsp.md)`);
      const control = CONTROLS[type];
      if (!control) fail('COMPILE_FAILED', `${file}: ${path}: unknown Faust control type "${type}"`);
      const m = metaRecord(raw.meta);
      const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
      const toggle = control === 'button' || control === 'checkbox';
      const scale = m.scale === 'log' || m.scale === 'exp' ? m.scale : 'lin';
      all.push({
        id: String(raw.shortname ?? raw.label),
        name: String(raw.label),
        path,
        control,
        index,
        min: toggle ? 0 : num(raw.min, 0),
        max: toggle ? 1 : num(raw.max, 1),
        default: toggle ? 0 : num(raw.init, 0),
        step: toggle ? 1 : num(raw.step, 0),
        unit: m.unit ?? '',
        scale,
        tooltip: m.tooltip ?? '',
        ...midiOf(m, `${file}: ${path}`),
      });
    }
  };
  walk(doc.ui);
  if (all.length > 1024) fail('COMPILE_FAILED', `${file}: ${all.length} controls (a module has at most 1024 parameters)`);
  const voice = { freq: -1, gate: -1, gain: -1, key: -1, vel: -1 };
  let params = all;
  if (nv > 0) {
    const last = (p: FaustParam) => p.path.slice(p.path.lastIndexOf('/') + 1);
    params = [];
    for (const p of all) {
      const name = last(p) as (typeof VOICE_CONTROLS)[number];
      if (!VOICE_CONTROLS.includes(name)) params.push(p);
      else voice[name === 'velocity' ? 'vel' : name] = p.index;
    }
    if (voice.gate < 0) fail('COMPILE_FAILED', `${file}: a polyphonic instrument needs a "gate" control (Faust's convention: freq, gate, gain)`);
  }
  const inputs = Number(doc.inputs);
  const outputs = Number(doc.outputs);
  for (const [what, n] of [['inputs', inputs], ['outputs', outputs]] as const) {
    if (!Number.isInteger(n) || n < 0 || n > 64) fail('COMPILE_FAILED', `${file}: ${n} ${what} (a module has at most 64 audio ${what})`);
  }
  if (nv > 0 && outputs === 0) fail('COMPILE_FAILED', `${file}: a polyphonic instrument must have outputs`);
  const d: FaustDescription = {
    name: meta.name ?? String(doc.name ?? file),
    inputs,
    outputs,
    size,
    voices: nv,
    params,
    voice,
    midi: nv > 0 || params.some((p) => p.ctrl >= 0 || p.wheel),
    bargraphs,
    meta,
  };
  const bytes = Buffer.byteLength(describeDocument(d));
  if (bytes >= 65536) fail('COMPILE_FAILED', `${file}: the description of its ${d.params.length} controls takes ${bytes} bytes; a module's description is at most 64 KiB (fewer controls, or shorter labels)`);
  return d;
}

/** The jw_describe document of the adapted module. */
export function describeDocument(d: FaustDescription): string {
  return JSON.stringify({
    name: d.name,
    ...(d.meta.version !== undefined ? { version: d.meta.version } : {}),
    params: d.params.map((p) => ({
      id: p.id,
      name: p.name,
      min: p.min,
      max: p.max,
      default: p.default,
      ...(p.unit ? { unit: p.unit } : {}),
      step: p.step,
      scale: p.scale,
      control: p.control,
      path: p.path,
    })),
    midiInputs: d.midi ? 1 : 0,
    midiOutputs: 0,
  });
}
