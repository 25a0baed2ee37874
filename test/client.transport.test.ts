import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, Server, bbtAt, type Position, type TimebaseSettings, type TransportStateName } from '../host/index.js';
import { startServer, uniqueName, until, waitForEvent } from './helpers/jack.js';
import { codeOf, errorOf } from './helpers/errors.js';

let server: Server;
let a: Client; // controls the transport; timebase master in the timebase tests
let b: Client; // a second client on the same server

beforeAll(async () => {
  server = await startServer('transport');
  a = await Client.open(uniqueName('transport-a'), { serverName: server.name });
  b = await Client.open(uniqueName('transport-b'), { serverName: server.name });
  a.activate();
  b.activate();
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await server?.stop();
});

afterEach(async () => {
  // Leave the shared transport stopped at frame 0 with no master and no sync handler.
  for (const c of [a, b]) {
    c.setSyncHandler(null);
    if (c.timebase) {
      try {
        c.releaseTimebase();
      } catch {
        /* reported by the test that caused it */
      }
    }
  }
  a.setSyncTimeout(2_000_000);
  a.transportStop();
  await until(() => a.transportState === 'stopped', 5000, 'transport stopped');
  await locate(0);
});

/** Relocates the (stopped) transport and waits until the new frame is reported. */
async function locate(frame: number): Promise<void> {
  a.transportFrame = frame;
  await until(() => a.transportQuery().position.frame === frame, 5000, `transport at frame ${frame}`);
}

/**
 * Waits until the transport reports `frame` with a BBT group and has run two
 * more cycles, and returns the position then (the settled value).
 */
async function positionWithBbtAt(frame: number): Promise<Position> {
  await until(
    () => {
      const { position } = a.transportQuery();
      return position.frame === frame && position.bar !== undefined;
    },
    5000,
    `BBT position at frame ${frame}`,
  );
  await cycles(2);
  const { position } = a.transportQuery();
  expect(position.frame).toBe(frame);
  return position;
}

/**
 * Relocates and busy-polls (synchronously, so no cycle is missed) every
 * position reported at `frame` with a BBT group, for 3 cycles after the first.
 */
function everyBbtPositionAfterLocate(frame: number): Position[] {
  a.transportFrame = frame;
  const seen: Position[] = [];
  const deadline = Date.now() + 3000;
  let firstAt: number | undefined;
  const size = a.blockSize;
  while (Date.now() < deadline) {
    const { position } = a.transportQuery();
    if (position.frame === frame && position.bar !== undefined) {
      const last = seen[seen.length - 1];
      if (!last || last.usecs !== position.usecs) seen.push(position);
      firstAt ??= a.lastFrameTime;
      if ((a.lastFrameTime - firstAt) >>> 0 >= 3 * size) break;
    }
  }
  return seen;
}

/** Waits for `n` more process cycles to run. */
async function cycles(n: number): Promise<void> {
  const start = a.lastFrameTime;
  const size = a.blockSize;
  await until(() => (a.lastFrameTime - start) >>> 0 >= n * size, 5000, `${n} cycles`);
}

function expectBbt(position: Position, settings: Required<TimebaseSettings>): void {
  const expected = bbtAt(position.frame, position.frameRate, settings);
  expect(position).toMatchObject({
    bar: expected.bar,
    beat: expected.beat,
    tick: expected.tick,
    tickDouble: expected.tickDouble,
    barStartTick: expected.barStartTick,
    beatsPerBar: settings.beatsPerBar,
    beatType: settings.beatType,
    ticksPerBeat: settings.ticksPerBeat,
    beatsPerMinute: settings.bpm,
  });
}

