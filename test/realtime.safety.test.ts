/**
 * The audio-thread rules, checked: no allocation, lock, syscall, logging or
 * N-API call inside any realtime callback in steady state. A child process
 * runs with test/rtcheck/rtcheck.c preloaded, which counts those calls on
 * threads inside the shim's realtime scopes.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../host/index.js';
import type { RtcheckCounts as Counts } from '../host/native.js';
import { startServer } from './helpers/jack.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const checker = `${root}build/Release/libjwrtcheck.so`;

interface Result {
  canary: Record<'malloc' | 'lock' | 'syscall', Counts>;
  steady: Counts;
  timebaseCalls: number;
  syncRequests: number;
  logs: number;
  traps: number;
  faultKinds: string[];
  overruns: number;
  recordedPeaks: number[];
  recordedFrames: number[];
  swaps: number[];
  jsMidi: number;
  streamed: number;
  streamLost: number;
  looped: number;
  written: number;
  underrun: number;
  bufferLoads: number;
  ringSamples: number;
  samplerCarried: string[];
}

let server: Server;
let result: Result;

beforeAll(async () => {
  expect(existsSync(checker), `${checker} is built by npm run build`).toBe(true);
  server = await startServer('rtsafety');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [`${root}test/rtcheck/steady-state.mjs`],
      { env: { ...process.env, LD_PRELOAD: checker, JW_SERVER: server.name }, timeout: 20000 },
      (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
    );
  });
  result = JSON.parse(stdout.trim().split('\n').pop() as string) as Result;
}, 30000);

afterAll(async () => {
  await server?.stop();
});

describe('realtime safety of the client callbacks and the DSP engine', () => {
  it('the checker sees an allocation, a lock and a syscall made in realtime scope', () => {
    expect(result.canary.malloc.malloc).toBeGreaterThanOrEqual(1);
    expect(result.canary.malloc.free).toBeGreaterThanOrEqual(1);
    expect(result.canary.lock.locks).toBeGreaterThanOrEqual(1);
    expect(result.canary.syscall.syscalls).toBeGreaterThanOrEqual(1);
  });

  it('exercises every realtime path during the measured steady state', () => {
    // All counts are for the measured window only.
    expect(result.steady.scopes).toBeGreaterThan(200); // process + timebase + sync callbacks
    expect(result.timebaseCalls).toBeGreaterThan(50);
    expect(result.syncRequests).toBeGreaterThan(5);
    expect(result.logs).toBeGreaterThan(0); // jw_host.log from the audio thread
    expect(result.traps).toBe(1); // the MIDI source trapped on purpose
    // A guard-page fault, a stack overflow and a watchdog interrupt, each on the audio thread.
    expect(result.faultKinds).toEqual(['oob', 'stack-exhausted', 'timeout']);
    expect(result.overruns).toBeGreaterThan(50);
    // Three swaps each of the synth and the gain, every one carrying declared state.
    expect(result.swaps).toHaveLength(6);
    expect(result.swaps.every((bytes) => bytes > 0)).toBe(true);
    expect(result.jsMidi).toBeGreaterThan(20); // MIDI sent from JS, read back through the rings
    // An audio stream to JS ran, and overflowed now and then (cycles dropped on the audio thread).
    expect(result.streamed).toBeGreaterThan(48000);
    expect(result.streamLost).toBeGreaterThan(0);
    // Audio from JS: a looped buffer played, and a write stream ran dry now and then (silence counted).
    expect(result.looped).toBeGreaterThan(20);
    expect(result.written).toBeGreaterThan(24000);
    expect(result.underrun).toBeGreaterThan(0);
    // Buffers handed to a playing sampler module, and carried by a swap.
    expect(result.bufferLoads).toBeGreaterThan(50);
    expect(result.samplerCarried).toEqual(['sample']);
    // A module ring written on the audio thread and read from JS.
    expect(result.ringSamples).toBeGreaterThan(48000);
    // Audio flowed: sine -> gain, and MIDI source -> synth (until the trap).
    expect(result.recordedFrames).toEqual([24000, 24000]);
    expect(result.recordedPeaks[0]).toBeGreaterThan(0.01);
    expect(result.recordedPeaks[1]).toBeGreaterThan(0.01);
  });

  it('makes no allocation, lock, syscall, logging or N-API call on the audio thread', () => {
    expect({ ...result.steady, scopes: 0 }).toEqual({
      scopes: 0,
      malloc: 0,
      free: 0,
      locks: 0,
      syscalls: 0,
      logging: 0,
      napi: 0,
    });
  });
});
