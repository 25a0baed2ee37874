/**
 * Playing a MIDI file into a module live (DspModule.playMidi): its events go
 * out through sendMidi with their JACK frames a little ahead of time (a
 * look-ahead window), so they land sample-exact however busy the main thread
 * is, and the module's queue never overflows (a full queue is retried on the
 * next tick, nothing is dropped).
 */
import { JackError, require_, checkOptionKeys } from '../errors.js';
import type { MidiFileData } from '../midi-file.js';

/** Options for {@link DspModule.playMidi}. */
export interface PlayMidiOptions {
  /**
   * What the file's time runs against: 'frames' (JACK frame time, from
   * `startFrame`), or 'transport': time 0 is transport frame `startFrame`
   * (default 0), events play while the transport rolls, a relocation seeks,
   * and stopping or relocating sends all notes off. Default 'frames'.
   */
  follow?: 'frames' | 'transport';
  /** JACK frame time of the file's time 0 ('frames'; default four cycles from now), or its transport frame ('transport'; default 0). */
  startFrame?: number;
  /** How far ahead of the audio thread events are sent, ms. Default 300. */
  lookaheadMs?: number;
}

/** A MIDI file playing into a module. */
export interface MidiPlayback {
  /** JACK frame time of the file's start. */
  readonly startFrame: number;
  /** JACK frame time of its last event. */
  readonly endFrame: number;
  /** Events handed to the module so far (of `total`). */
  readonly sent: number;
  readonly total: number;
  /** Resolves once every event is due (the last one has been played), or when stopped, or when the module, port or client goes away. */
  readonly done: Promise<void>;
  /** Stops: no further events, and all notes off on the channels the file uses. */
  stop(): void;
}

/** What the player needs from the module and its client. */
export interface PlayerHost {
  lastFrameTime(): number;
  /** The transport: rolling or not, and its frame at the start of the current cycle. */
  transport(): { rolling: boolean; frame: number };
  sampleRate: number;
  blockSize: number;
  send(bytes: number[], frame: number | undefined): void;
}

/** A PlayerHost over a client (DspModule.playMidi and OwnPort.playMidi differ only in how they send). */
export function playerHost(
  client: { readonly lastFrameTime: number; readonly sampleRate: number; readonly blockSize: number; transportQuery(): { state: string; position: { frame: number } } },
  send: PlayerHost['send'],
): PlayerHost {
  return {
    lastFrameTime: () => client.lastFrameTime,
    transport: () => {
      const q = client.transportQuery();
      return { rolling: q.state === 'rolling' || q.state === 'looping', frame: q.position.frame };
    },
    sampleRate: client.sampleRate,
    blockSize: client.blockSize,
    send,
  };
}

/** How one kind of playback decides what to send on each tick. */
interface Schedule {
  /** Hands over what is due; true once everything has played. */
  step(): boolean;
  /** The JACK frame just after the last event handed over, if that is still ahead (all notes off must follow it). */
  after(): number | undefined;
  sent(): number;
}

export function startMidiPlayback(host: PlayerHost, data: MidiFileData, options: PlayMidiOptions = {}): MidiPlayback {
  require_(typeof options === 'object' && options !== null, 'playMidi: options must be an object');
  checkOptionKeys(options, ['follow', 'startFrame', 'lookaheadMs'], 'playMidi');
  require_(typeof data === 'object' && data !== null && Array.isArray(data.events), 'playMidi: expected what readMidiFile returns');
  const follow = options.follow ?? 'frames';
  require_(follow === 'frames' || follow === 'transport', `playMidi: follow must be 'frames' or 'transport', got ${String(follow)}`);
  const lookaheadMs = options.lookaheadMs ?? 300;
  require_(Number.isFinite(lookaheadMs) && lookaheadMs >= 10 && lookaheadMs <= 10000, `playMidi: lookaheadMs must be in [10, 10000], got ${String(lookaheadMs)}`);
  const ahead = Math.round((lookaheadMs * host.sampleRate) / 1000);
  const offsets = data.events.map((e) => Math.round(e.time * host.sampleRate));
  const last = offsets.length ? (offsets[offsets.length - 1] as number) : 0;
  const channels = new Set(data.events.map((e) => (e.bytes[0] as number) & 0x0f));
  // All notes off now, and after the events already handed over (they cannot be called back).
  const notesOff = (after: number | undefined) => {
    for (const ch of channels) {
      host.send([0xb0 | ch, 123, 0], undefined);
      if (after !== undefined) host.send([0xb0 | ch, 123, 0], after);
    }
  };
  let start: number;
  let schedule: Schedule;
  if (follow === 'frames') {
    start = options.startFrame ?? (host.lastFrameTime() + 4 * host.blockSize) >>> 0;
    require_(Number.isInteger(start) && start >= 0 && start < 2 ** 32, `playMidi: startFrame must be a JACK frame time (integer in [0, 2^32)), got ${String(start)}`);
    schedule = againstFrames(host, data, offsets, start, ahead);
  } else {
    start = options.startFrame ?? 0;
    require_(Number.isInteger(start) && start >= 0 && start < 2 ** 32, `playMidi: startFrame must be a transport frame (integer in [0, 2^32)), got ${String(start)}`);
    schedule = againstTransport(host, data, offsets, start, ahead, notesOff);
  }
  return run(schedule, notesOff, start, (start + last) >>> 0, offsets.length);
}

