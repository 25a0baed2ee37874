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

export function startMidiPlayback(host: PlayerHost, data: MidiFileData, options: PlayMidiOptions = {}): MidiPlayback {
  require_(typeof options === 'object' && options !== null, 'playMidi: options must be an object');
  checkOptionKeys(options, ['follow', 'startFrame', 'lookaheadMs'], 'playMidi');
  const follow = options.follow ?? 'frames';
  require_(follow === 'frames' || follow === 'transport', `playMidi: follow must be 'frames' or 'transport', got ${String(follow)}`);
  if (follow === 'transport') return followTransport(host, data, options);
  require_(typeof data === 'object' && data !== null && Array.isArray(data.events), 'playMidi: expected what readMidiFile returns');
  const lookaheadMs = options.lookaheadMs ?? 300;
  require_(Number.isFinite(lookaheadMs) && lookaheadMs >= 10 && lookaheadMs <= 10000, `playMidi: lookaheadMs must be in [10, 10000], got ${String(lookaheadMs)}`);
  const start = options.startFrame ?? (host.lastFrameTime() + 4 * host.blockSize) >>> 0;
  require_(Number.isInteger(start) && start >= 0 && start < 2 ** 32, `playMidi: startFrame must be a JACK frame time (integer in [0, 2^32)), got ${String(start)}`);
  const offsets = data.events.map((e) => Math.round(e.time * host.sampleRate));
  const lastOffset = offsets.length ? (offsets[offsets.length - 1] as number) : 0;
  const ahead = Math.round((lookaheadMs * host.sampleRate) / 1000);
  const channels = new Set(data.events.map((e) => (e.bytes[0] as number) & 0x0f));
  let next = 0;
  let lastSent: number | undefined; // frame offset of the last timed event handed over
  let stopped = false;
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Frames since the start (JACK frame times wrap at 2^32).
  const elapsed = () => (host.lastFrameTime() - start) | 0;
  const tick = () => {
    try {
      const now = elapsed();
      while (next < offsets.length && (offsets[next] as number) < now + ahead) {
        const off = offsets[next] as number;
        // An event whose frame has passed (a stalled main thread) plays at once.
        host.send(data.events[next]!.bytes, off >= now ? (start + off) >>> 0 : undefined);
        if (off >= now) lastSent = off;
        next++;
      }
      if (next >= offsets.length && now > lastOffset) finish();
    } catch (err) {
      if (err instanceof JackError && err.code === 'QUEUE_FULL') return; // the audio thread catches up; retry next tick
      clearInterval(timer);
      stopped = true;
      // The module unloaded, its port or client gone: the song just ends there.
      if (err instanceof JackError && ['MODULE_UNLOADED', 'CLIENT_CLOSED', 'PORT_INVALID', 'SERVER_GONE'].includes(err.code)) resolve();
      else reject(err);
    }
  };
  const finish = () => {
    clearInterval(timer);
    stopped = true;
    resolve();
  };
  const timer = setInterval(tick, 20);
  tick();
  return {
    startFrame: start,
    endFrame: (start + lastOffset) >>> 0,
    get sent() {
      return next;
    },
    total: offsets.length,
    done,
    stop() {
      if (stopped) return;
      clearInterval(timer);
      stopped = true;
      try {
        // Now, and after the events already handed over (they cannot be called back).
        const late = lastSent !== undefined && lastSent + 1 > elapsed() ? (start + lastSent + 1) >>> 0 : undefined;
        for (const ch of channels) {
          host.send([0xb0 | ch, 123, 0], undefined);
          if (late !== undefined) host.send([0xb0 | ch, 123, 0], late);
        }
      } catch {
        /* a module gone or a full queue: nothing more to stop */
      }
      resolve();
    },
  };
}

/**
 * playMidi({ follow: 'transport' }): the song's time is the transport's.
 * Rationale: while rolling, transport frame - JACK frame time is constant;
 * when it changes (a relocation, a stop and start), playback seeks to the
 * transport's position and the notes sounding are turned off.
 */
function followTransport(host: PlayerHost, data: MidiFileData, options: PlayMidiOptions): MidiPlayback {
  const lookaheadMs = options.lookaheadMs ?? 300;
  require_(Number.isFinite(lookaheadMs) && lookaheadMs >= 10 && lookaheadMs <= 10000, `playMidi: lookaheadMs must be in [10, 10000], got ${String(lookaheadMs)}`);
  const origin = options.startFrame ?? 0;
  require_(Number.isInteger(origin) && origin >= 0 && origin < 2 ** 32, `playMidi: startFrame must be a transport frame (integer in [0, 2^32)), got ${String(origin)}`);
  const at = data.events.map((e) => origin + Math.round(e.time * host.sampleRate)); // transport frames
  const last = at.length ? (at[at.length - 1] as number) : origin;
  const ahead = Math.round((lookaheadMs * host.sampleRate) / 1000);
  const channels = new Set(data.events.map((e) => (e.bytes[0] as number) & 0x0f));
  let next = 0;
  let offset: number | undefined; // transport frame - JACK frame time while rolling
  let lastSent: number | undefined; // JACK frame time of the last event handed over
  let sent = 0;
  let stopped = false;
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Now, and after the events already handed over (they cannot be called back).
  const notesOff = () => {
    const now = host.lastFrameTime();
    const late = lastSent !== undefined && ((lastSent - now) | 0) >= 0 ? (lastSent + 1) >>> 0 : undefined;
    for (const ch of channels) {
      host.send([0xb0 | ch, 123, 0], undefined);
      if (late !== undefined) host.send([0xb0 | ch, 123, 0], late);
    }
    lastSent = undefined;
  };
  const seek = (frame: number) => {
    next = 0;
    while (next < at.length && (at[next] as number) < frame) next++;
  };
  const tick = () => {
    try {
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
        if (offset !== undefined) notesOff();
        offset = off;
        if (off !== undefined) seek(t.frame);
      }
      if (off === undefined) return;
      while (next < at.length && (at[next] as number) < t.frame + ahead) {
        lastSent = ((at[next] as number) - off) >>> 0;
        host.send(data.events[next]!.bytes, lastSent);
        next++;
        sent++;
      }
      if (next >= at.length && t.frame > last) finish();
    } catch (err) {
      if (err instanceof JackError && err.code === 'QUEUE_FULL') return;
      clearInterval(timer);
      stopped = true;
      if (err instanceof JackError && ['MODULE_UNLOADED', 'CLIENT_CLOSED', 'PORT_INVALID', 'SERVER_GONE'].includes(err.code)) resolve();
      else reject(err);
    }
  };
  const finish = () => {
    clearInterval(timer);
    stopped = true;
    resolve();
  };
  const timer = setInterval(tick, 20);
  tick();
  return {
    startFrame: origin,
    endFrame: last >>> 0,
    get sent() {
      return sent;
    },
    total: at.length,
    done,
    stop() {
      if (stopped) return;
      clearInterval(timer);
      stopped = true;
      try {
        notesOff();
      } catch {
        /* gone already */
      }
      resolve();
    },
  };
}
