/**
 * Client.process: PyJack's model of exchanging audio with the realtime
 * thread without running in it. Each call queues one cycle of output for the
 * client's own output ports and waits for the next cycle of input from its
 * own input ports, which it copies into the caller's arrays. Behind the call
 * are two rings the audio thread serves (an engine output and an engine
 * audio stream, as for write and read streams), so JS never runs on the
 * realtime thread.
 *
 * Falling behind is PyJack's InputSyncError / OutputSyncError: the call
 * still fills the input arrays, then rejects with INPUT_SYNC (cycles of
 * input were dropped before this block: the script took longer than the
 * buffered cycles) or OUTPUT_SYNC (the audio thread played silence because
 * output came late). Counts are kept in `client.processStats`.
 */
import type { Client } from './client.js';
import { Output } from './client-out.js';
import { closeStream } from './client-stream.js';
import { checkOptionKeys, fail, JackError, require_ } from './errors.js';
import { kNative, type NativeClient, type NativePort } from './native.js';
import type { OwnPort } from './port.js';
import { isTemporary } from './port-release.js';
import { RingBuffer } from './ring-buffer.js';
import { interleave } from './sound-file.js';

/** Options of {@link Client.process}. */
export interface ProcessOptions {
  /** Own audio input ports to read, in order (default: every own audio input port no module or stream uses, in registration order). */
  inputPorts?: readonly (OwnPort | string)[];
  /** Own audio output ports to write, in order (default: likewise). */
  outputPorts?: readonly (OwnPort | string)[];
  /** Cycles the rings hold each way (default 8): how far the script may fall behind before input is dropped. */
  bufferBlocks?: number;
  /**
   * Cycles the output runs ahead (default 2, at most bufferBlocks - 1): output
   * latency, and how late a call may be before the audio thread runs out of
   * output (OUTPUT_SYNC). 0: output goes out at the next cycle, and any call
   * later than a cycle leaves a gap.
   */
  latencyBlocks?: number;
}

/** What one {@link Client.process} call exchanged (also an INPUT_SYNC / OUTPUT_SYNC error's `sync`). */
export interface ProcessResult {
  /** JACK frame time of the input block's first frame. */
  frame: number;
  /** Input frames dropped before this block (non-zero only with INPUT_SYNC). */
  inputLostFrames: number;
  /** Output frames played as silence since the previous call (non-zero only with OUTPUT_SYNC). */
  outputUnderrunFrames: number;
}

/** Totals over a client's process() calls. */
export interface ProcessStats {
  blocks: number;
  inputLostFrames: number;
  outputUnderrunFrames: number;
  inputSyncErrors: number;
  outputSyncErrors: number;
}

const HEADER = 16;

/** The rings behind one client's process() calls, for one set of ports. */
class ProcessLink {
  readonly key: string;
  readonly stats: ProcessStats;
  readonly #client: Client;
  readonly #ins: OwnPort[];
  readonly #period: number;
  readonly #outLimit: number;
  readonly #inRing: RingBuffer | undefined;
  readonly #streamId: number;
  readonly #outRing: RingBuffer | undefined;
  readonly #out: Output | undefined;
  readonly #head = new Uint32Array(HEADER / 4);
  #underrunSeen = 0;

