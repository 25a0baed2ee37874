/**
 * The types of Client's options, results and events (host/client.ts).
 */
import type { Port } from './port.js';
import type { Status } from './status.js';
import type { Position, TransportStateName } from './transport.js';

/** Options for {@link Client.open}. */
export interface ClientOptions {
  /** Fail instead of letting JACK pick a unique name when `name` is taken. Default false. */
  useExactName?: boolean;
  /** Do not start a server automatically. Default true: libjack's auto-start tries an ALSA server, which fails after ~6 s on machines without a sound card. */
  noStartServer?: boolean;
  /** Server to connect to. Default: $JACK_DEFAULT_SERVER or "default". */
  serverName?: string;
  /** Session ID to pass to jack_client_open (JackSessionID). */
  sessionId?: string;
}

/** Filters for {@link Client.getPorts}. `true` requires a property, `false` excludes it, omitted ignores it. */
export interface PortFilter {
  /** Regular expression matched against full port names (JS syntax; a string is compiled with `new RegExp`). */
  namePattern?: RegExp | string;
  /** Exact JACK port type string. */
  type?: string;
  isAudio?: boolean;
  isMidi?: boolean;
  isInput?: boolean;
  isOutput?: boolean;
  isPhysical?: boolean;
  canMonitor?: boolean;
  isTerminal?: boolean;
}

/** What `propertyChange` reports. */
export type PropertyChange = 'created' | 'changed' | 'deleted';

/** Result of {@link Client.record}. */
export interface Recording {
  /** One Float32Array per source port. */
  channels: Float32Array[];
  /** JACK frame time of the first recorded frame. */
  startFrame: number;
  sampleRate: number;
  /**
   * Where JACK's frame time did not follow on from the cycle before (an
   * xrun: the frame time skips, the samples do not): the recording's index
   * and the frame time there. Empty when frame time ran on without a break.
   */
  discontinuities: { index: number; frame: number }[];
  /** The index of the sample recorded at JACK frame time `frame` (across discontinuities), or -1 if none was. */
  indexOf(frame: number): number;
  /** The JACK frame time of sample `index`. */
  frameOf(index: number): number;
}

/** Result of {@link Client.transportQuery}. */
export interface TransportQuery {
  state: TransportStateName;
  position: Position;
}

/** Result of {@link Client.processTime}. */
export interface ProcessTime {
  cycles: number;
  meanUs: number;
  /** The shortest cycle, µs (0 before the first). */
  minUs: number;
  maxUs: number;
  /** Cycles that took longer than their period (frames at the sample rate): late because of this client alone. */
  cyclesOverPeriod: number;
  /** Cycles by duration: index i counts cycles of at most 2^i ns (and more than 2^(i-1)). */
  histogram: number[];
  /**
   * Cycles by duration, eight buckets per octave: index i counts cycles of
   * `cycleBucketNs(i)` ns (`cycleBucket(ns)` maps a duration to its index).
   */
  fineHistogram: number[];
  /**
   * The p-th percentile of cycle times, µs: the upper end of the fine bucket
   * it falls in (at most 1/8 octave, 9%, above the true value), clamped to
   * `maxUs`.
   */
  percentileUs(p: number): number;
}

/** Result of {@link Client.getCycleTimes}. */
export interface CycleTimes {
  /** Frame time at the start of the current cycle. */
  currentFrames: number;
  /** Microseconds (JACK clock) at the start of the current cycle. */
  currentUsecs: number;
  /** Estimated start of the next cycle, microseconds. */
  nextUsecs: number;
  /** Estimated cycle length, microseconds. */
  periodUsecs: number;
}

/** A slow-sync handler: resolve (or return) when ready to play from `position`. */
export type SyncHandler = (state: TransportStateName, position: Position) => void | Promise<void>;

/** Events a client emits (on the main thread). */
export interface ClientEvents {
  xrun: [delayedUsecs: number];
  shutdown: [status: Status, reason: string];
  freewheel: [starting: boolean];
  blockSize: [frames: number];
  sampleRate: [rate: number];
  clientRegistration: [name: string, registered: boolean];
  portRegistration: [port: Port, registered: boolean];
  portConnect: [a: Port, b: Port, connected: boolean];
  portRename: [port: Port, oldName: string, newName: string];
  graphOrder: [];
  propertyChange: [subject: string, key: string, change: PropertyChange];
  /** The slow-sync handler threw or rejected (the client reported ready anyway). */
  syncError: [error: unknown];
  /** Events from the audio thread were dropped because their queue was full (total count). */
  overflow: [dropped: number];
}
