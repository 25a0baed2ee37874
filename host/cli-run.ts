/**
 * `jackwasm run` and `jackwasm dev`: a module in a client of its own, wired
 * to the given ports, with commands on standard input; `dev` also watches
 * the source and hot-swaps every saved change (host/dsp/watch.ts).
 */
import { bufferFiles, emptySlotsNote } from './cli-buffers.js';
import { Client } from './client.js';
import type { CompileOptions, CompiledModule } from './dsp/compile.js';
import { compileFile } from './dsp/instance.js';
import { watchModule, type WatchEvent } from './dsp/watch.js';
import { serveOsc } from './osc.js';
import { servePanel } from './panel/panel-server.js';
import type { Port } from './port.js';
import { inForeground, startModuleCommands } from './cli-module-commands.js';
import type { MidiFileData } from './midi-file.js';

export interface RunModuleOptions {
  file: string;
  serverName: string;
  connectIn: string[] | undefined;
  connectOut: string[] | undefined;
  connectMidi: string[] | undefined;
  params: [string, number][];
  /** --name: the client's name (default jackwasm-run-<pid> / jackwasm-dev-<pid>). */
  clientName?: string;
  /** --buffer SLOT=FILE: sound files for the module's buffer slots. */
  buffers?: string[];
  seconds: number | undefined;
  /** dev mode: watch and hot-swap, with this crossfade (ms). */
  dev: { crossfadeMs: number } | undefined;
  /** A MIDI file to play into the module; the run ends a second after it (unless seconds is given). */
  song?: { name: string; data: MidiFileData; followTransport?: boolean } | undefined;
  compiled?: CompiledModule;
  /** Compile options (a Faust program's voices), also for dev's rebuilds. */
  compile?: CompileOptions;
  /** --ui: say the panel's address (it is served in any case, for `jackwasm panel`). */
  ui?: boolean;
  /** --osc PORT: serve OSC control on this UDP port. */
  osc?: number;
  /** --json: one JSON object per line (events) instead of text. */
  json?: boolean;
  print: (line: string) => void;
  color: (style: 'dim' | 'red' | 'green' | 'bold', text: string) => string;
}

const ms = (n: number) => `${n.toFixed(0)} ms`;