describe('transport state and position', () => {
  it('starts and stops the transport', async () => {
    expect(a.transportState).toBe('stopped');
    a.transportStart();
    await until(() => b.transportState === 'rolling', 5000, 'rolling seen by the other client');
    expect(a.transportState).toBe('rolling');
    const f0 = b.transportFrame;
    await until(() => b.transportFrame > f0, 5000, 'transport frame advancing');

    a.transportStop();
    await until(() => b.transportState === 'stopped', 5000, 'stopped seen by the other client');
    expect(a.transportState).toBe('stopped');
    const stoppedAt = a.transportQuery().position.frame;
    await cycles(3);
    expect(a.transportQuery().position.frame).toBe(stoppedAt);
    expect(a.transportFrame).toBe(stoppedAt);
  });

  it('locates to a frame while stopped and reports exactly that frame', async () => {
    a.transportFrame = 48000 * 3 + 5;
    await until(() => b.transportQuery().position.frame === 48000 * 3 + 5, 5000, 'relocation');
    expect(b.transportFrame).toBe(48000 * 3 + 5);
    expect(a.transportFrame).toBe(48000 * 3 + 5);
    expect(a.transportState).toBe('stopped');
    await cycles(2);
    expect(a.transportFrame).toBe(48000 * 3 + 5);
  });

  it('reports only frame, frameRate and usecs when there is no timebase master', async () => {
    await locate(777);
    const { state, position } = b.transportQuery();
    expect(state).toBe('stopped');
    expect(Object.keys(position).sort()).toEqual(['frame', 'frameRate', 'usecs']);
    expect(position.frame).toBe(777);
    expect(position.frameRate).toBe(48000);
    expect(Number.isInteger(position.usecs)).toBe(true);
    expect(position.usecs).toBeGreaterThan(0);
    expect(position.bar).toBeUndefined();
  });

  it('repositions the transport with transportReposition({ frame })', async () => {
    a.transportReposition({ frame: 123456 });
    await until(() => b.transportQuery().position.frame === 123456, 5000, 'reposition');
    expect(a.transportFrame).toBe(123456);
    expect(a.transportState).toBe('stopped');
  });

  it('rejects negative, fractional and out-of-range frames', () => {
    for (const frame of [-1, 1.5, Number.NaN, 2 ** 32]) {
      const err = errorOf(() => {
        a.transportFrame = frame;
      });
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain(String(frame));
      const err2 = errorOf(() => a.transportReposition({ frame }));
      expect(err2.code).toBe('INVALID_ARGUMENT');
      expect(err2.message).toContain(String(frame));
    }
    expect(a.transportFrame).toBe(0);
  });

  it('rejects a reposition with an incomplete BBT group, naming the missing field', () => {
    const err = errorOf(() => a.transportReposition({ frame: 10, bar: 2, tick: 0, beatsPerBar: 4, beatType: 4, ticksPerBeat: 1920, beatsPerMinute: 120 }));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain('beat ');
    expect(codeOf(() => a.transportReposition(null as never))).toBe('INVALID_ARGUMENT');
  });

  it('rejects a negative or fractional sync timeout', () => {
    expect(codeOf(() => a.setSyncTimeout(-1))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => a.setSyncTimeout(0.5))).toBe('INVALID_ARGUMENT');
  });
});

