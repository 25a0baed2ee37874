/**
 * Client.play: buffers from JS into input ports (of any client), through
 * temporary output ports. The buffers are copied to the engine, which plays
 * them from the audio thread (sample-accurate, looped if asked), so a busy
 * JS thread cannot make them glitch.
 */
import type { Client } from './client.js';
import { OUT_DONE, OUT_PLAYING, Output } from './client-out.js';
import { checkOptionKeys, fail, require_ } from './errors.js';
import type { Port } from './port.js';
import { checkAudioPorts } from './port-checks.js';

/** Options of {@link Client.play}. */
export interface PlayOptions {
  /**
   * The JACK frame time of the first frame to play (sample-accurate);
   * default: the first cycle after the ports are connected (a few
   * milliseconds after the call). A frame that has passed rejects with TOO_LATE.
   */
  startAt?: number;
  /** Play the buffers again and again until `signal` aborts (default false). */
  loop?: boolean;
  /** Ends the playback at the next cycle; the promise then resolves with `stopped: true`. */
  signal?: AbortSignal;
}

/** What {@link Client.play} played. */
export interface Playback {
  /** JACK frame time of the first frame played (stopped before it started: where it stopped). */
  startFrame: number;
  /** JACK frame time after the last frame played. */
  endFrame: number;
  /** Frames played (with `loop`: over all passes). */
  frames: number;
  /** Times a looped playback started over. */
  loops: number;
  /** Whether `signal` ended it. */
  stopped: boolean;
}

/** Plays `buffers` (one per destination) into `dsts` (resolved ports). */
export async function playPorts(client: Client, dsts: Port[], buffers: Float32Array | Float32Array[], options: PlayOptions, closed: () => boolean): Promise<Playback> {
  require_(dsts.length > 0 && dsts.length <= 64, 'play: destinations must be an array of 1 to 64 ports');
  // One Float32Array plays to every destination.
  const list = buffers instanceof Float32Array ? dsts.map(() => buffers) : buffers;
  require_(Array.isArray(list) && list.length === dsts.length, `play: buffers must be one Float32Array per destination (${dsts.length}), or one for all, got ${describe(buffers)}`);
  const bad = list.findIndex((b) => !(b instanceof Float32Array));
  require_(bad < 0, `play: buffer ${bad} must be a Float32Array, got ${describe(list[bad])}`);
  const frames = (list[0] as Float32Array).length;
  require_(frames > 0 && list.every((b) => b.length === frames), `play: the buffers must be non-empty and of one length, got lengths ${list.map((b) => b.length).join(', ')}`);
  require_(typeof options === 'object' && options !== null, 'play: options must be an object');
  checkOptionKeys(options, ['startAt', 'loop', 'signal'], 'play');
  const { startAt, loop = false, signal } = options;
  require_(typeof loop === 'boolean', `play: loop must be a boolean, got ${typeof loop}`);
  require_(signal === undefined || signal instanceof AbortSignal, 'play: signal must be an AbortSignal');
  require_(startAt === undefined || (Number.isInteger(startAt) && startAt >= 0 && startAt < 2 ** 32), `play: startAt must be a JACK frame time (an integer from 0 to 2^32-1), got ${String(startAt)}`);
  if (!client.active) fail('INVALID_ARGUMENT', `play: client "${client.name}" must be active to play`);
  checkAudioPorts(dsts, 'input', 'play', 'play into input ports');
  if (startAt !== undefined && ((startAt - client.lastFrameTime) | 0) < 0) {
    fail('TOO_LATE', `play: startAt frame ${startAt} has passed (the frame time is ${client.lastFrameTime})`);
  }
  const rate = client.sampleRate;
  if (signal?.aborted) return { startFrame: client.lastFrameTime, endFrame: client.lastFrameTime, frames: 0, loops: 0, stopped: true };
  const out = await Output.open(client, dsts, 'play', closed, { buffers: list }, startAt, 0, loop, 'Client.play');
  const onAbort = (): void => out.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  // An abort while the ports were being set up is seen now.
  if (signal?.aborted) out.stop();
  try {
    const cycleMs = (1000 * client.blockSize) / rate;
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      client.assertUsable('Client.play');
      if (!client.active) fail('INVALID_ARGUMENT', `play: client "${client.name}" was deactivated during playback`);
      if (out.state === OUT_DONE) {
        if (out.late) fail('TOO_LATE', `play: startAt frame ${String(startAt)} had passed when playback could begin (frame ${out.endFrame}); registering and connecting the ports takes a few milliseconds, so give a frame at least a few cycles ahead`);
        // Stopped before it started: it starts and ends where it stopped.
        return { startFrame: out.started ? out.startFrame : out.endFrame, endFrame: out.endFrame, frames: out.played, loops: out.loops, stopped: signal?.aborted ?? false };
      }
      // The audio thread moves `played` every cycle once playing; waiting for startAt, the frame time moves.
      const progress = out.state === OUT_PLAYING ? out.played : client.lastFrameTime;
      if (progress !== last) {
        last = progress;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > 10000) {
        fail('JACK_FAILED', 'play: no audio cycles arrived for 10 s (is the server running?)');
      }
      await new Promise((r) => setTimeout(r, Math.max(2, Math.min(20, cycleMs / 2))));
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await out.dispose();
  }
}

function describe(x: unknown): string {
  if (Array.isArray(x)) return `an array of ${x.length} item(s)`;
  if (x === null) return 'null';
  return typeof x === 'object' ? (x.constructor?.name ?? 'an object') : typeof x;
}
