// The Faust adapter: turns a program compiled by the Faust compiler
// (`-lang wasm-e`: external memory, every function taking the address of a
// DSP instance) into a jackwasm ABI module. The host (host/faust/) compiles
// the Faust program, generates an entry file that calls configure(),
// param() and voiceParams() with what the Faust JSON says, compiles it with
// this file, and merges the two modules with binaryen's wasm-merge: the
// imports under "faust" below become calls into the Faust code, and the
// Faust code's memory becomes this module's memory.
//
// Monophonic programs run one instance. Polyphonic ones (`nvoices` > 0) run
// one instance per voice, in the same memory, and this file allocates
// voices on MIDI notes with Faust's conventions: the parameters named
// freq, gate, gain, key and vel/velocity are set per voice.

// [any] The Faust program's functions (faust/wasm-e, single precision).
@external("faust", "init") declare function faustInit(dsp: i32, sampleRate: i32): void;
@external("faust", "compute") declare function faustCompute(dsp: i32, count: i32, inputs: i32, outputs: i32): void;
@external("faust", "getNumInputs") declare function faustInputs(dsp: i32): i32;
@external("faust", "getNumOutputs") declare function faustOutputs(dsp: i32): i32;
@external("faust", "setParamValue") declare function faustSet(dsp: i32, index: i32, value: f32): void;
@external("faust", "getParamValue") declare function faustGet(dsp: i32, index: i32): f32;

export const JW_OK: i32 = 0;
export const JW_ERR_REINIT: i32 = 1;
export const JW_ERR_CHANNELS: i32 = 2;
export const JW_ERR_FRAMES: i32 = 3;

/** Below this peak level a released voice is finished and becomes free. */
const RELEASED_SILENCE: f32 = 0.0005;

// Set by the generated entry file.
let dspSize: i32 = 0;
let voiceCount: i32 = 0;
let describeText: string = "";
const paramAddr: i32[] = [];
const paramMin: f32[] = [];
const paramMax: f32[] = [];
const paramCtrl: i32[] = [];
const paramWheel: bool[] = [];
let freqAddr: i32 = -1;
let gateAddr: i32 = -1;
let gainAddr: i32 = -1;
let keyAddr: i32 = -1;
let velAddr: i32 = -1;

/** [worker] The size of one Faust instance, bytes; `voices` 0: monophonic. */
export function configure(size: i32, voices: i32, describe: string): void {
  dspSize = size;
  voiceCount = voices;
  describeText = describe;
}

/**
 * [worker] Declares parameter `paramAddr.length`: its field in the Faust
 * instance, range, MIDI controller (-1: none) and whether the pitch wheel
 * drives it.
 */
export function param(addr: i32, min: f32, max: f32, ctrl: i32, wheel: bool): void {
  paramAddr.push(addr);
  paramMin.push(min);
  paramMax.push(max);
  paramCtrl.push(ctrl);
  paramWheel.push(wheel);
}

/** [worker] The fields a polyphonic program's voices are played through (-1: absent). */
export function voiceParams(freq: i32, gate: i32, gain: i32, key: i32, vel: i32): void {
  freqAddr = freq;
  gateAddr = gate;
  gainAddr = gain;
  keyAddr = key;
  velAddr = vel;
}

// State after init.
let initialized: bool = false;
let maxFrames: i32 = 0;
let numInputs: i32 = 0;
let numOutputs: i32 = 0;
let instances: i32 = 1;
let dspBase: usize = 0;
let inputBase: usize = 0;
let outputBase: usize = 0;
let voiceOutBase: usize = 0;
let inputPtrs: usize = 0;
let outputPtrs: usize = 0;
let voiceOutPtrs: usize = 0;
let describePtr: usize = 0;

// Voices (polyphonic programs only).
let voiceNote: StaticArray<i32> = new StaticArray<i32>(0); // the note held, -1: free
let voiceReleased: StaticArray<bool> = new StaticArray<bool>(0);
let voiceSustained: StaticArray<bool> = new StaticArray<bool>(0); // note off came while the pedal was down
let voiceAge: StaticArray<u32> = new StaticArray<u32>(0);
let clock: u32 = 0;
let pedal: bool = false;

@inline function dspOf(v: i32): i32 {
  return <i32>(dspBase + <usize>v * <usize>dspSize);
}

/** Allocates `bytes` (16-aligned), zeroed. */
function alloc(bytes: usize): usize {
  const p = heap.alloc(bytes + 16);
  const aligned = (p + 15) & ~(<usize>15);
  memory.fill(aligned, 0, bytes);
  return aligned;
}

