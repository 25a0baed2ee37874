// sine: a test tone generator. Shows a module with no inputs (0 in, 1 out)
// and the SineOsc building block. Frequency changes keep the phase
// continuous; "level" in dBFS is smoothed (5 ms) while running, so changes do
// not click, and applies at once when set before the first block.
import { Processor, register, SineOsc, Smoother, dbToGain } from "../../dsp-asm";

const FREQUENCY = 0;
const LEVEL = 1;

class Sine extends Processor {
  osc: SineOsc = new SineOsc();
  level: Smoother = new Smoother(0);

  constructor() {
    super("sine", 0, 1);
    this.addParam("frequency", "Frequency", 1, 20000, 440, "Hz");
    this.addParam("level", "Level", -96, 0, -20, "dB");
  }

  init(sampleRate: f32, maxFrames: i32): void {
    this.level.setTime(0.005, sampleRate);
    // State a hot-swap carries to the next version: the tone goes on without a jump.
    this.keep("osc", this.osc);
    this.keep("level", this.level);
  }

  paramChanged(index: i32, value: f32): void {
    if (index == FREQUENCY) {
      this.osc.setFrequency(value, this.sampleRate);
    } else if (index == LEVEL) {
      const g = dbToGain(value);
      if (this.started) this.level.setTarget(g);
      else this.level.reset(g);
    }
  }

  process(frames: i32): void {
    const out = this.output(0);
    const osc = this.osc;
    const level = this.level;
    for (let i = 0; i < frames; i++) {
      unchecked((out[i] = osc.next() * level.next()));
    }
  }
}

register(new Sine());
export * from "../../dsp-asm/abi";
