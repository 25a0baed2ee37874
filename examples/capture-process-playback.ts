/**
 * capture-process-playback: PyJack's capture example, ported.
 *
 * Shows: client.process(outputs, inputs), PyJack's model of exchanging one
 * period each way with the audio thread from a plain loop (the audio thread
 * never waits for JS); INPUT_SYNC / OUTPUT_SYNC, the errors PyJack calls
 * InputSyncError / OutputSyncError, counted as PyJack's script counts them;
 * and writing the capture as a 16-bit WAV file, as PyJack's script does.
 * Captures --seconds N (default 3) from the physical capture ports, plays
 * it back to the physical playback ports, and writes captest.wav to the
 * system temp directory.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, ensureServer, JackError, writeSoundFile } from 'jackwasm';

const sec = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 3;

await using server = await ensureServer();
await using client = await Client.open('captest', { serverName: server.name });
console.log(client.getPorts().map((p) => p.name));

client.inports.register('in_1');
client.inports.register('in_2');
client.outports.register('out_1');
client.outports.register('out_2');
client.activate();

const capture = client.getPorts({ isPhysical: true, isOutput: true, isAudio: true });
const playback = client.getPorts({ isPhysical: true, isInput: true, isAudio: true });
client.connect(capture[0]!, `${client.name}:in_1`);
client.connect(capture[1] ?? capture[0]!, `${client.name}:in_2`);
client.connect(`${client.name}:out_1`, playback[0]!);
client.connect(`${client.name}:out_2`, playback[1] ?? playback[0]!);
console.log(client.getAllConnections(`${client.name}:in_1`).map((p) => p.name));

const N = client.blockSize;
const Sr = client.sampleRate;
console.log('Buffer Size:', N, 'Sample Rate:', Sr);

const captured = [new Float32Array(Sr * sec), new Float32Array(Sr * sec)];
const input = [new Float32Array(N), new Float32Array(N)];
const output = [new Float32Array(N), new Float32Array(N)];
/** Rows i..i+N of the captured audio, as the arrays process() reads or fills. */
const slice = (i: number) => captured.map((c) => c.subarray(i, i + N));

/** One process() call; a sync error still exchanged the block, so it counts as done. */
async function exchange(out: Float32Array[], inp: Float32Array[], counts: { input: number; output: number }): Promise<void> {
  try {
    await client.process(out, inp);
  } catch (err) {
    if (!(err instanceof JackError)) throw err;
    if (err.code === 'INPUT_SYNC') counts.input++;
    else if (err.code === 'OUTPUT_SYNC') counts.output++;
    else throw err;
  }
}

console.log('Capturing audio...');
const captureSync = { input: 0, output: 0 };
for (let i = 0; i < Sr * sec - N; i += N) await exchange(output, slice(i), captureSync);

console.log('Playing back...');
const playSync = { input: 0, output: 0 };
for (let i = 0; i < Sr * sec - N; i += N) await exchange(slice(i), input, playSync);
console.log(`Finished with ${playSync.input} input-off-sync & ${playSync.output} output-off-sync (capture: ${captureSync.input} & ${captureSync.output})`);
console.log('process() totals:', client.processStats);

client.deactivate();

const out = join(tmpdir(), 'captest.wav');
await writeSoundFile(out, { sampleRate: Sr, channels: captured }, 's16');
const peak = Math.max(...captured.map((c) => c.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
console.log(`wrote ${out} (${sec} s, peak ${peak.toFixed(3)})`);
