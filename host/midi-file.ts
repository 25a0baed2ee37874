/**
 * Standard MIDI files (.mid): read with the `midi-file` parser, all tracks
 * merged and timed through the file's tempo map, as short MIDI messages at
 * seconds from the start; and as frames for render({ midi }).
 */
import { parseMidi, type MidiData, type MidiEvent } from 'midi-file';
import { fail, require_ } from './errors.js';
import { readRegularFile } from './dsp/read-file.js';
import type { MidiEventAt } from './dsp/render.js';

/** One message of a MIDI file. */
export interface MidiFileEvent {
  /** Seconds from the start of the file. */
  time: number;
  /** A short message: status, then 0-2 data bytes. */
  bytes: number[];
  /** The track it came from. */
  track: number;
}

/** What {@link readMidiFile} returns. */
export interface MidiFileData {
  /** Every short message (notes, controllers, program changes, pressure, pitch bend), in time order. */
  events: MidiFileEvent[];
  /** Seconds until the last event (or end-of-track). */
  duration: number;
  /** Tempo changes: seconds and beats per minute (none: 120 bpm throughout). */
  tempos: { time: number; bpm: number }[];
  format: 0 | 1 | 2;
  tracks: number;
  /** System-exclusive and unknown events, which modules do not take (short messages only): counted, not played. */
  skipped: number;
}

/** Largest .mid read, bytes. */
const MAX_MIDI_FILE_BYTES = 16 << 20;

/** The status and data bytes of a channel event; undefined for meta and system events. */
function bytesOf(e: MidiEvent): number[] | undefined {
  const ch = (e as { channel?: number }).channel ?? 0;
  switch (e.type) {
    case 'noteOn':
      return [0x90 | ch, e.noteNumber, e.velocity];
    case 'noteOff':
      // A note-on of velocity 0 in the file stays one (the parser calls it noteOff).
      return e.byte9 ? [0x90 | ch, e.noteNumber, 0] : [0x80 | ch, e.noteNumber, e.velocity];
    case 'noteAftertouch':
      return [0xa0 | ch, e.noteNumber, e.amount];
    case 'controller':
      return [0xb0 | ch, e.controllerType, e.value];
    case 'programChange':
      return [0xc0 | ch, e.programNumber];
    case 'channelAftertouch':
      return [0xd0 | ch, e.amount];
    case 'pitchBend': {
      const v = e.value + 0x2000;
      return [0xe0 | ch, v & 0x7f, (v >> 7) & 0x7f];
    }
    default:
      return undefined;
  }
}

/**
 * Reads a standard MIDI file (a path, or its bytes).
 * @throws INVALID_ARGUMENT for a file that cannot be read or is not a standard MIDI file
 */
export async function readMidiFile(source: string | Uint8Array): Promise<MidiFileData> {
  let bytes: Uint8Array;
  let name = 'MIDI data';
  if (typeof source === 'string') {
    name = source;
    bytes = await readRegularFile(source, MAX_MIDI_FILE_BYTES, 'MIDI file');
  } else {
    require_(source instanceof Uint8Array, 'readMidiFile: expected a path or the bytes of a .mid file');
    bytes = source;
  }
  let midi: MidiData;
  try {
    midi = parseMidi(bytes);
  } catch (err) {
    return fail('INVALID_ARGUMENT', `${name} is not a standard MIDI file: ${err instanceof Error ? err.message : String(err)}`);
  }
  return timeMidi(midi, name);
}

function timeMidi(midi: MidiData, name: string): MidiFileData {
  const h = midi.header;
  if (h.format !== 0 && h.format !== 1 && h.format !== 2) fail('INVALID_ARGUMENT', `${name}: format ${String(h.format)} is not a standard MIDI file format (0, 1 or 2)`);
  if (h.framesPerSecond !== undefined && !((h.ticksPerFrame ?? 0) > 0 && h.framesPerSecond > 0)) fail('INVALID_ARGUMENT', `${name}: the SMPTE time division has no ticks per frame`);
  const smpte = h.framesPerSecond !== undefined && h.ticksPerFrame !== undefined;
  const ppq = h.ticksPerBeat ?? 0;
  if (!smpte && !(ppq > 0)) fail('INVALID_ARGUMENT', `${name}: the header gives no time division`);
  // Every event with its absolute tick; ties keep track order, then file order.
  const all: { tick: number; track: number; e: MidiEvent }[] = [];
  midi.tracks.forEach((track, t) => {
    let tick = 0;
    for (const e of track) {
      tick += e.deltaTime;
      all.push({ tick, track: t, e });
    }
  });
  all.sort((a, b) => a.tick - b.tick || a.track - b.track);
  const events: MidiFileEvent[] = [];
  const tempos: { time: number; bpm: number }[] = [];
  let usPerBeat = 500000;
  let lastTick = 0;
  let seconds = 0;
  let skipped = 0;
  for (const { tick, track, e } of all) {
    if (!(Number.isFinite(tick) && tick >= 0 && e.deltaTime >= 0)) fail('INVALID_ARGUMENT', `${name}: track ${track} has a delta time out of range`);
    seconds += smpte ? (tick - lastTick) / ((h.framesPerSecond as number) * (h.ticksPerFrame as number)) : ((tick - lastTick) * usPerBeat) / 1e6 / ppq;
    lastTick = tick;
    if (e.type === 'setTempo') {
      if (e.microsecondsPerBeat > 0) {
        usPerBeat = e.microsecondsPerBeat;
        tempos.push({ time: seconds, bpm: 60e6 / usPerBeat });
      }
      continue;
    }
    const b = bytesOf(e);
    if (b && !b.slice(1).every((x) => Number.isInteger(x) && x >= 0 && x < 0x80)) {
      fail('INVALID_ARGUMENT', `${name}: track ${track} has a ${e.type} event at tick ${tick} with data bytes [${b.slice(1).join(', ')}] (each must be 0-127; the file is truncated or corrupt)`);
    }
    if (b) events.push({ time: seconds, bytes: b, track });
    else if (e.type === 'sysEx' || e.type === 'endSysEx' || e.type === 'unknownMeta') skipped++;
  }
  return { events, duration: seconds, tempos, format: h.format, tracks: midi.tracks.length, skipped };
}

/** A MIDI file's events as frames from `startFrame` at `sampleRate`, for render({ midi }). */
export function midiFileFrames(data: MidiFileData, sampleRate: number, startFrame = 0): MidiEventAt[] {
  require_(Number.isFinite(sampleRate) && sampleRate > 0, 'midiFileFrames: sampleRate must be a positive number');
  require_(Number.isInteger(startFrame) && startFrame >= 0, `midiFileFrames: startFrame must be a non-negative integer, got ${String(startFrame)}`);
  return data.events.map((e) => ({ frame: startFrame + Math.round(e.time * sampleRate), bytes: e.bytes }));
}

