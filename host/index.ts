/**
 * jackwasm: realtime audio for Node.js on JACK.
 * The package root exports the whole public API.
 */
export { Client, maxClientNameBytes } from './client.js';
export type {
  ClientEvents,
  ClientOptions,
  CycleTimes,
  ProcessTime,
  PortFilter,
  PropertyChange,
  Recording,
  SyncHandler,
  TransportQuery,
} from './client-types.js';
export type { RecordOptions } from './client-record.js';
export { AudioReadStream } from './client-stream.js';
export type { AudioBlock, ReadStreamOptions } from './client-stream.js';
export { AudioWriteStream } from './client-write-stream.js';
export type { AudioChunk, WriteStreamOptions } from './client-write-stream.js';
export type { Playback, PlayOptions } from './client-play.js';
export type { ProcessOptions, ProcessResult, ProcessStats } from './client-process.js';
export { Meter, Scope } from './client-meter.js';
export type { MeterOptions, MeterReading, ScopeOptions, ScopeWindow } from './client-meter.js';
export { RingBuffer } from './ring-buffer.js';
export { cycleBucket, cycleBucketNs, percentileNs } from './process-time.js';
export { Port, OwnPort, Ports, maxPortNameBytes } from './port.js';
export type { LatencyMode, LatencyRange, RegisterOptions } from './port.js';
export { Status } from './status.js';
export { JackError, JackOpenError } from './errors.js';
export type { JackErrorCode, SyncDetails, TrapDetails } from './errors.js';
export { TransportState, bbtAt, transportStateName } from './transport.js';
export type { BbtFields, Position, RepositionTarget, TimebaseSettings, TransportStateName, TransportStateValue } from './transport.js';
export { METADATA, getAllProperties, getProperties, getProperty } from './metadata.js';
export type { Property, Subject } from './metadata.js';
export {
  clientNameSize,
  clientPid,
  portNameSize,
  portTypeSize,
  setErrorFunction,
  setInfoFunction,
  version,
  versionString,
} from './jack.js';
export type { JackVersion } from './jack.js';
export { Server, ensureServer, isServerRunning, listServerNames } from './server.js';
export type { EnsuredServer, ServerOptions } from './server.js';
export { DspModule } from './dsp/module.js';
export type { DspModuleEvents, LoadOptions, ModuleParam, OverrunInfo, SwapOptions, SwapReport, TrapInfo } from './dsp/module.js';
export type { BufferCarry, BufferData, BufferSlotInfo, LoadBufferOptions, LoadBufferReport } from './dsp/module-buffers.js';
export type { ModuleRing } from './dsp/module-rings.js';
export { compile, defaultCacheDir } from './dsp/compile.js';
export type { CompileOptions, CompiledModule } from './dsp/compile.js';
export { adaptFaustWasm, compileFaust } from './faust/compile-faust.js';
export type { FaustOptions, FaustModule } from './faust/compile-faust.js';
export type { FaustDescription, FaustParam } from './faust/faust-ui.js';
export type { ModuleLimits } from './dsp/validate.js';
export { render } from './dsp/render.js';
export { watchModule } from './dsp/watch.js';
export { readMidiFile, midiFileFrames } from './midi-file.js';
export type { MidiFileData, MidiFileEvent } from './midi-file.js';
export type { MidiPlayback, PlayMidiOptions } from './dsp/midi-player.js';
export type { ModuleWatcher, WatchEvent, WatchOptions } from './dsp/watch.js';
export type { MidiEventAt, RenderOptions } from './dsp/render.js';
export type { ModuleDescription, ModuleSource, ParamInfo } from './dsp/instance.js';
export { Resampler, SoundFileReader, SoundFileWriter, readSoundFile, writeSoundFile } from './sound-file.js';
export type { Audio, ResampleQuality, SampleFormat, WriteOptions } from './sound-file.js';
export { servePanel } from './panel/panel-server.js';
export type { Panel, PanelOptions } from './panel/panel-server.js';
export { listPanels } from './panel/panel-registry.js';
export type { PanelEntry } from './panel/panel-registry.js';
export { serveOsc, OscServer } from './osc.js';
export type { OscOptions } from './osc.js';