  constructor(client: Client, ins: OwnPort[], outs: OwnPort[], blocks: number, latency: number, closed: () => boolean, stats: ProcessStats) {
    this.#client = client;
    this.#ins = ins;
    this.stats = stats;
    this.key = key(ins, outs, client.blockSize, blocks, latency);
    const n = client[kNative] as NativeClient;
    const period = client.blockSize;
    this.#period = period;
    this.#outLimit = blocks * period * 4 * outs.length;
    if (outs.length) {
      this.#outRing = new RingBuffer(this.#outLimit + 1);
      // `latency` cycles of silence first: the output runs that far ahead, so a
      // call that comes up to that late does not leave the audio thread without a block.
      if (latency > 0) this.#outRing.write(new Float32Array(latency * period * outs.length));
      this.#out = Output.onPorts(client, outs, closed, this.#outRing, period, 'Client.process');
    }
    this.#streamId = 0;
    if (ins.length) {
      const bytes = blocks * (HEADER + period * 4 * ins.length);
      this.#inRing = new RingBuffer(bytes + 1);
      // Exactly `blocks` cycles: the audio thread fills no more of the (power-of-two) ring.
      const id = n.streamOpen(ins.map((p) => p[kNative] as NativePort), new Uint8Array(this.#inRing.shared), false, bytes);
      if (!id) fail('QUEUE_FULL', 'process: the audio thread is not taking changes (too many at once)');
      this.#streamId = id;
    }
  }

  async exchange(outputs: Float32Array[], inputs: Float32Array[]): Promise<ProcessResult> {
    const c = this.#client;
    const cycleMs = (1000 * c.blockSize) / c.sampleRate;
    const wait = () => new Promise((r) => setTimeout(r, Math.max(1, cycleMs / 4)));
    let deadline = Date.now() + 10000 + 4 * cycleMs;
    if (this.#outRing) {
      const frameBytes = 4 * outputs.length;
      const frames = (outputs[0] as Float32Array).length;
      const block = interleave(outputs);
      // Room for a block within `blocks` cycles: the audio thread takes one each cycle.
      while (this.#outRing.readSpace + frames * frameBytes > this.#outLimit) {
        c.assertUsable('Client.process');
        if (Date.now() > deadline) fail('JACK_FAILED', 'process: no audio cycles arrived for 10 s (is the server running?)');
        await wait();
      }
      this.#outRing.write(block);
    }
    let frame = c.lastFrameTime;
    let lost = 0;
    if (this.#inRing) {
      deadline = Date.now() + 10000 + 4 * cycleMs;
      while (this.#inRing.readSpace < HEADER) {
        c.assertUsable('Client.process');
        if (c.blockSize !== this.#period) fail('INVALID_ARGUMENT', `process: the period changed from ${this.#period} to ${c.blockSize} frames during the call; call again with arrays of the new period`);
        if (!c.active) fail('INVALID_ARGUMENT', `process: client "${c.name}" was deactivated`);
        if (Date.now() > deadline) fail('JACK_FAILED', 'process: no audio cycles arrived for 10 s (is the server running?)');
        await wait();
      }
      // The audio thread publishes a record whole.
      this.#inRing.readInto(this.#head);
      frame = this.#head[0] as number;
      const frames = this.#head[1] as number;
      lost = this.#head[2] as number;
      const nch = this.#head[3] as number;
      for (let ch = 0; ch < nch; ch++) {
        const x = inputs[ch] as Float32Array;
        const take = Math.min(frames, x.length);
        this.#inRing.readInto(x.subarray(0, take));
        if (frames > take) this.#inRing.readAdvance(4 * (frames - take));
        x.fill(0, take);
      }
    }
    const under = this.#out ? this.#out.underrunFrames : 0;
    const underrun = under - this.#underrunSeen;
    this.#underrunSeen = under;
    const s = this.stats;
    s.blocks++;
    s.inputLostFrames += lost;
    s.outputUnderrunFrames += underrun;
    const sync = { frame, inputLostFrames: lost, outputUnderrunFrames: underrun };
    // Both at once is reported as INPUT_SYNC (as PyJack checks input first); `sync` has both counts.
    if (lost > 0) {
      s.inputSyncErrors++;
      if (underrun > 0) s.outputSyncErrors++;
      throw new JackError('INPUT_SYNC', `process: ${lost} frames of input were dropped before the block at frame ${frame} (the script fell more than the buffered cycles behind); the input arrays hold that block`, { sync });
    }
    if (underrun > 0) {
      s.outputSyncErrors++;
      throw new JackError('OUTPUT_SYNC', `process: ${underrun} frames of output were played as silence (the block came too late); the input arrays hold the block at frame ${frame}`, { sync });
    }
    return sync;
  }

  async dispose(): Promise<void> {
    if (this.#streamId) closeStream(this.#client, this.#streamId, this.#ins, false);
    await this.#out?.dispose();
  }
}

function key(ins: OwnPort[], outs: OwnPort[], period: number, blocks: number, latency: number): string {
  return `${period} ${blocks} ${latency}\n${ins.map((p) => p.name).join('\n')}\n->\n${outs.map((p) => p.name).join('\n')}`;
}

const links = new WeakMap<Client, ProcessLink>();
const busy = new WeakMap<Client, boolean>();
const totals = new WeakMap<Client, ProcessStats>();

function statsOf(client: Client): ProcessStats {
  let s = totals.get(client);
  if (!s) totals.set(client, (s = { blocks: 0, inputLostFrames: 0, outputUnderrunFrames: 0, inputSyncErrors: 0, outputSyncErrors: 0 }));
  return s;
}

/** The totals of a client's process() calls, over every port set and option (zeros before the first). */
export function processStatsOf(client: Client): ProcessStats {
  return { ...statsOf(client) };
}

/** Own audio ports process() uses by default: not a module's, not a stream's. */
function freePorts(client: Client, list: readonly OwnPort[]): OwnPort[] {
  const taken = new Set<string>();
  for (const m of client.modules) for (const p of [...m.inputs, ...m.outputs]) taken.add(p.name);
  return list.filter((p) => p.isAudio && !taken.has(p.name) && !isTemporary(p));
}

export async function processBlock(client: Client, outputs: Float32Array[], inputs: Float32Array[], options: ProcessOptions, closed: () => boolean, resolveOwn: (p: OwnPort | string, what: string) => OwnPort): Promise<ProcessResult> {
  require_(Array.isArray(outputs) && outputs.every((x) => x instanceof Float32Array), 'process: outputs must be an array of Float32Arrays (one per output port)');
  require_(Array.isArray(inputs) && inputs.every((x) => x instanceof Float32Array), 'process: inputs must be an array of Float32Arrays (one per input port)');
  require_(typeof options === 'object' && options !== null, 'process: options must be an object');
  checkOptionKeys(options, ['inputPorts', 'outputPorts', 'bufferBlocks', 'latencyBlocks'], 'process');
  if (!client.active) fail('INVALID_ARGUMENT', `process: client "${client.name}" must be active`);
  const { bufferBlocks = 8 } = options;
  require_(Number.isInteger(bufferBlocks) && bufferBlocks >= 2 && bufferBlocks <= 1024, `process: bufferBlocks must be an integer from 2 to 1024, got ${String(bufferBlocks)}`);
  const { latencyBlocks = Math.min(2, bufferBlocks - 1) } = options;
  require_(Number.isInteger(latencyBlocks) && latencyBlocks >= 0 && latencyBlocks < bufferBlocks, `process: latencyBlocks must be an integer from 0 to bufferBlocks - 1 (${bufferBlocks - 1}), got ${String(latencyBlocks)}`);
  const ins = options.inputPorts ? options.inputPorts.map((p) => resolveOwn(p, 'process')) : freePorts(client, client.inports.items);
  const outs = options.outputPorts ? options.outputPorts.map((p) => resolveOwn(p, 'process')) : freePorts(client, client.outports.items);
  for (const p of ins) if (!p.isAudio || !p.isInput) fail('DIRECTION_MISMATCH', `process: "${p.name}" is not an audio input port of this client`);
  for (const p of outs) if (!p.isAudio || !p.isOutput) fail('DIRECTION_MISMATCH', `process: "${p.name}" is not an audio output port of this client`);
  const names = (ps: OwnPort[]) => (ps.length ? ps.map((p) => p.name).join(', ') : 'none');
  if (outputs.length !== outs.length) fail('INVALID_ARGUMENT', `process: ${outputs.length} output arrays for ${outs.length} output ports (${names(outs)})`);
  if (inputs.length !== ins.length) fail('INVALID_ARGUMENT', `process: ${inputs.length} input arrays for ${ins.length} input ports (${names(ins)})`);
  if (ins.length + outs.length === 0) fail('INVALID_ARGUMENT', 'process: the client has no free audio ports to exchange (register some, or name them in inputPorts/outputPorts)');
  const period = client.blockSize;
  require_(bufferBlocks * period * 4 * Math.max(ins.length, outs.length, 1) + bufferBlocks * 16 < 2 ** 30, `process: bufferBlocks ${bufferBlocks} of ${period} frames for ${Math.max(ins.length, outs.length)} ports needs rings over 1 GiB; use fewer`);
  for (const x of [...outputs, ...inputs]) {
    if (x.length !== period) fail('INVALID_ARGUMENT', `process: every array must hold one period (${period} frames), got ${x.length}`);
  }
  if (busy.get(client)) fail('INVALID_ARGUMENT', 'process: the previous call has not finished (await each call before the next)');
  busy.set(client, true);
  try {
    let link = links.get(client);
    const k = key(ins, outs, period, bufferBlocks, latencyBlocks);
    if (link && link.key !== k) {
      await link.dispose();
      link = undefined;
    }
    if (!link) {
      link = new ProcessLink(client, ins, outs, bufferBlocks, latencyBlocks, closed, statsOf(client));
      links.set(client, link);
    }
    return await link.exchange(outputs, inputs);
  } finally {
    busy.set(client, false);
  }
}

/** Ends the rings behind process(); its ports are free again (to unregister). */
export async function endProcess(client: Client): Promise<void> {
  const link = links.get(client);
  links.delete(client);
  await link?.dispose();
}
