/**
 * Recording.indexOf / frameOf: a recording's samples are contiguous, but
 * JACK's frame time skips on an xrun (the dummy driver's does a period); the
 * audio thread notes where, and the recording maps frame times to samples
 * across those skips (and across the 2^32 wrap).
 */
import { describe, expect, it } from 'vitest';
import { recordingOf } from '../host/client-record.js';

describe('a recording maps frame times to samples', () => {
  it('without discontinuities: startFrame + index', () => {
    const r = recordingOf([new Float32Array(1000)], 5000, 48000, []);
    expect(r.discontinuities).toEqual([]);
    expect([r.indexOf(5000), r.indexOf(5999), r.indexOf(6000), r.indexOf(4999)]).toEqual([0, 999, -1, -1]);
    expect([r.frameOf(0), r.frameOf(999)]).toEqual([5000, 5999]);
  });

  it('across an xrun that skipped a period', () => {
    // 512 samples from 10000, then the frame time jumps to 10768 (256 frames were never recorded).
    const r = recordingOf([new Float32Array(1024)], 10000, 48000, [[512, 10768]]);
    expect(r.discontinuities).toEqual([{ index: 512, frame: 10768 }]);
    expect(r.indexOf(10511)).toBe(511);
    expect(r.indexOf(10512)).toBe(-1); // a frame no cycle ran
    expect(r.indexOf(10767)).toBe(-1);
    expect(r.indexOf(10768)).toBe(512);
    expect(r.indexOf(11279)).toBe(1023);
    expect([r.frameOf(511), r.frameOf(512), r.frameOf(1023)]).toEqual([10511, 10768, 11279]);
  });

  it('across the wrap of frame time at 2^32', () => {
    const start = 2 ** 32 - 100;
    const r = recordingOf([new Float32Array(300)], start, 48000, []);
    expect(r.indexOf(2 ** 32 - 1)).toBe(99);
    expect(r.indexOf(0)).toBe(100);
    expect(r.indexOf(199)).toBe(299);
    expect(r.frameOf(100)).toBe(0);
  });
});
