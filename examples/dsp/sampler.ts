// sampler: plays a sample that JS loads (DspModule.loadBuffer) by MIDI note
// (0 in, 2 out, one MIDI input). Shows the SDK's SampleSlot (audio from JS,
// handed over without a copy on the audio thread) and Sampler (16 voices,
// pitch from the note relative to the root, velocity, release fade, sustain
// pedal, pitch bend). The root note (default 60, middle C) plays the sample
// sample for sample; a mono sample plays on both outputs.
import { EventQueue, Processor, register, SampleSlot, Sampler, Smoother, dbToGain } from "../../dsp-asm";

const ROOT = 0;
const RELEASE = 1;
const LEVEL = 2;
const ONE_SHOT = 3;
const MAX_EVENTS = 256;
// Up to 2 channels of 20 s at 48 kHz (two regions of 7.7 MB: the module's memory cap is 64 MiB).
const CAPACITY = 48000 * 20;

class SamplerModule extends Processor {
  sample: SampleSlot = new SampleSlot("sample", 2, CAPACITY);
  sampler: Sampler = new Sampler(this.sample, 16);
  level: Smoother = new Smoother(1);
  events: EventQueue = new EventQueue(MAX_EVENTS);

  constructor() {
    super("sampler", 0, 2);
    this.midiInputs = 1;
    this.addParam("root", "Root note", 0, 127, 60);
    this.addParam("release", "Release", 0, 5000, 5, "ms");
    this.addParam("level", "Level", -60, 6, 0, "dB");
    this.addParam("oneShot", "One-shot", 0, 1, 0);
  }

  init(sampleRate: f32, maxFrames: i32): void {
    this.level.setTime(0.005, sampleRate);
    // A hot-swap keeps the sounding notes (the sample itself the host carries over).
    this.keep("sampler", this.sampler);
    this.keep("level", this.level);
  }

  paramChanged(index: i32, value: f32): void {
    const s = this.sampler;
    if (index == ROOT) s.rootNote = Mathf.round(value);
    else if (index == RELEASE) s.releaseSamples = <i32>Mathf.round((value / 1000) * this.sampleRate);
    else if (index == ONE_SHOT) s.oneShot = value >= 0.5;
    else if (index == LEVEL) {
      const g = dbToGain(value);
      if (this.started) this.level.setTarget(g);
      else this.level.reset(g);
    }
  }

  midi(status: i32, data1: i32, data2: i32): void {
    this.events.push(this.midiFrame, status, data1, data2);
  }

  process(frames: i32): void {
    const left = this.output(0);
    const right = this.output(1);
    for (let k = 0; k < frames; k++) {
      unchecked((left[k] = 0));
      unchecked((right[k] = 0));
    }
    const events = this.events;
    let e = 0;
    let i = 0;
    while (i < frames) {
      while (events.due(e, i)) {
        this.sampler.midi(unchecked(events.a[e]), unchecked(events.b[e]), unchecked(events.c[e]));
        e++;
      }
      const end = e < events.count && unchecked(events.frame[e]) < frames ? unchecked(events.frame[e]) : frames;
      this.sampler.process(left, right, i, end);
      i = end;
    }
    while (e < events.count) {
      this.sampler.midi(unchecked(events.a[e]), unchecked(events.b[e]), unchecked(events.c[e]));
      e++;
    }
    events.clear();
    const level = this.level;
    if (level.value != 1 || level.target != 1) {
      for (let k = 0; k < frames; k++) {
        const g = level.next();
        unchecked((left[k] *= g));
        unchecked((right[k] *= g));
      }
    }
  }
}

register(new SamplerModule());
export * from "../../dsp-asm/abi-midi";
