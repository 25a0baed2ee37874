// The AudioWorklet processor bench/render.mjs gives node-web-audio-api's
// OfflineAudioContext: it runs a jackwasm module (.wasm, passed as bytes)
// through the same ABI calls as the engine, one 128-frame render quantum
// per jw_process, with the initial parameters and MIDI events given.
class JackwasmModule extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { bytes, sampleRate, midi, params } = options.processorOptions;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: { abort: () => { throw new Error('abort'); }, seed: () => 0x6a77 },
      jw_host: { log: () => {}, midi_out: () => {} },
    });
    const x = instance.exports;
    if (x.jw_init(sampleRate, 128) !== 0) throw new Error('jw_init failed');
    for (const [i, v] of params) x.jw_param_set(i, v);
    this.x = x;
    this.outOff = Array.from({ length: x.jw_outputs() }, (_, c) => x.jw_output(c) >> 2);
    this.midi = midi;
    this.mi = 0;
    this.frame = 0;
  }
  process(inputs, outputs) {
    const x = this.x;
    while (this.mi < this.midi.length && this.midi[this.mi][0] < this.frame + 128) {
      const [f, s, d1, d2] = this.midi[this.mi++];
      if (x.jw_midi) x.jw_midi(f - this.frame, s, d1, d2);
    }
    x.jw_process(128);
    const mem = new Float32Array(x.memory.buffer);
    const out = outputs[0];
    for (let c = 0; c < out.length && c < this.outOff.length; c++) out[c].set(mem.subarray(this.outOff[c], this.outOff[c] + 128));
    this.frame += 128;
    return true;
  }
}
registerProcessor('jackwasm-module', JackwasmModule);