/** Float buffers of `maxFrames` for `n` channels and the pointer array Faust reads them through. */
function channelBuffers(n: i32, frames: i32): usize {
  return n > 0 ? alloc(<usize>n * <usize>frames * 4) : 0;
}
function pointers(base: usize, n: i32, frames: i32): usize {
  const p = alloc(<usize>max(n, 1) * 4);
  for (let i = 0; i < n; i++) store<i32>(p + <usize>i * 4, <i32>(base + <usize>i * <usize>frames * 4));
  return p;
}

/** [worker] */
export function init(sampleRate: f32, frames: i32): i32 {
  if (initialized) return JW_ERR_REINIT;
  if (frames < 1) return JW_ERR_FRAMES;
  instances = voiceCount > 0 ? voiceCount : 1;
  maxFrames = frames;
  dspBase = alloc(<usize>dspSize * <usize>instances);
  for (let v = 0; v < instances; v++) faustInit(dspOf(v), <i32>sampleRate);
  numInputs = faustInputs(dspOf(0));
  numOutputs = faustOutputs(dspOf(0));
  if (<u32>numInputs > 64 || <u32>numOutputs > 64) return JW_ERR_CHANNELS;
  inputBase = channelBuffers(numInputs, frames);
  outputBase = channelBuffers(numOutputs, frames);
  inputPtrs = pointers(inputBase, numInputs, frames);
  outputPtrs = pointers(outputBase, numOutputs, frames);
  if (voiceCount > 0) {
    voiceOutBase = channelBuffers(numOutputs, frames);
    voiceOutPtrs = pointers(voiceOutBase, numOutputs, frames);
    voiceNote = new StaticArray<i32>(voiceCount);
    voiceReleased = new StaticArray<bool>(voiceCount);
    voiceSustained = new StaticArray<bool>(voiceCount);
    voiceAge = new StaticArray<u32>(voiceCount);
    for (let v = 0; v < voiceCount; v++) {
      voiceNote[v] = -1;
      if (gateAddr >= 0) faustSet(dspOf(v), gateAddr, 0);
    }
  }
  describePtr = changetype<usize>(String.UTF8.encode(describeText, true));
  initialized = true;
  return JW_OK;
}

export function inputs(): i32 {
  return numInputs;
}
export function outputs(): i32 {
  return numOutputs;
}
export function inputAt(ch: i32): i32 {
  return <u32>ch < <u32>numInputs ? <i32>(inputBase + <usize>ch * <usize>maxFrames * 4) : -1;
}
export function outputAt(ch: i32): i32 {
  return <u32>ch < <u32>numOutputs ? <i32>(outputBase + <usize>ch * <usize>maxFrames * 4) : -1;
}
export function describe(): i32 {
  return <i32>describePtr;
}
export function paramCount(): i32 {
  return paramAddr.length;
}

/** [audio-thread] Sets parameter `i` on every instance. */
export function setParam(i: i32, value: f32): void {
  if (<u32>i >= <u32>paramAddr.length) return;
  const addr = paramAddr[i];
  for (let v = 0; v < instances; v++) faustSet(dspOf(v), addr, value);
}

/** [worker] */
export function getParam(i: i32): f32 {
  return <u32>i < <u32>paramAddr.length ? faustGet(dspOf(0), paramAddr[i]) : 0;
}

/** Points the channel pointer array at `base + start` for each channel. */
function pointAt(ptrs: usize, base: usize, n: i32, start: i32): void {
  for (let c = 0; c < n; c++) store<i32>(ptrs + <usize>c * 4, <i32>(base + (<usize>c * <usize>maxFrames + <usize>start) * 4));
}

/** Runs frames [start, start + n) of the block. */
function computeRange(start: i32, n: i32): void {
  if (n <= 0) return;
  pointAt(inputPtrs, inputBase, numInputs, start);
  if (voiceCount == 0) {
    pointAt(outputPtrs, outputBase, numOutputs, start);
    faustCompute(dspOf(0), n, <i32>inputPtrs, <i32>outputPtrs);
    return;
  }
  const bytes = <usize>n * 4;
  for (let c = 0; c < numOutputs; c++) memory.fill(outputBase + (<usize>c * <usize>maxFrames + <usize>start) * 4, 0, bytes);
  for (let v = 0; v < voiceCount; v++) {
    if (voiceNote[v] < 0) continue;
    faustCompute(dspOf(v), n, <i32>inputPtrs, <i32>voiceOutPtrs);
    let peak: f32 = 0;
    for (let c = 0; c < numOutputs; c++) {
      const src = voiceOutBase + <usize>c * <usize>maxFrames * 4;
      const dst = outputBase + (<usize>c * <usize>maxFrames + <usize>start) * 4;
      for (let i: usize = 0; i < bytes; i += 4) {
        const x = load<f32>(src + i);
        store<f32>(dst + i, load<f32>(dst + i) + x);
        peak = max(peak, abs(x));
      }
    }
    // A released voice that has gone quiet is free again.
    if (voiceReleased[v] && peak < RELEASED_SILENCE) voiceNote[v] = -1;
  }
}

