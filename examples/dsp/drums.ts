// drums: a sample-free drum machine played over MIDI (0 in, 1 out, one MIDI
// input), General MIDI notes: 36 kick, 38 snare, 42 closed hi-hat, 46 open
// hi-hat (a closed hi-hat chokes a ringing open one). Other notes are ignored.
// Shows synthesis from oscillators and noise only: the kick is a sine whose
// pitch falls exponentially, the snare a decaying tone plus band-passed noise,
// the hats high-passed noise; each decay parameter is the time to fall by
// 60 dB. Noise comes from a xorshift generator, so renders are deterministic. Hits are sample-accurate: each MIDI message is
// applied at its frame.
import { EventQueue, Processor, register, Biquad, BANDPASS, HIGHPASS, SineOsc, Smoother, dbToGain, velocityToGain, keepField } from "../../dsp-asm";

const LEVEL = 0;
const KICK_DECAY = 1;
const SNARE_DECAY = 2;
const HAT_DECAY = 3;
const OPEN_HAT_DECAY = 4;
const TUNE = 5;

const KICK = 36;
const SNARE = 38;
const CLOSED_HAT = 42;
const OPEN_HAT = 46;

const MAX_EVENTS = 256;

/** Per-sample factor of an exponential decay by 60 dB in `seconds`. */
function decayCoef(seconds: f32, sampleRate: f32): f32 {
  const n = <f64>seconds * <f64>sampleRate;
  return n > 0 ? <f32>Math.exp(-6.907755278982137 / n) : 0; // ln(1000)
}

class Drums extends Processor {
  // Kick: a sine with a falling pitch.
  kick: SineOsc = new SineOsc();
  kickAmp: f32 = 0;
  kickPitch: f32 = 0; // Hz above the base pitch, decays
  kickAmpCoef: f32 = 0;
  kickPitchCoef: f32 = 0;
  // Snare: tone + band-passed noise.
  snareTone: SineOsc = new SineOsc();
  snareToneAmp: f32 = 0;
  snareNoiseAmp: f32 = 0;
  snareToneCoef: f32 = 0;
  snareNoiseCoef: f32 = 0;
  snareFilter: Biquad = new Biquad();
  // Hats: high-passed noise, closed and open (one voice: a closed hit chokes the open one).
  hatAmp: f32 = 0;
  hatCoef: f32 = 0;
  closedCoef: f32 = 0;
  openCoef: f32 = 0;
  hatFilter: Biquad = new Biquad();
  noise: u32 = 0x6a77;
  level: Smoother = new Smoother(0);

  hits: EventQueue = new EventQueue(MAX_EVENTS); // note, velocity

  constructor() {
    super("drums", 0, 1);
    this.midiInputs = 1;
    this.addParam("level", "Level", -60, 0, -6, "dB");
    this.addParam("kickDecay", "Kick decay", 10, 2000, 300, "ms");
    this.addParam("snareDecay", "Snare decay", 10, 1000, 150, "ms");
    this.addParam("hatDecay", "Closed hat decay", 5, 500, 40, "ms");
    this.addParam("openHatDecay", "Open hat decay", 20, 2000, 400, "ms");
    this.addParam("tune", "Kick pitch", 30, 120, 50, "Hz");
  }

  init(sampleRate: f32, maxFrames: i32): void {
    this.level.setTime(0.005, sampleRate);
    this.snareFilter.set(BANDPASS, 3000, 0.8, 0, sampleRate);
    this.hatFilter.set(HIGHPASS, 7000, 0.7, 0, sampleRate);
    this.kickPitchCoef = decayCoef(0.03, sampleRate);
    this.snareToneCoef = decayCoef(0.05, sampleRate);
    this.snareTone.setFrequency(190, sampleRate);
    // A hot-swap lets the hits under way ring on.
    this.keep("kick", this.kick);
    this.keep("snareTone", this.snareTone);
    this.keep("snareFilter", this.snareFilter);
    this.keep("hatFilter", this.hatFilter);
    this.keep("level", this.level);
    keepField("kickAmp", this, offsetof<Drums>("kickAmp"), 4);
    keepField("kickPitch", this, offsetof<Drums>("kickPitch"), 4);
    keepField("snareToneAmp", this, offsetof<Drums>("snareToneAmp"), 4);
    keepField("snareNoiseAmp", this, offsetof<Drums>("snareNoiseAmp"), 4);
    keepField("hatAmp", this, offsetof<Drums>("hatAmp"), 4);
    keepField("noise", this, offsetof<Drums>("noise"), 4);
  }