describe('native timebase master', () => {
  const s120: Required<TimebaseSettings> = { bpm: 120, beatsPerBar: 4, beatType: 4, ticksPerBeat: 1920 };

  it('reports BBT exactly as bbtAt computes it for located frames', async () => {
    expect(a.setTimebase(s120)).toBe(true);
    expect(a.timebase).toEqual(s120);

    // At 120 bpm in 4/4 a beat is 24000 frames and a bar 96000 frames.
    const cases = [
      { frame: 0, bar: 1, beat: 1, tick: 0 },
      { frame: 48000 * 2 + 17, bar: 2, beat: 1, tick: 1 }, // 17 frames = 1.36 ticks
      { frame: 2 * 96000 + 24000 + 1234, bar: 3, beat: 2, tick: 98 }, // 1234 frames = 98.72 ticks
      { frame: 96000 - 1, bar: 1, beat: 4, tick: 1919 },
    ];
    for (const c of cases) {
      await locate(c.frame);
      const position = await positionWithBbtAt(c.frame);
      expect(position).toMatchObject({ bar: c.bar, beat: c.beat, tick: c.tick });
      expectBbt(position, s120);
    }
  });

  it('reports a BBT consistent with the frame when becoming master and locating at once', async () => {
    for (const frame of [50000, 96017, 217234]) {
      expect(a.setTimebase(s120)).toBe(true);
      const positions = everyBbtPositionAfterLocate(frame); // same cycle as setTimebase
      expect(positions.length).toBeGreaterThan(0);
      for (const position of positions) expectBbt(position, s120);
      a.releaseTimebase();
      await until(() => a.transportQuery().position.bar === undefined, 5000, 'BBT gone');
    }
  });

  it('reports a BBT consistent with the frame while scrubbing (rapid relocations)', async () => {
    expect(a.setTimebase(s120)).toBe(true);
    await positionWithBbtAt(0);
    const seen: Position[] = [];
    const targets = Array.from({ length: 30 }, (_, i) => 1000 + i * 7919);
    for (const frame of targets) {
      a.transportFrame = frame;
      const until2ms = Date.now() + 2;
      while (Date.now() < until2ms) {
        const { position } = a.transportQuery();
        if (position.bar !== undefined && seen[seen.length - 1]?.usecs !== position.usecs) seen.push(position);
      }
    }
    const last = targets[targets.length - 1]!;
    seen.push(...everyBbtPositionAfterLocate(last));
    expect(seen.length).toBeGreaterThan(3);
    for (const position of seen) expectBbt(position, s120);
  });

  it('computes BBT for an uncommon tempo and time signature', async () => {
    const s: Required<TimebaseSettings> = { bpm: 97.5, beatsPerBar: 7, beatType: 8, ticksPerBeat: 960 };
    expect(a.setTimebase(s)).toBe(true);
    for (const frame of [0, 31337, 48000 * 11 + 4321, 1_000_003]) {
      await locate(frame);
      expectBbt(await positionWithBbtAt(frame), s);
    }
  });

  it('keeps BBT consistent with the frame while rolling', async () => {
    expect(a.setTimebase(s120)).toBe(true);
    await locate(48000);
    a.transportStart();
    await until(() => a.transportState === 'rolling', 5000, 'rolling');
    const seen = new Set<number>();
    await until(() => {
      const { state, position } = a.transportQuery();
      if (state === 'rolling' && position.bar !== undefined) {
        expectBbt(position, s120);
        seen.add(position.frame);
      }
      return seen.size >= 5;
    }, 5000, 'five rolling positions');
  });

  it('changes bpm and beatsPerBar with a second setTimebase call, keeping the other settings', async () => {
    expect(a.setTimebase(s120)).toBe(true);
    await locate(50000);
    expectBbt(await positionWithBbtAt(50000), s120);

    expect(a.setTimebase({ bpm: 90, beatsPerBar: 3 })).toBe(true);
    const s90 = { bpm: 90, beatsPerBar: 3, beatType: 4, ticksPerBeat: 1920 };
    expect(a.timebase).toEqual(s90);
    const frame = 48000 * 5 + 3;
    await locate(frame);
    const position = await positionWithBbtAt(frame);
    expect(position.beatsPerMinute).toBe(90);
    expect(position.beatsPerBar).toBe(3);
    expectBbt(position, s90);
    // 5 s at 90 bpm = 7.5 beats: bar 3 (beats 6..8), beat 2, half way.
    expect(position).toMatchObject({ bar: 3, beat: 2, tick: 960 });
  });

  it('reports new settings from a second setTimebase call without needing a relocation', async () => {
    expect(a.setTimebase(s120)).toBe(true);
    await locate(30000);
    await positionWithBbtAt(30000);

    expect(a.setTimebase({ bpm: 60, beatsPerBar: 5 })).toBe(true);
    // The transport stays stopped at 30000; what it reports must follow the new settings.
    const position = await until(() => {
      const p = a.transportQuery().position;
      return p.beatsPerMinute === 60 ? p : undefined;
    }, 2000, 'position with bpm 60 (transport stopped, not relocated)');
    expect(position.frame).toBe(30000);
    await cycles(2);
    expectBbt(a.transportQuery().position, { bpm: 60, beatsPerBar: 5, beatType: 4, ticksPerBeat: 1920 });
  });

  it('returns false from a conditional setTimebase while another client is master', async () => {
    expect(a.setTimebase(s120)).toBe(true);
    expect(b.setTimebase({ bpm: 200 }, { conditional: true })).toBe(false);
    expect(b.timebase).toBeUndefined();
    await locate(24000);
    const position = await positionWithBbtAt(24000);
    expect(position.beatsPerMinute).toBe(120);
    expectBbt(position, s120);
    const err = errorOf(() => b.releaseTimebase());
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain(b.name);
  });

  it('removes BBT from the position on releaseTimebase', async () => {
    expect(a.setTimebase(s120)).toBe(true);
    await locate(1000);
    await positionWithBbtAt(1000);
    a.releaseTimebase();
    expect(a.timebase).toBeUndefined();
    await until(() => a.transportQuery().position.bar === undefined, 5000, 'BBT gone');
    expect(Object.keys(a.transportQuery().position).sort()).toEqual(['frame', 'frameRate', 'usecs']);
    await locate(2000);
    await cycles(2);
    expect(Object.keys(b.transportQuery().position).sort()).toEqual(['frame', 'frameRate', 'usecs']);
    // Now a conditional request succeeds.
    expect(b.setTimebase({ bpm: 100 }, { conditional: true })).toBe(true);
    await locate(3000);
    expect((await positionWithBbtAt(3000)).beatsPerMinute).toBe(100);
  });

  it('throws INVALID_ARGUMENT from releaseTimebase when the client is not master', () => {
    expect(a.timebase).toBeUndefined();
    const err = errorOf(() => a.releaseTimebase());
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain(a.name);
  });

  it('rejects invalid settings without becoming master', async () => {
    const bad: [TimebaseSettings, string][] = [
      [{ bpm: 0 }, 'bpm'],
      [{ bpm: Number.NaN }, 'bpm'],
      [{ bpm: -120 }, 'bpm'],
      [{ bpm: Number.POSITIVE_INFINITY }, 'bpm'],
      [{ beatsPerBar: 0 }, 'beatsPerBar'],
      [{ beatType: Number.NaN }, 'beatType'],
      [{ ticksPerBeat: -1 }, 'ticksPerBeat'],
    ];
    for (const [settings, field] of bad) {
      const err = errorOf(() => a.setTimebase(settings));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain(field);
    }
    expect(a.timebase).toBeUndefined();
    await locate(4000);
    await cycles(2);
    expect(a.transportQuery().position.bar).toBeUndefined();
  });

  // These two use fresh clients so that a client confused about its role
  // cannot affect the other tests.
  async function twoMasters(): Promise<[Client, Client]> {
    const c = await Client.open(uniqueName('transport-c'), { serverName: server.name });
    const d = await Client.open(uniqueName('transport-d'), { serverName: server.name });
    c.activate();
    d.activate();
    return [c, d];
  }

  it('lets a former master take the role back with setTimebase after another client took it over', async () => {
    const [c, d] = await twoMasters();
    try {
      expect(c.setTimebase(s120)).toBe(true);
      expect(d.setTimebase({ bpm: 100 })).toBe(true); // unconditional: takes over
      await locate(6000);
      expect((await positionWithBbtAt(6000)).beatsPerMinute).toBe(100);

      expect(c.setTimebase({ bpm: 150 })).toBe(true);
      await locate(7000);
      const position = await positionWithBbtAt(7000);
      expect(position.beatsPerMinute).toBe(150);
      expectBbt(position, { ...s120, bpm: 150 });
    } finally {
      await c.close();
      await d.close();
    }
  });

  it('knows it is no longer master after another client took over', async () => {
    const [c, d] = await twoMasters();
    try {
      expect(c.setTimebase(s120)).toBe(true);
      expect(d.setTimebase({ bpm: 100 })).toBe(true);
      await locate(6000);
      expect((await positionWithBbtAt(6000)).beatsPerMinute).toBe(100);
      // c lost the role: releasing it is the "not master" error, not a raw JACK failure.
      const err = errorOf(() => c.releaseTimebase());
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain(c.name);
      expect(c.timebase).toBeUndefined();
    } finally {
      await c.close();
      await d.close();
    }
  });
});

