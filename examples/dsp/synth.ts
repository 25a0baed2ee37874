// synth: a monophonic MIDI synthesizer (0 in, 1 out, one MIDI input).
// Shows MIDI input (midiInputs = 1 plus the dsp-asm/abi-midi exports), the
// noteOn/noteOff hooks, and sample-accurate event handling: the hooks only
// queue events with this.midiFrame, and process() applies each at its frame.
// Voice: band-limited oscillator (saw by default) -> resonant lowpass biquad
// -> linear ADSR -> velocity and level. Last-note priority: releasing the
// sounding note while others are held returns to the latest held note
// without retriggering the envelope.
import {
  EventQueue,
  Processor,
  register,
  Adsr,
  Biquad,
  LOWPASS,
  Oscillator,
  Smoother,
  dbToGain,
  midiToHz,
  velocityToGain,
  keepField,
} from "../../dsp-asm";

const WAVEFORM = 0;
const CUTOFF = 1;
const RESONANCE = 2;
const ATTACK = 3;
const DECAY = 4;
const SUSTAIN = 5;
const RELEASE = 6;
const LEVEL = 7;

const MAX_EVENTS = 256;
/** Filter coefficients are redesigned at most every CONTROL samples while the cutoff glides. */
const CONTROL = 32;

class Synth extends Processor {
  osc: Oscillator = new Oscillator();
  filter: Biquad = new Biquad();
  env: Adsr = new Adsr();
  cutoff: Smoother = new Smoother(0);
  level: Smoother = new Smoother(0);
  velocity: f32 = 0;

  // MIDI events of the next block: note, velocity (0 = note off).
  events: EventQueue = new EventQueue(MAX_EVENTS);
  // Held notes, oldest first; the last one sounds.
  held: StaticArray<i32> = new StaticArray<i32>(128);
  heldCount: i32 = 0;

  constructor() {
    super("synth", 0, 1);
    this.midiInputs = 1;
    this.addParam("waveform", "Waveform", 0, 3, 0); // 0 saw, 1 square, 2 triangle, 3 sine
    this.addParam("cutoff", "Cutoff", 20, 20000, 2000, "Hz");
    this.addParam("resonance", "Resonance", 0.5, 20, 1, "Q");
    this.addParam("attack", "Attack", 0, 5000, 5, "ms");
    this.addParam("decay", "Decay", 0, 5000, 200, "ms");
    this.addParam("sustain", "Sustain", 0, 1, 0.7);
    this.addParam("release", "Release", 0, 10000, 300, "ms");
    this.addParam("level", "Level", -60, 0, -12, "dB");
  }

  init(sampleRate: f32, maxFrames: i32): void {
    this.cutoff.setTime(0.02, sampleRate / <f32>CONTROL); // advanced once per CONTROL samples
    this.level.setTime(0.005, sampleRate);
    // A hot-swap keeps the note sounding: oscillator, filter, envelope, keys held.
    this.keep("osc", this.osc);
    this.keep("filter", this.filter);
    this.keep("env", this.env);
    this.keep("cutoff", this.cutoff);
    this.keep("level", this.level);
    this.keepArray("held", this.held);
    keepField("heldCount", this, offsetof<Synth>("heldCount"), 4);
    keepField("velocity", this, offsetof<Synth>("velocity"), 4);
  }

  paramChanged(index: i32, value: f32): void {
    const sr = this.sampleRate;
    switch (index) {
      case WAVEFORM:
        this.osc.shape = <i32>Mathf.round(value);
        break;
      case CUTOFF:
        if (this.started) this.cutoff.setTarget(value);
        else this.cutoff.reset(value);
        this.design();
        break;
      case RESONANCE:
        this.design();
        break;
      case ATTACK:
        this.env.attackSamples = Adsr.samples(value / 1000, sr);
        break;
      case DECAY:
        this.env.decaySamples = Adsr.samples(value / 1000, sr);
        break;
      case SUSTAIN:
        this.env.setSustain(value);
        break;
      case RELEASE:
        this.env.releaseSamples = Adsr.samples(value / 1000, sr);
        break;
      case LEVEL: {
        const g = dbToGain(value);
        if (this.started) this.level.setTarget(g);
        else this.level.reset(g);
        break;
      }
    }
  }

  design(): void {
    this.filter.set(LOWPASS, this.cutoff.value, this.param(RESONANCE), 0, this.sampleRate);
  }

  noteOn(note: i32, velocity: i32): void {
    this.queue(note, velocity);
  }

  noteOff(note: i32): void {
    this.queue(note, 0);
  }

  queue(note: i32, velocity: i32): void {
    this.events.push(this.midiFrame, note, velocity, 0); // more than MAX_EVENTS in one block: dropped
  }

  removeHeld(note: i32): void {
    const held = this.held;
    let j = 0;
    for (let i = 0; i < this.heldCount; i++) {
      const h = unchecked(held[i]);
      if (h != note) unchecked((held[j++] = h));
    }
    this.heldCount = j;
  }

  apply(e: i32): void {
    const note = unchecked(this.events.a[e]);
    const vel = unchecked(this.events.b[e]);
    const wasSounding = this.heldCount > 0 && unchecked(this.held[this.heldCount - 1]) == note;
    this.removeHeld(note);
    if (vel > 0) {
      unchecked((this.held[this.heldCount++] = note));
      this.osc.setFrequency(midiToHz(<f32>note), this.sampleRate);
      this.velocity = velocityToGain(vel);
      this.env.gateOn();
    } else if (wasSounding) {
      if (this.heldCount > 0) {
        this.osc.setFrequency(midiToHz(<f32>unchecked(this.held[this.heldCount - 1])), this.sampleRate);
      } else {
        this.env.gateOff();
      }
    }
  }

  process(frames: i32): void {
    const out = this.output(0);
    const osc = this.osc, filter = this.filter, env = this.env, level = this.level, cutoff = this.cutoff;
    const events = this.events;
    let e = 0;
    for (let i = 0; i < frames; i++) {
      while (events.due(e, i)) this.apply(e++);
      if (i % CONTROL == 0 && !cutoff.settled) {
        cutoff.next();
        this.design();
      }
      const y = filter.process(osc.next()) * env.next();
      unchecked((out[i] = y * this.velocity * level.next()));
    }
    while (e < events.count) this.apply(e++); // frame offsets past the block (not sent by the host)
    events.clear();
    filter.flush();
  }
}

register(new Synth());
export * from "../../dsp-asm/abi-midi";
