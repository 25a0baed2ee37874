// Test module: the SDK's unit conversions, exported as plain functions.
export { dbToGain, gainToDb, midiToHz, hzToMidi, velocityToGain } from "../../dsp-asm/units";
