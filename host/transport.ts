import { require_ } from './errors.js';

/** Transport states (jack_transport_state_t). */
export const TransportState = {
  STOPPED: 0,
  ROLLING: 1,
  LOOPING: 2,
  STARTING: 3,
  NETSTARTING: 4,
} as const;
export type TransportStateValue = (typeof TransportState)[keyof typeof TransportState];
export type TransportStateName = 'stopped' | 'rolling' | 'looping' | 'starting' | 'netstarting';

const NAMES: TransportStateName[] = ['stopped', 'rolling', 'looping', 'starting', 'netstarting'];

/** The lower-case name of a transport state value. */
export function transportStateName(state: number): TransportStateName {
  return NAMES[state] ?? 'stopped';
}

/** The bar/beat/tick group of a position (JackPositionBBT). */
export interface BbtFields {
  /** Bar, 1-based. */
  bar: number;
  /** Beat within the bar, 1-based. */
  beat: number;
  /** Tick within the beat, 0-based. */
  tick: number;
  barStartTick: number;
  beatsPerBar: number;
  beatType: number;
  ticksPerBeat: number;
  beatsPerMinute: number;
  /** Fractional tick (JackTickDouble). */
  tickDouble?: number;
}

/**
 * A transport position. `frame`, `frameRate` and `usecs` are always present;
 * the other groups only when the timebase master provides them.
 */
export interface Position extends Partial<BbtFields> {
  frame: number;
  frameRate: number;
  usecs: number;
  /** Timecode group (JackPositionTimecode). */
  frameTime?: number;
  nextTime?: number;
  /** Frame offset of the BBT fields (JackBBTFrameOffset). */
  bbtOffset?: number;
  audioFramesPerVideoFrame?: number;
  videoOffset?: number;
}

/** What `transportReposition` accepts: a frame, optionally with a full BBT group. */
export interface RepositionTarget extends Partial<BbtFields> {
  frame: number;
  bbtOffset?: number;
  frameTime?: number;
  nextTime?: number;
  audioFramesPerVideoFrame?: number;
  videoOffset?: number;
}

/** Settings of the native timebase master. */
export interface TimebaseSettings {
  /** Tempo, beats per minute (> 0). Default 120. */
  bpm?: number;
  /** Time signature numerator (> 0). Default 4. */
  beatsPerBar?: number;
  /** Time signature denominator (> 0). Default 4. */
  beatType?: number;
  /** Ticks per beat (> 0). Default 1920. */
  ticksPerBeat?: number;
}

/**
 * BBT for a frame under fixed settings: exactly what the native timebase
 * master computes (bar and beat 1-based).
 */
export function bbtAt(frame: number, frameRate: number, s: Required<TimebaseSettings>) {
  const absTick = (frame * s.bpm * s.ticksPerBeat) / (frameRate * 60);
  const absBeat = Math.floor(absTick / s.ticksPerBeat);
  const bar = Math.floor(absBeat / s.beatsPerBar);
  const tickDouble = absTick - absBeat * s.ticksPerBeat;
  return {
    bar: bar + 1,
    beat: Math.trunc(absBeat - bar * s.beatsPerBar) + 1,
    tick: Math.trunc(tickDouble),
    tickDouble,
    barStartTick: bar * s.beatsPerBar * s.ticksPerBeat,
  };
}

/** What setTimebase starts from when a setting is not given. */
export const DEFAULT_TIMEBASE: Required<TimebaseSettings> = { bpm: 120, beatsPerBar: 4, beatType: 4, ticksPerBeat: 1920 };

/** @throws INVALID_ARGUMENT unless every setting is a positive finite number. */
/** Checks a transportReposition target. @throws INVALID_ARGUMENT */
export function checkReposition(position: RepositionTarget): RepositionTarget {
  require_(typeof position === 'object' && position !== null, 'transportReposition: position must be an object');
  require_(Number.isInteger(position.frame) && position.frame >= 0 && position.frame < 2 ** 32, `transportReposition: frame must be an integer in [0, 2^32), got ${position.frame}`);
  if (position.bar !== undefined) {
    for (const k of ['bar', 'beat', 'tick', 'beatsPerBar', 'beatType', 'ticksPerBeat', 'beatsPerMinute'] as const) {
      require_(typeof position[k] === 'number' && Number.isFinite(position[k]), `transportReposition: with bar, ${k} is required and must be a finite number`);
    }
  }
  return position;
}

export function checkTimebase(s: Required<TimebaseSettings>, who = 'setTimebase'): Required<TimebaseSettings> {
  for (const k of ['bpm', 'beatsPerBar', 'beatType', 'ticksPerBeat'] as const) {
    require_(typeof s[k] === 'number' && Number.isFinite(s[k]) && s[k] > 0, `${who}: ${k} must be a positive finite number, got ${String(s[k])}`);
  }
  return { bpm: s.bpm, beatsPerBar: s.beatsPerBar, beatType: s.beatType, ticksPerBeat: s.ticksPerBeat };
}
