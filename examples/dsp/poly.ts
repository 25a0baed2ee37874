// poly: an 8-voice polyphonic MIDI synthesizer (0 in, 1 out, one MIDI input).
// Shows the SDK's voice allocator (Voices: stealing, sustain pedal, pitch
// bend, all notes off) driving per-voice oscillator -> resonant lowpass ->
// linear ADSR, summed and scaled by a smoothed level; VoiceRows runs each
// stage for all sounding voices at once (as fast as C). Every MIDI message is
// queued with its frame and applied at that frame, so the output does not
// depend on the block size.
import {
  EventQueue,
  Processor,
  register,
  Adsr,
  ADSR_IDLE,
  Biquad,
  LOWPASS,
  Oscillator,
  Smoother,
  Voices,
  VoiceRows,
  VOICES_POLY,
  STEAL_OLDEST,
  dbToGain,
  velocityToGain,
} from "../../dsp-asm";

const WAVEFORM = 0;
const CUTOFF = 1;
const RESONANCE = 2;
const ATTACK = 3;
const DECAY = 4;
const SUSTAIN = 5;
const RELEASE = 6;
const LEVEL = 7;
const BEND_RANGE = 8;

const VOICES = 8;
const MAX_EVENTS = 256;

class Poly extends Processor {
  voices: Voices = new Voices(VOICES, VOICES_POLY, STEAL_OLDEST);
  osc: StaticArray<Oscillator> = new StaticArray<Oscillator>(VOICES);
  filter: StaticArray<Biquad> = new StaticArray<Biquad>(VOICES);
  env: StaticArray<Adsr> = new StaticArray<Adsr>(VOICES);
  gain: StaticArray<f32> = new StaticArray<f32>(VOICES);
  rows: VoiceRows | null = null; // the sounding voices' samples, made in init()
  level: Smoother = new Smoother(0);

  // MIDI messages of the next block (status, data1, data2), with their frames.
  events: EventQueue = new EventQueue(MAX_EVENTS);

  constructor() {
    super("poly", 0, 1);
    this.midiInputs = 1;
    for (let v = 0; v < VOICES; v++) {
      unchecked((this.osc[v] = new Oscillator()));
      unchecked((this.filter[v] = new Biquad()));
      unchecked((this.env[v] = new Adsr()));
    }
    this.addParam("waveform", "Waveform", 0, 3, 0); // 0 saw, 1 square, 2 triangle, 3 sine
    this.addParam("cutoff", "Cutoff", 20, 20000, 3000, "Hz");
    this.addParam("resonance", "Resonance", 0.5, 20, 1, "Q");
    this.addParam("attack", "Attack", 0, 5000, 5, "ms");
    this.addParam("decay", "Decay", 0, 5000, 300, "ms");
    this.addParam("sustain", "Sustain", 0, 1, 0.6);
    this.addParam("release", "Release", 0, 10000, 400, "ms");
    this.addParam("level", "Level", -60, 0, -18, "dB");
    this.addParam("bendRange", "Bend range", 0, 24, 2, "semitones");
  }

  init(sampleRate: f32, maxFrames: i32): void {
    this.rows = new VoiceRows(VOICES, maxFrames);
    this.level.setTime(0.005, sampleRate);
    // A hot-swap keeps the sounding voices: allocation, oscillators, filters, envelopes.
    this.keep("voices", this.voices);
    this.keepArray("osc", this.osc);
    this.keepArray("filter", this.filter);
    this.keepArray("env", this.env);
    this.keepArray("gain", this.gain);
    this.keep("level", this.level);
  }

  paramChanged(index: i32, value: f32): void {
    const sr = this.sampleRate;
    for (let v = 0; v < VOICES; v++) {
      const env = unchecked(this.env[v]);
      switch (index) {
        case WAVEFORM:
          unchecked(this.osc[v]).shape = <i32>Mathf.round(value);
          break;
        case CUTOFF:
        case RESONANCE:
          unchecked(this.filter[v]).set(LOWPASS, this.param(CUTOFF), this.param(RESONANCE), 0, sr);
          break;
        case ATTACK:
          env.attackSamples = Adsr.samples(value / 1000, sr);
          break;
        case DECAY:
          env.decaySamples = Adsr.samples(value / 1000, sr);
          break;
        case SUSTAIN:
          env.setSustain(value);
          break;
        case RELEASE:
          env.releaseSamples = Adsr.samples(value / 1000, sr);
          break;
      }
    }
    if (index == LEVEL) {
      const g = dbToGain(value);
      if (this.started) this.level.setTarget(g);
      else this.level.reset(g);
    } else if (index == BEND_RANGE) {
      this.voices.bendRange = value;
    }
  }

  midi(status: i32, data1: i32, data2: i32): void {
    this.events.push(this.midiFrame, status, data1, data2); // more than MAX_EVENTS in one block: dropped
  }

  apply(e: i32): void {
    const voices = this.voices;
    const ev = this.events;
    voices.midi(unchecked(ev.a[e]), unchecked(ev.b[e]), unchecked(ev.c[e]));
    const sr = this.sampleRate;
    for (let v = 0; v < VOICES; v++) {
      if (unchecked(voices.note[v]) < 0) continue;
      if (unchecked(voices.started[v])) {
        unchecked((voices.started[v] = 0));
        unchecked((this.gain[v] = velocityToGain(<i32>Mathf.round(unchecked(voices.velocity[v]) * 127))));
        unchecked(this.env[v]).gateOn();
      }
      if (unchecked(voices.stopped[v])) {
        unchecked((voices.stopped[v] = 0));
        unchecked(this.env[v]).gateOff();
      }
      // Note changes and pitch bend.
      unchecked(this.osc[v]).setFrequency(voices.frequency(v), sr);
    }
  }

  process(frames: i32): void {
    const out = this.output(0);
    const voices = this.voices;
    const rows = this.rows!;
    const events = this.events;
    let e = 0;
    let i = 0;
    while (i < frames) {
      while (events.due(e, i)) this.apply(e++);
      // Up to the next event's frame (or the block end).
      const end = e < events.count && unchecked(events.frame[e]) < frames ? unchecked(events.frame[e]) : frames;
      // Every sounding voice through oscillator, filter and envelope, added
      // to the output in voice order: the same samples as stepping each
      // voice per sample.
      rows.collect(voices);
      for (let k = i; k < end; k++) unchecked((out[k] = 0));
      rows.oscillators(this.osc, i, end);
      rows.filters(this.filter, i, end);
      rows.mixEnvelopes(this.env, this.gain, out, i, end);
      for (let a = 0; a < rows.count; a++) {
        const v = unchecked(rows.voice[a]);
        const env = unchecked(this.env[v]);
        unchecked((voices.level[v] = env.level));
        if (env.stage == ADSR_IDLE && !unchecked(voices.gate[v])) {
          voices.free(v); // released and silent
          unchecked(this.filter[v]).reset();
        }
      }
      const level = this.level;
      for (let k = i; k < end; k++) unchecked((out[k] *= level.next()));
      i = end;
    }
    while (e < events.count) this.apply(e++); // frame offsets past the block (not sent by the host)
    events.clear();
    for (let v = 0; v < VOICES; v++) unchecked(this.filter[v]).flush();
  }
}

register(new Poly());
export * from "../../dsp-asm/abi-midi";
