// The transport and tempo, as the host writes them before each block
// (docs/abi.md, "Transport"): a module that calls Processor.useTransport()
// in its constructor reads `this.transport` in process(). Everything holds
// at the first sample of the block being processed.

export const TRANSPORT_STOPPED: u32 = 0;
export const TRANSPORT_ROLLING: u32 = 1;
export const TRANSPORT_LOOPING: u32 = 2;
export const TRANSPORT_STARTING: u32 = 3;

/** A view of the 64-byte block the host fills (jw_transport). */
export class Transport {
  readonly ptr: usize;

  constructor() {
    this.ptr = changetype<usize>(new StaticArray<f64>(8));
  }

  /** JACK's transport state: TRANSPORT_STOPPED, _ROLLING, _LOOPING, _STARTING. */
  @inline get state(): u32 {
    return load<u32>(this.ptr, 0);
  }
  /** Rolling (or looping). */
  @inline get rolling(): bool {
    const s = this.state;
    return s == TRANSPORT_ROLLING || s == TRANSPORT_LOOPING;
  }
  /** A transport exists: frame and sampleRate are meaningful. */
  @inline get valid(): bool {
    return (load<u32>(this.ptr, 4) & 1) != 0;
  }
  /** Tempo and bar/beat/tick are known (some client is timebase master, or the render set a tempo). */
  @inline get hasTempo(): bool {
    return (load<u32>(this.ptr, 4) & 2) != 0;
  }
  /** Transport frame of the block's first sample. */
  @inline get frame(): u32 {
    return load<u32>(this.ptr, 8);
  }
  @inline get sampleRate(): u32 {
    return load<u32>(this.ptr, 12);
  }
  /** Beats per minute (0 without tempo). */
  @inline get bpm(): f64 {
    return load<f64>(this.ptr, 16);
  }
  /** Beats since the start of the bar, fractional (0 at the downbeat). */
  @inline get beatInBar(): f64 {
    return load<f64>(this.ptr, 24);
  }
  /** Bar, 1-based. */
  @inline get bar(): i32 {
    return load<i32>(this.ptr, 32);
  }
  /** Beat within the bar, 1-based. */
  @inline get beat(): i32 {
    return load<i32>(this.ptr, 36);
  }
  /** Ticks into the beat, fractional. */
  @inline get tick(): f64 {
    return load<f64>(this.ptr, 40);
  }
  @inline get beatsPerBar(): f32 {
    return load<f32>(this.ptr, 48);
  }
  @inline get beatType(): f32 {
    return load<f32>(this.ptr, 52);
  }
  @inline get ticksPerBeat(): f64 {
    return load<f64>(this.ptr, 56);
  }
  /** Samples per beat at the current tempo (0 without tempo). */
  @inline samplesPerBeat(sampleRate: f32): f64 {
    const bpm = this.bpm;
    return this.hasTempo && bpm > 0 ? (60.0 * <f64>sampleRate) / bpm : 0;
  }
}