  paramChanged(index: i32, value: f32): void {
    const sr = this.sampleRate;
    switch (index) {
      case LEVEL: {
        const g = dbToGain(value);
        if (this.started) this.level.setTarget(g);
        else this.level.reset(g);
        break;
      }
      case KICK_DECAY:
        this.kickAmpCoef = decayCoef(value / 1000, sr);
        break;
      case SNARE_DECAY:
        this.snareNoiseCoef = decayCoef(value / 1000, sr);
        break;
      case HAT_DECAY:
        this.closedCoef = decayCoef(value / 1000, sr);
        break;
      case OPEN_HAT_DECAY:
        this.openCoef = decayCoef(value / 1000, sr);
        break;
    }
  }

  noteOn(note: i32, velocity: i32): void {
    this.hits.push(this.midiFrame, note, velocity, 0); // more than MAX_EVENTS in one block: dropped
  }

  hit(e: i32): void {
    const g = velocityToGain(unchecked(this.hits.b[e]));
    switch (unchecked(this.hits.a[e])) {
      case KICK:
        this.kick.reset(0);
        this.kickAmp = g;
        this.kickPitch = 4 * this.param(TUNE); // starts two octaves up, falls to the base pitch
        break;
      case SNARE:
        this.snareTone.reset(0);
        this.snareToneAmp = g * 0.5;
        this.snareNoiseAmp = g;
        break;
      case CLOSED_HAT:
        this.hatAmp = g * 0.6;
        this.hatCoef = this.closedCoef; // chokes an open hat
        break;
      case OPEN_HAT:
        this.hatAmp = g * 0.6;
        this.hatCoef = this.openCoef;
        break;
    }
  }

  /** Uniform noise in [−1, 1) (xorshift32). */
  @inline white(): f32 {
    let x = this.noise;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    this.noise = x;
    return <f32>(<i32>x) * (1.0 / 2147483648.0);
  }

  process(frames: i32): void {
    const out = this.output(0);
    const sr = this.sampleRate;
    const base = this.param(TUNE);
    const hits = this.hits;
    let e = 0;
    for (let i = 0; i < frames; i++) {
      while (hits.due(e, i)) this.hit(e++);
      // Kick.
      this.kick.setFrequency(base + this.kickPitch, sr);
      let y = this.kick.next() * this.kickAmp;
      this.kickAmp *= this.kickAmpCoef;
      this.kickPitch *= this.kickPitchCoef;
      // Snare.
      y += this.snareTone.next() * this.snareToneAmp + this.snareFilter.process(this.white()) * this.snareNoiseAmp;
      this.snareToneAmp *= this.snareToneCoef;
      this.snareNoiseAmp *= this.snareNoiseCoef;
      // Hats.
      y += this.hatFilter.process(this.white()) * this.hatAmp;
      this.hatAmp *= this.hatCoef;
      unchecked((out[i] = y * this.level.next()));
      // Decayed below -140 dB: exactly silent from here on (per sample, so the
      // output does not depend on the block size).
      if (this.kickAmp < 1e-7) this.kickAmp = 0;
      if (this.snareToneAmp < 1e-7) this.snareToneAmp = 0;
      if (this.snareNoiseAmp < 1e-7) this.snareNoiseAmp = 0;
      if (this.hatAmp < 1e-7) this.hatAmp = 0;
    }
    while (e < hits.count) this.hit(e++); // frame offsets past the block (not sent by the host)
    hits.clear();
    this.snareFilter.flush();
    this.hatFilter.flush();
  }
}

register(new Drums());
export * from "../../dsp-asm/abi-midi";
