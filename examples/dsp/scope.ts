// scope: passes its input through and sends every input sample to JS through
// a module ring (1 in, 1 out). Shows the SDK's ModuleRing (RING_OUT): the
// audio thread never waits for JS; when JS falls behind, the samples that do
// not fit are dropped and counted. JS reads them with
// module.ring("scope").readFloat32() (examples/scope.ts).
import { ModuleRing, Processor, RING_OUT, register } from "../../dsp-asm";

class Scope extends Processor {
  // 2^18 bytes: 65536 samples, 1.4 s at 48 kHz between two reads.
  ring: ModuleRing = new ModuleRing("scope", RING_OUT, 1 << 18);

  constructor() {
    super("scope", 1, 1);
  }

  process(frames: i32): void {
    const input = this.input(0);
    const out = this.output(0);
    for (let i = 0; i < frames; i++) unchecked((out[i] = unchecked(input[i])));
    this.ring.writeSamples(input, 0, frames);
  }
}

register(new Scope());
export * from "../../dsp-asm/abi";