describe('slow sync', () => {
  it('stays starting until the sync handler resolves, then rolls', async () => {
    a.setSyncTimeout(20_000_000);
    await locate(4800);
    const calls: [TransportStateName, Position][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    b.setSyncHandler(async (state, position) => {
      calls.push([state, position]);
      if (state === 'starting') await gate;
    });

    a.transportStart();
    await until(() => calls.some(([s]) => s === 'starting'), 5000, 'sync handler called with starting');
    const [, pos] = calls.find(([s]) => s === 'starting')!;
    expect(pos.frame).toBe(4800);
    expect(pos.frameRate).toBe(48000);

    // While the handler is pending the transport must not roll.
    const deadline = Date.now() + 300;
    while (Date.now() < deadline) {
      expect(a.transportState).toBe('starting');
      expect(b.transportState).toBe('starting');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(a.transportQuery().position.frame).toBe(4800);

    release();
    await until(() => a.transportState === 'rolling', 5000, 'rolling after the handler resolved');
    await until(() => a.transportFrame > 4800, 5000, 'frame advancing');
  });

  it('rolls after the sync timeout when the handler never resolves', async () => {
    a.setSyncTimeout(50_000);
    await locate(9600);
    let called = 0;
    b.setSyncHandler((state) => {
      if (state === 'starting') called++;
      return new Promise<void>(() => {});
    });
    a.transportStart();
    // JACK's default timeout is seconds; 50 ms must be what applies.
    await until(() => a.transportState === 'rolling', 1500, 'rolling after a 50 ms sync timeout');
    expect(called).toBe(1);
  });

  it('emits syncError when the handler throws, and the transport still rolls', async () => {
    a.setSyncTimeout(20_000_000);
    await locate(14400);
    const boom = new Error('sync handler failed');
    b.setSyncHandler((state) => {
      if (state === 'starting') throw boom;
    });
    const err = waitForEvent<[unknown]>(b, 'syncError');
    a.transportStart();
    expect((await err)[0]).toBe(boom);
    await until(() => a.transportState === 'rolling', 5000, 'rolling after the handler threw');
  });

  it('emits syncError when the handler rejects, and the transport still rolls', async () => {
    a.setSyncTimeout(20_000_000);
    await locate(19200);
    const boom = new Error('async sync handler failed');
    b.setSyncHandler(async (state) => {
      if (state === 'starting') throw boom;
    });
    const err = waitForEvent<[unknown]>(b, 'syncError');
    a.transportStart();
    expect((await err)[0]).toBe(boom);
    await until(() => a.transportState === 'rolling', 5000, 'rolling after the handler rejected');
  });

  it('removes the handler with setSyncHandler(null)', async () => {
    a.setSyncTimeout(20_000_000);
    await locate(24000);
    let calls = 0;
    b.setSyncHandler(() => {
      calls++;
      return new Promise<void>(() => {}); // would hold the transport for 20 s
    });
    b.setSyncHandler(null);
    a.transportStart();
    await until(() => a.transportState === 'rolling', 5000, 'rolling with no sync handler');
    expect(calls).toBe(0);
  });

  it('consults a newly set handler when the transport starts again from the same frame', async () => {
    a.setSyncTimeout(20_000_000);
    await locate(28800);
    // First start from 28800 with a handler that is ready at once.
    b.setSyncHandler(() => {});
    a.transportStart();
    await until(() => a.transportState === 'rolling', 5000, 'first start rolling');
    a.transportStop();
    await until(() => a.transportState === 'stopped', 5000, 'stopped');
    b.setSyncHandler(null);
    await locate(28800);

    // Second start from the same frame with a new handler that holds the transport.
    const calls: TransportStateName[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    b.setSyncHandler(async (state) => {
      calls.push(state);
      if (state === 'starting') await gate;
    });
    a.transportStart();
    await until(() => calls.includes('starting') || a.transportState === 'rolling', 5000, 'handler called or transport rolling');
    expect(calls).toContain('starting');
    expect(a.transportState).toBe('starting');
    release();
    await until(() => a.transportState === 'rolling', 5000, 'rolling after release');
  });

  it('rejects a sync handler that is not a function', () => {
    const err = errorOf(() => b.setSyncHandler('ready' as never));
    expect(err.code).toBe('INVALID_ARGUMENT');
  });
});
