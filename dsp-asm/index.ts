// The jackwasm AssemblyScript SDK. A module imports from here and re-exports
// the ABI from "./abi" (or "./abi-midi" for MIDI input) in its entry file;
// see docs/abi.md and examples/dsp/.
export * from "./processor";
export * from "./host";
export * from "./units";
export * from "./osc";
export * from "./biquad";
export * from "./smoother";
export * from "./adsr";
export * from "./delay";
export * from "./mix";
export * from "./voices";
export * from "./voice-rows";
export * from "./events";
export * from "./state";
export * from "./transport";
export * from "./buffers";
export * from "./sampler";
export * from "./rings";
