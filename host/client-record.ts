/**
 * Client.record: audio from output ports (of any client) into JS, through
 * temporary input ports the audio thread records from into preallocated
 * buffers.
 */
import type { Client } from './client.js';
import type { Recording } from './client-types.js';
import { checkOptionKeys, fail, require_ } from './errors.js';
import { C, kNative, type NativeClient, type NativePort } from './native.js';
import type { OwnPort, Port } from './port.js';
import { markTemporary, refuseWhileFreewheeling, releasePorts } from './port-release.js';
import { checkAudioPorts } from './port-checks.js';

let recordSeq = 0;

/** Recordings running or waiting for their start, per client. */
const active = new WeakMap<Client, number>();

/** Options of {@link Client.record}. */
export interface RecordOptions {
  /** How many frames to record (or give `seconds`). */
  frames?: number;
  /** How many seconds to record, rounded to frames. */
  seconds?: number;
  /**
   * The JACK frame time of the first frame to record (sample-accurate);
   * default: the first cycle after the ports are connected. A frame that
   * has passed when the recording could begin rejects with TOO_LATE, so
   * `startAt: previous.startFrame + previous.channels[0].length` records
   * gaplessly on from a previous recording when asked for in time.
   */
  startAt?: number;
}

/** Records `srcs` (resolved ports) for `frames` or `seconds`; `closed` tells whether the client closed meanwhile. */
export async function recordPorts(client: Client, srcs: Port[], options: RecordOptions, closed: () => boolean): Promise<Recording> {
  require_(srcs.length > 0 && srcs.length <= 64, 'record: sources must be an array of 1 to 64 ports');
  require_(typeof options === 'object' && options !== null, 'record: options must be an object');
  checkOptionKeys(options, ['frames', 'seconds', 'startAt'], 'record');
  const n = client[kNative] as NativeClient;
  if (!client.active) fail('INVALID_ARGUMENT', `record: client "${client.name}" must be active to record`);
  const rate = client.sampleRate;
  require_(options.frames === undefined || options.seconds === undefined, 'record: give frames or seconds, not both');
  const frames = options.frames ?? (options.seconds !== undefined ? Math.round(options.seconds * rate) : undefined);
  require_(frames !== undefined && Number.isInteger(frames) && frames > 0 && frames <= 2 ** 28, `record: frames must be a positive integer (or give seconds), got ${String(frames)}`);
  const { startAt } = options;
  require_(startAt === undefined || (Number.isInteger(startAt) && startAt >= 0 && startAt < 2 ** 32), `record: startAt must be a JACK frame time (an integer from 0 to 2^32-1), got ${typeof startAt === 'number' ? String(startAt) : `${typeof startAt} ${JSON.stringify(startAt)}`}`);
  if (startAt !== undefined) {
    // Frame times wrap at 2^32; more than half of that ahead is behind.
    const ahead = (startAt - client.lastFrameTime) | 0;
    if (ahead < 0) fail('TOO_LATE', `record: startAt frame ${startAt} has passed (the frame time is ${client.lastFrameTime})`);
  }
  checkAudioPorts(srcs, 'output', 'record', 'record from output ports');
  // Rationale: past the engine's slots a recording would wait unseen for a
  // free one (and time out, or start after its frame): refuse it now.
  const running = active.get(client) ?? 0;
  const most = C.MaxRecordings; // the engine's slots
  if (running >= most) fail('QUEUE_FULL', `record: ${most} recordings of client "${client.name}" are already running or waiting for their start (the most at once)`);
  active.set(client, running + 1);
  try {
    return await recordWith(client, srcs, frames, startAt, n, rate, closed);
  } finally {
    active.set(client, (active.get(client) ?? 1) - 1);
  }
}

async function recordWith(client: Client, srcs: Port[], frames: number, startAt: number | undefined, n: NativeClient, rate: number, closed: () => boolean): Promise<Recording> {
  refuseWhileFreewheeling(client, 'record');
  const tag = `record_${++recordSeq}`;
  const ports = markTemporary(srcs.map((_, i) => client.inports.register(`${tag}_${i + 1}`)));
  try {
    srcs.forEach((s, i) => client.connect(s, ports[i] as OwnPort));
    // New connections take effect at the next cycle.
    const cycleMs = (1000 * client.blockSize) / rate;
    await new Promise((r) => setTimeout(r, 2 * cycleMs + 5));
    client.assertUsable('Client.record');
    const id = n.recStart(ports.map((p) => p[kNative] as NativePort), frames, startAt);
    if (!id) fail('QUEUE_FULL', 'record: too many recordings waiting');
    const wait = startAt === undefined ? 0 : (1000 * ((startAt - client.lastFrameTime) | 0)) / rate;
    const deadline = Date.now() + wait + (1000 * frames) / rate + 10000;
    for (;;) {
      client.assertUsable('Client.record');
      const r = n.recPoll(id);
      if (r?.late) fail('TOO_LATE', `record: startAt frame ${String(startAt)} had passed when the recording could begin (frame ${r.startFrame}); the ports are connected about two cycles after the call, so give a frame at least that far ahead`);
      if (r) return recordingOf(r.data, r.startFrame, rate, r.jumps);
      if (Date.now() > deadline) fail('JACK_FAILED', `record: no audio cycles arrived for ${(1000 * frames) / rate + 10000} ms (is the server running?)`);
      await new Promise((r2) => setTimeout(r2, Math.max(2, Math.min(50, cycleMs))));
    }
  } finally {
    if (!closed()) releasePorts(client, ports);
  }
}

/** @internal A Recording, with the frame-time map of its discontinuities. */
export function recordingOf(channels: Float32Array[], startFrame: number, sampleRate: number, jumps: [number, number][]): Recording {
  // Segments: from index i, frames run on from frame f.
  const segments: [number, number][] = [[0, startFrame], ...jumps];
  const length = channels[0]?.length ?? 0;
  return {
    channels,
    startFrame,
    sampleRate,
    discontinuities: jumps.map(([index, frame]) => ({ index, frame })),
    indexOf(frame: number): number {
      for (let k = segments.length - 1; k >= 0; k--) {
        const [i0, f0] = segments[k] as [number, number];
        const end = k + 1 < segments.length ? (segments[k + 1] as [number, number])[0] : length;
        const d = (frame - f0) | 0; // frame times wrap at 2^32
        if (d >= 0 && i0 + d < end) return i0 + d;
      }
      return -1;
    },
    frameOf(index: number): number {
      let k = segments.length - 1;
      while (k > 0 && (segments[k] as [number, number])[0] > index) k--;
      const [i0, f0] = segments[k] as [number, number];
      return (f0 + (index - i0)) >>> 0;
    },
  };
}