/** One line about a handled change in dev mode. */
export function describeWatchEvent(e: WatchEvent, file: string): string {
  const what = e.changed.length === 1 && e.changed[0]?.endsWith(file.replace(/^\.\//, '')) ? file : e.changed.join(', ');
  if (e.kind === 'unchanged') return `${what} saved: no change in the compiled module`;
  if (e.kind === 'error') return `${what}: not swapped${e.tier === 'optimized' ? ' (the optimised build)' : ''}, the module keeps playing the last good version:\n${e.error.message}`;
  const r = e.report;
  const state = r.state.skipped
    ? `state: fresh (${r.state.skipped})`
    : [r.state.carried.length && `state carried: ${r.state.carried.join(', ')}`, r.state.fresh.length && `fresh: ${r.state.fresh.join(', ')}`]
        .filter(Boolean)
        .join('; ') || 'no declared state';
  const ports = [...r.ports.added.map((p) => `+${p}`), ...r.ports.removed.map((p) => `-${p}`)].join(' ');
  const c = e.compiled;
  const build = c.cached ? 'cached' : c.pieces ? `${c.pieces.compiled} of ${c.pieces.total} pieces compiled` : e.tier === 'fast' ? 'built whole' : 'built';
  const head = e.tier === 'fast' ? `swapped ${what}: audible ${ms(e.editToAudibleMs)} after the save (fast build, ${build}: compile` : `swapped in the optimised build of ${what} ${ms(e.editToAudibleMs)} after the save (${build}: compile`;
  return `${head} ${ms(e.compileMs)}, load and hand-over ${ms(r.audibleMs)}), crossfade ${r.crossfadeFrames} frames; ${state}${ports ? `; ports ${ports}` : ''}`;
}

export async function runModule(o: RunModuleOptions): Promise<number> {
  const { color } = o;
  // Ctrl-C from the start: one during the setup (a dev watcher's first
  // build, say) ends the run cleanly once it is set up, not by the signal.
  let quit = () => {};
  const stop = new Promise<void>((resolve) => {
    quit = resolve;
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // With --json, every line is an event object: text lines are {"event":"note"}.
  const emit = (event: string, fields: Record<string, unknown>, text: string) => (o.json ? o.print(JSON.stringify({ event, ...fields })) : o.print(text));
  const print = (text: string) => emit('note', { text }, text);
  const compiled = o.compiled ?? (await compileFile(o.file, o.compile)).compiled;
  await using client = await Client.open(o.clientName ?? `jackwasm-${o.dev ? 'dev' : 'run'}-${process.pid}`, { serverName: o.serverName, ...(o.clientName ? { useExactName: true } : {}) });
  client.activate();
  const buffers = await bufferFiles(o.buffers, client.sampleRate, print);
  const m = await client.load(compiled, { params: Object.fromEntries(o.params), buffers });
  const note = emptySlotsNote(m.buffers.map((b) => b.name), buffers, `module "${m.name}"`);
  if (note) print(color('dim', note));
  let traps = 0;
  m.on('trap', (t) => {
    traps++;
    emit('trap', { kind: t.kind, where: t.where, message: t.message }, color('red', `trap: ${t.message} (the module is silent${o.dev ? ' until the next good save' : ''}; "reset" brings it back)`));
  });
  m.on('log', (msg) => emit('log', { module: m.name, text: msg }, `${m.name}: ${msg}`));
  // The i-th --connect-in feeds input i (wrapping around), likewise outputs;
  // MIDI sources all feed the MIDI input. Run again after each swap (a swap
  // may add ports); connecting what is connected is no change.
  const wire = () => {
    const each = (ports: readonly Port[], list: string[] | undefined, kind: string, connect: (own: Port, other: string) => void) => {
      if (!list?.length) return;
      if (ports.length === 0) throw new Error(`module "${m.name}" has no ${kind}s to connect`);
      list.forEach((other, i) => connect(ports[i % ports.length] as Port, other));
    };
    each(m.inputs, o.connectIn, 'audio input', (own, src) => client.connect(src, own));
    each(m.outputs, o.connectOut, 'audio output', (own, dst) => client.connect(own, dst));
    each(m.midiInput ? [m.midiInput] : [], o.connectMidi, 'MIDI input', (own, src) => client.connect(src, own));
  };
  wire();
  const describe = (ports: readonly { name: string }[]) => ports.map((p) => p.name).join(', ') || 'none';
  const oscServer = o.osc === undefined ? undefined : await serveOsc(client, { port: o.osc });
  oscServer?.on('error', (msg) => emit('osc-error', { text: msg }, color('red', msg)));
  const panel = await servePanel(client, oscServer ? { osc: { port: oscServer.port, addresses: () => oscServer.addresses() } } : {});
  const announce = () => {
    const fields = { client: client.name, module: m.name, inputs: m.inputs.map((p) => p.name), outputs: m.outputs.map((p) => p.name), midiInput: m.midiInput?.name ?? null, params: Object.fromEntries(m.params.map((p) => [p.id, p.value])), panel: panel.url, osc: oscServer?.port ?? null };
    emit('running', fields, `running "${m.name}" in client "${client.name}": inputs ${describe(m.inputs)}; outputs ${describe(m.outputs)}${m.midiInput ? `; MIDI ${m.midiInput.name}` : ''}`);
    if (o.json) return;
    if (m.params.length) print(`params: ${m.params.map((p) => `${p.id}=${p.value.toFixed(3)}${p.unit ? ` ${p.unit}` : ''}`).join(', ')}`);
    if (o.ui) print(`control panel: ${color('bold', panel.url)}`);
    else print(color('dim', `control panel: jackwasm ${o.dev ? 'dev' : 'run'} --ui prints its address, or run "jackwasm panel"`));
    if (oscServer) print(`OSC on udp 127.0.0.1:${oscServer.port}: /${m.name}/<param> value, /${m.name}/note n vel, /transport/start|stop|locate`);
  };
  announce();
  let xruns = 0;
  client.on('xrun', () => xruns++);
  const watcher = o.dev
    ? await watchModule(m, o.file, {
        crossfadeMs: o.dev.crossfadeMs,
        ...(o.compile ? { compile: o.compile } : {}),
        onEvent: (e) => {
          const text = describeWatchEvent(e, o.file);
          const fields = e.kind === 'swap' ? { tier: e.tier, changed: e.changed, editToAudibleMs: e.editToAudibleMs, compileMs: e.compileMs, crossfadeFrames: e.report.crossfadeFrames } : e.kind === 'error' ? { tier: e.tier, changed: e.changed, message: e.error.message } : { changed: e.changed };
          emit(e.kind, fields, e.kind === 'error' ? color('red', text) : e.kind === 'swap' ? color('green', text) : color('dim', text));
          if (e.kind === 'swap') {
            try {
              wire();
            } catch (err) {
              print(color('red', (err as Error).message));
            }
          }
        },
      })
    : undefined;
  if (watcher) print(color('dim', `watching ${watcher.files.length} file(s): edit and save ${o.file} to hear the change`));
  let deadline: NodeJS.Timeout | undefined;
  let playback: { stop(): void } | undefined;
  if (o.song) {
    if (!m.midiInput) throw new Error(`module "${m.name}" takes no MIDI (it does not export jw_midi); --midi needs a module that does`);
    const play = m.playMidi(o.song.data, o.song.followTransport ? { follow: 'transport' } : {});
    playback = play;
    print(`playing ${o.song.name}: ${play.total} events, ${o.song.data.duration.toFixed(1)} s${o.song.data.skipped ? ` (${o.song.data.skipped} system-exclusive events skipped)` : ''}${o.song.followTransport ? ', following the transport (it plays while the transport rolls)' : ''}`);
    play.done.then(
      () => {
        print(`${o.song?.name} done`);
        // run ends with its song; dev goes on (the session is the editing).
        if (o.seconds === undefined && !o.dev) setTimeout(() => quit(), 1000);
      },
      (err: unknown) => print(color('red', `${o.song?.name}: ${(err as Error).message}`)),
    );
  }
  if (o.seconds !== undefined) deadline = setTimeout(quit, o.seconds * 1000);
  // Commands on standard input (a terminal or a pipe); its end does not stop the module.
  const closeCommands = startModuleCommands(process.stdin, { client, module: m, xruns: () => xruns, print, quit: () => quit() });
  if (process.stdin.isTTY && inForeground()) print(color('dim', 'type "help" for commands'));
  // Without a terminal (a log), a status line now and then: every 2 s for
  // run, every 10 s for dev (its swap lines are what matters).
  const timer = process.stdin.isTTY
    ? undefined
    : setInterval(() => {
        // The server may have gone (the run then ends on the client's shutdown).
        const load = (() => {
          try {
            return client.cpuLoad();
          } catch {
            return NaN;
          }
        })();
        emit('status', { dspLoad: Number.isFinite(load) ? load : null, xruns, cycles: m.cycles }, color('dim', `dsp load ${load.toFixed(1)}%, xruns ${xruns}, cycles ${m.cycles}`));
      }, o.dev ? 10000 : 2000);
  await stop;
  playback?.stop();
  clearTimeout(deadline);
  watcher?.close();
  closeCommands();
  process.stdin.pause();
  clearInterval(timer);
  // Exit status 3 (see EXIT_TRAPPED): run whose module trapped at all (its
  // output was cut), dev whose module was still silent at the end.
  const failed = o.dev ? m.trap !== undefined : traps > 0;
  emit('stopped', { cycles: m.cycles, xruns, swaps: m.swaps, traps, exitCode: failed ? EXIT_TRAPPED : 0 }, `stopped after ${m.cycles} cycles, ${xruns} xruns${o.dev ? `, ${m.swaps} swaps` : ''}${traps ? `, ${traps} trap(s)` : ''}`);
  oscServer?.close();
  await panel.close();
  await m.unload();
  return failed ? EXIT_TRAPPED : 0;
}

/** The exit status of run and dev when the module trapped (1 is any other error). */
export const EXIT_TRAPPED = 3;
