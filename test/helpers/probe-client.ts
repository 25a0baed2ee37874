/**
 * A file's dummy server and active client running test/abi/probe.wat, whose
 * output 0 counts frames (every sample names the frame it was made at).
 */
import { afterAll, beforeAll } from 'vitest';
import { Client, type DspModule, type OwnPort, type Server } from '../../host/index.js';
import { startServer, uniqueName, until } from './jack.js';
import { useTempCache } from './temp.js';
import { wat } from './wat.js';

export interface ProbeClient {
  readonly client: Client;
  readonly probe: DspModule;
  /** The probe's frame-counting output. */
  readonly out: OwnPort;
}

export function useProbeClient(tag: string): ProbeClient {
  let server: Server | undefined;
  const ctx = {} as { client: Client; probe: DspModule; out: OwnPort };
  useTempCache(tag);
  beforeAll(async () => {
    server = await startServer(tag, { period: 128 });
    ctx.client = await Client.open(uniqueName(tag), { serverName: server.name });
    ctx.client.activate();
    ctx.probe = await ctx.client.load(await wat('probe'), { name: 'probe' });
    ctx.out = ctx.probe.outputs[0] as OwnPort;
    await until(() => ctx.probe.cycles > 2, 10000, 'probe cycles');
  });
  afterAll(async () => {
    await ctx.client?.close();
    await server?.stop();
  });
  return ctx;
}
