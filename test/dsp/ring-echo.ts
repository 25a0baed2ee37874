// ring-echo: a test module for ModuleRing (1 in, 1 out). Output 0 plays the
// samples JS writes into the in ring "feed" (0 while it is empty); every input
// sample goes to the out ring "echo". A third ring "bytes" (out, 16 bytes)
// gets the number of feed samples missed so far, as f32, each block.
import { ModuleRing, Processor, RING_IN, RING_OUT, register } from "../../dsp-asm";

class RingEcho extends Processor {
  feed: ModuleRing = new ModuleRing("feed", RING_IN, 4096);
  echo: ModuleRing = new ModuleRing("echo", RING_OUT, 1 << 16);
  small: ModuleRing = new ModuleRing("bytes", RING_OUT, 16);
  missed: f32 = 0;

  constructor() {
    super("ring-echo", 1, 1);
  }

  process(frames: i32): void {
    const out = this.output(0);
    const got = this.feed.readSamples(out, 0, frames);
    for (let i = got; i < frames; i++) unchecked((out[i] = 0));
    this.missed += <f32>(frames - got);
    this.echo.writeSamples(this.input(0), 0, frames);
    this.small.writeF32(this.missed);
  }
}

register(new RingEcho());
export * from "../../dsp-asm/abi";
