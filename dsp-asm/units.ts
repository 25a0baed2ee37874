// Unit conversions for DSP modules (AssemblyScript, f32 throughout).
// The rest of the SDK (ABI glue, oscillators, filters, envelopes) builds on
// these; see docs/abi.md once the engine lands.

/** Decibels to linear gain: 0 dB -> 1, -6.02 dB -> 0.5. */
export function dbToGain(db: f32): f32 {
  return Mathf.pow(10.0, db / 20.0);
}

/** Linear gain to decibels; 0 (or less) gives -Infinity. */
export function gainToDb(gain: f32): f32 {
  if (gain <= 0) return -Infinity;
  return 20.0 * Mathf.log10(gain);
}

/** MIDI note number (69 = A4) to frequency in Hz, equal temperament at 440 Hz. */
export function midiToHz(note: f32): f32 {
  return 440.0 * Mathf.pow(2.0, (note - 69.0) / 12.0);
}

/** Frequency in Hz to a (fractional) MIDI note number. */
export function hzToMidi(hz: f32): f32 {
  return 69.0 + 12.0 * Mathf.log2(hz / 440.0);
}

/** MIDI velocity (0..127) to linear gain, squared for a natural loudness curve. */
export function velocityToGain(velocity: i32): f32 {
  const v = <f32>min(max(velocity, 0), 127) / 127.0;
  return v * v;
}
