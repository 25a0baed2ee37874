/**
 * A file's dummy server and active client running test/abi/gain.wat at gain
 * 1, a bit-exact pass-through: what is played into its input comes out of
 * its output unchanged, so audio sent into the graph can be recorded back.
 */
import { afterAll, beforeAll } from 'vitest';
import { Client, type DspModule, type OwnPort, type Server } from '../../host/index.js';
import { startServer, uniqueName, until } from './jack.js';
import { useTempCache } from './temp.js';
import { wat } from './wat.js';

export interface GainClient {
  readonly server: Server;
  readonly client: Client;
  readonly gain: DspModule;
  /** The gain's input. */
  readonly into: OwnPort;
  /** The gain's output. */
  readonly from: OwnPort;
}

export function useGainClient(tag: string, period?: number): GainClient {
  const ctx = {} as { server: Server; client: Client; gain: DspModule; into: OwnPort; from: OwnPort };
  useTempCache(tag);
  beforeAll(async () => {
    ctx.server = await startServer(tag, period ? { period } : {});
    ctx.client = await Client.open(uniqueName(tag), { serverName: ctx.server.name });
    ctx.client.activate();
    ctx.gain = await ctx.client.load(await wat('gain'), { name: 'gain' });
    ctx.into = ctx.gain.inputs[0] as OwnPort;
    ctx.from = ctx.gain.outputs[0] as OwnPort;
    await until(() => ctx.gain.cycles > 2, 10000, 'cycles');
  });
  afterAll(async () => {
    await ctx.client?.close();
    await ctx.server?.stop();
  });
  return ctx;
}