/** The timer, the end and the errors, for either kind of playback. */
function run(schedule: Schedule, notesOff: (after: number | undefined) => void, startFrame: number, endFrame: number, total: number): MidiPlayback {
  let stopped = false;
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const end = (err?: unknown) => {
    clearInterval(timer);
    stopped = true;
    // The module unloaded, its port or client gone: the song just ends there.
    if (err === undefined || (err instanceof JackError && ['MODULE_UNLOADED', 'CLIENT_CLOSED', 'PORT_INVALID', 'SERVER_GONE'].includes(err.code))) resolve();
    else reject(err);
  };
  const tick = () => {
    try {
      if (schedule.step()) end();
    } catch (err) {
      if (err instanceof JackError && err.code === 'QUEUE_FULL') return; // the audio thread catches up; retry next tick
      end(err);
    }
  };
  const timer = setInterval(tick, 20);
  tick();
  return {
    startFrame,
    endFrame,
    get sent() {
      return schedule.sent();
    },
    total,
    done,
    stop() {
      if (stopped) return;
      try {
        notesOff(schedule.after());
      } catch {
        /* a module gone or a full queue: nothing more to stop */
      }
      end();
    },
  };
}

/** Events at `start` + their offset in JACK frame time. */
function againstFrames(host: PlayerHost, data: MidiFileData, offsets: number[], start: number, ahead: number): Schedule {
  let next = 0;
  let lastSent: number | undefined; // frame offset of the last timed event handed over
  // Frames since the start (JACK frame times wrap at 2^32).
  const elapsed = () => (host.lastFrameTime() - start) | 0;
  const last = offsets.length ? (offsets[offsets.length - 1] as number) : 0;
  return {
    step() {
      const now = elapsed();
      while (next < offsets.length && (offsets[next] as number) < now + ahead) {
        const off = offsets[next] as number;
        // An event whose frame has passed (a stalled main thread) plays at once.
        host.send(data.events[next]!.bytes, off >= now ? (start + off) >>> 0 : undefined);
        if (off >= now) lastSent = off;
        next++;
      }
      return next >= offsets.length && now > last;
    },
    after: () => (lastSent !== undefined && lastSent + 1 > elapsed() ? (start + lastSent + 1) >>> 0 : undefined),
    sent: () => next,
  };
}

/**
 * The song's time is the transport's: time 0 at transport frame `origin`.
 * Rationale: while rolling, transport frame - JACK frame time is constant;
 * when it changes (a relocation, a stop and start), playback seeks to the
 * transport's position and the notes sounding are turned off.
 */
function againstTransport(host: PlayerHost, data: MidiFileData, offsets: number[], origin: number, ahead: number, notesOff: (after: number | undefined) => void): Schedule {
  const at = offsets.map((o) => origin + o); // transport frames
  const last = at.length ? (at[at.length - 1] as number) : origin;
  let next = 0;
  let sent = 0;
  let offset: number | undefined; // transport frame - JACK frame time while rolling
  let lastSent: number | undefined; // JACK frame time of the last event handed over
  const after = () => (lastSent !== undefined && ((lastSent - host.lastFrameTime()) | 0) >= 0 ? (lastSent + 1) >>> 0 : undefined);
  return {
    step() {
      // The transport and the frame time of one cycle (a cycle may begin between the reads).
      let now = host.lastFrameTime();
      let t = host.transport();
      for (let k = 0; k < 3 && host.lastFrameTime() !== now; k++) {
        now = host.lastFrameTime();
        t = host.transport();
      }
      const off = t.rolling ? (t.frame - now) | 0 : undefined;
      if (off !== offset) {
        // Started, stopped or relocated: silence what sounds, and go on from here.
        if (offset !== undefined) {
          notesOff(after());
          lastSent = undefined;
        }
        offset = off;
        if (off !== undefined) {
          next = 0;
          while (next < at.length && (at[next] as number) < t.frame) next++;
        }
      }
      if (off === undefined) return false;
      while (next < at.length && (at[next] as number) < t.frame + ahead) {
        lastSent = ((at[next] as number) - off) >>> 0;
        host.send(data.events[next]!.bytes, lastSent);
        next++;
        sent++;
      }
      return next >= at.length && t.frame > last;
    },
    after,
    sent: () => sent,
  };
}
