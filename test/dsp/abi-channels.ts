// Test module: 65 outputs is more than the ABI allows: jw_init must fail with
// JW_ERR_CHANNELS (2).
import { Processor, register } from "../../dsp-asm";

class TooWide extends Processor {
  constructor() {
    super("too-wide", 0, 65);
  }
  process(frames: i32): void {}
}

register(new TooWide());
export * from "../../dsp-asm/abi";