// MIDI events of the current block, applied at their frames.
const MAX_EVENTS = 512;
const evFrame = new StaticArray<i32>(MAX_EVENTS);
const evData = new StaticArray<i32>(MAX_EVENTS);
let evCount = 0;

/** [audio-thread] Queues a MIDI message for its frame of the coming block (a full queue applies it at once). */
export function queueMidi(frame: i32, status: i32, d1: i32, d2: i32): void {
  if (evCount == MAX_EVENTS) {
    midi(status, d1, d2);
    return;
  }
  evFrame[evCount] = frame;
  evData[evCount] = (status & 0xff) | ((d1 & 0x7f) << 8) | ((d2 & 0x7f) << 16);
  evCount++;
}

/** [audio-thread] Faust's compute over the block, split at each MIDI event's frame. */
export function process(frames: i32): void {
  let pos = 0;
  for (let e = 0; e < evCount; e++) {
    const at = min(max(evFrame[e], pos), frames);
    computeRange(pos, at - pos);
    pos = at;
    const d = evData[e];
    midi(d & 0xff, (d >> 8) & 0x7f, (d >> 16) & 0x7f);
  }
  evCount = 0;
  computeRange(pos, frames - pos);
}

function setVoice(v: i32, addr: i32, value: f32): void {
  if (addr >= 0) faustSet(dspOf(v), addr, value);
}

/** The voice for a new note: a free one, else the oldest released, else the oldest. */
function pickVoice(): i32 {
  let best = -1;
  let bestRank: u64 = <u64>-1;
  for (let v = 0; v < voiceCount; v++) {
    if (voiceNote[v] < 0) return v;
    // Rank: released voices first, older first.
    const rank = ((voiceReleased[v] ? <u64>0 : <u64>1) << 32) | <u64>voiceAge[v];
    if (rank < bestRank) {
      bestRank = rank;
      best = v;
    }
  }
  return best;
}

function noteOn(note: i32, velocity: i32): void {
  if (voiceCount == 0) return;
  const v = pickVoice();
  voiceNote[v] = note;
  voiceReleased[v] = false;
  voiceSustained[v] = false;
  voiceAge[v] = clock++;
  setVoice(v, freqAddr, <f32>(440.0 * Math.pow(2.0, (<f64>note - 69.0) / 12.0)));
  setVoice(v, gainAddr, <f32>velocity / 127.0);
  setVoice(v, keyAddr, <f32>note);
  setVoice(v, velAddr, <f32>velocity);
  setVoice(v, gateAddr, 1);
}

function release(v: i32): void {
  voiceReleased[v] = true;
  voiceSustained[v] = false;
  setVoice(v, gateAddr, 0);
}

function noteOff(note: i32): void {
  for (let v = 0; v < voiceCount; v++) {
    if (voiceNote[v] != note || voiceReleased[v]) continue;
    if (pedal) voiceSustained[v] = true;
    else release(v);
  }
}

/** Sets parameter `i` from a MIDI value `v` of `range` steps, as Faust's MIDI mapping does (linear over the range). */
function fromMidi(i: i32, v: i32, range: f32): void {
  const lo = paramMin[i];
  const hi = paramMax[i];
  setParam(i, lo + (hi - lo) * (<f32>v / range));
}

/** [audio-thread] One MIDI message (status with channel, two data bytes). */
export function midi(status: i32, d1: i32, d2: i32): void {
  const kind = status & 0xf0;
  if (kind == 0x90 && d2 > 0) noteOn(d1, d2);
  else if (kind == 0x80 || kind == 0x90) noteOff(d1);
  else if (kind == 0xb0) {
    if (voiceCount > 0 && d1 == 64) {
      pedal = d2 >= 64;
      if (!pedal) for (let v = 0; v < voiceCount; v++) if (voiceSustained[v]) release(v);
    } else if (voiceCount > 0 && (d1 == 120 || d1 == 123)) {
      // All sound off / all notes off.
      pedal = false;
      for (let v = 0; v < voiceCount; v++) if (voiceNote[v] >= 0 && !voiceReleased[v]) release(v);
      if (d1 == 120) for (let v = 0; v < voiceCount; v++) voiceNote[v] = -1;
    }
    for (let i = 0; i < paramCtrl.length; i++) if (paramCtrl[i] == d1) fromMidi(i, d2, 127);
  } else if (kind == 0xe0) {
    const bend = (d2 << 7) | d1;
    for (let i = 0; i < paramWheel.length; i++) if (paramWheel[i]) fromMidi(i, bend, 16383);
  }
}
