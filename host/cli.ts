#!/usr/bin/env node
/**
 * The jackwasm command line. Every command that needs a JACK server uses the
 * running one, or starts an embedded dummy server (and says so).
 */
import { parseArgs, styleText } from 'node:util';
import { Client } from './client.js';
import { fail, JackError } from './errors.js';
import { ensureServer, isServerRunning, listServerNames, Server } from './server.js';
import { setErrorFunction, setInfoFunction, version, versionString } from './jack.js';
import type { Port } from './port.js';
import { runDemo } from './demo.js';
import cliProgress from 'cli-progress';
import { render } from './dsp/render.js';
import { compileFile, toCompiled } from './dsp/instance.js';
import { listPanels } from './panel/panel-registry.js';
import { DEV_ASC_OPTIMIZE } from './dsp/watch.js';
import type { CompileOptions, CompiledModule } from './dsp/compile.js';
import { readSoundFile as readWav, SAMPLE_FORMATS, writeSoundFile as writeWav } from './sound-file.js';
import { bufferFiles } from './cli-buffers.js';
import { midiFileFrames, readMidiFile } from './midi-file.js';
import { runModule } from './cli-run.js';
import { playCommand, recordCommand } from './cli-audio-commands.js';

const HELP = `jackwasm: realtime audio for Node.js on JACK

Usage: jackwasm <command> [options]

Commands:
  demo [--seconds N]              Tour of the client API on a live server
  server [--name N] [--rate R] [--period P] [--json]
                                  Run a dummy JACK server until Ctrl-C; without
                                  --name it is the default server, which the
                                  other commands then use with no flags
  ports [--connections] [--json]  List ports (type, direction, flags, connections)
  connect <source> <destination> [--json]
                                  Connect an output port to an input port
  disconnect <source> <destination> [--json]
  transport <start|stop|status|locate FRAME> [--json]
  info [--json]                   JACK library version and servers
  doctor [--json]                 What this system has and lacks for jackwasm
                                  (native addon, compiler, wabt, jackd), with
                                  the apt command for each missing piece
  record <port...> --out file.wav [--seconds N] [--format f32|s24|s16|s32|f64|u8] [--json]
                                  Record output ports to a WAV file (until Ctrl-C
                                  without --seconds); frames lost are reported
  play <file> [--to PORT ...] [--loop] [--resample] [--json]
                                  Play a sound file (WAV, FLAC, ...) into input
                                  ports (default: the physical playback ports)
  render <module.wasm|.ts|.dsp> --out out.wav [--in in.wav] [--midi song.mid]
         [--seconds N] [--sample-rate R] [--block B] [--param name=value ...]
         [--buffer SLOT=file.wav ...] [--json]
                                  Render a DSP module offline to a 32-bit float WAV
                                  (with --midi: the song through it, to its end)
  run <module.wasm|.ts|.dsp> [--connect-in PORT ...] [--connect-out PORT ...]
      [--connect-midi PORT ...] [--midi song.mid [--follow-transport]]
      [--param name=value ...] [--buffer SLOT=file.wav ...] [--seconds N] [--name CLIENT]
      [--ui] [--osc PORT] [--json]
                                  Run a DSP module in a new client until Ctrl-C;
                                  reads commands (set, note, params, meters,
                                  stats, ...; "help") from standard input
  dev <module.ts|.dsp|.wasm> [run's options] [--crossfade MS]
                                  Like run, and on every save of the module or
                                  a file it imports, recompile and hot-swap it
                                  (state and parameters kept, 10 ms crossfade);
                                  compile errors are printed, the audio goes on
  panel [CLIENT] [--json]         The control panels of running clients (run/dev
                                  serve one; --ui prints its address): a page
                                  on 127.0.0.1 with a control per parameter,
                                  a MIDI keyboard, meters, a scope, the log

run/dev --ui: print the control panel's address (http://127.0.0.1:PORT/?token=...);
--osc PORT: OSC over UDP (/MODULE/PARAM value, /MODULE/note n vel,
/transport/start|stop|locate); --json: one JSON event per line.

A Faust program (.dsp) runs as any module (docs/faust.md): its controls are
the parameters, a polyphonic instrument plays MIDI; --voices N sets its voices
(0: monophonic) for render, run and dev.

Exit status: 0 done; 1 an error (the message names it, with its code);
3 run: the module trapped (dev: it was still silent at the end).

Options for every command:
  -v, --verbose                   Also print libjack's own messages ("jack: ...");
                                  they are kept and shown when a command fails
  --server NAME                   Use this running JACK server (an error if it
                                  is not running). Without it: the default
                                  server ($JACK_DEFAULT_SERVER or "default"),
                                  else an embedded dummy server for the command
  -h, --help                      This help
`;

const color = (style: Parameters<typeof styleText>[0], text: string) =>
  process.stdout.isTTY ? styleText(style, text) : text;

/**
 * Runs `fn` on a server: the one --server names, which must be running; else
 * the default one ($JACK_DEFAULT_SERVER or "default", what `jackwasm server`
 * starts); else an embedded dummy server started (and stopped) for this
 * command, which it says. Rationale: a mistyped --server must not quietly
 * start an empty server and report success.
 */
async function withServer<T>(serverName: string | undefined, say: (msg: string) => void, fn: (serverName: string) => Promise<T>): Promise<T> {
  routeJackMessages(verbose);
  if (serverName !== undefined && !(await isServerRunning(serverName))) {
    // (Servers whose jackd died leave their files behind: ask each.)
    const running = (await Promise.all(listServerNames().map(async (n) => ((await isServerRunning(n)) ? n : undefined)))).filter((n) => n !== undefined);
    jackMessages.length = 0; // libjack's complaints about the dead ones are expected
    fail('SERVER_NOT_RUNNING', `no JACK server "${serverName}" is running (${running.length ? `running: ${running.join(', ')}` : 'none is running'}; start one with \`jackwasm server --name ${serverName}\`, or leave out --server to use the default server or an embedded one)`);
  }
  const wanted = serverName ?? process.env.JACK_DEFAULT_SERVER ?? 'default';
  await using server = await ensureServer(serverName ? { name: serverName } : {});
  const e = server.embedded;
  say(
    e
      ? `No JACK server "${wanted}" is running: started an embedded dummy server "${e.name}" (${e.sampleRate} Hz, ${e.period} frames); it stops when this command exits.`
      : `Using the running JACK server "${wanted}".`,
  );
  // (await: the server must outlive fn, and `using` disposes on return)
  return await fn(server.name);
}

function describePort(p: Port): string {
  const flags = [p.isInput ? 'input' : 'output', p.isPhysical && 'physical', p.isTerminal && 'terminal', p.canMonitor && 'can-monitor'].filter(Boolean);
  return `${p.isAudio ? 'audio' : p.isMidi ? 'midi ' : p.type}  ${flags.join(',')}`;
}

/** The command line, with a JackError naming an unknown or malformed option. */
function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        server: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        seconds: { type: 'string' },
        name: { type: 'string' },
        rate: { type: 'string' },
        period: { type: 'string' },
        connections: { type: 'boolean', short: 'c' },
        out: { type: 'string', short: 'o' },
        in: { type: 'string', short: 'i' },
        'sample-rate': { type: 'string' },
        block: { type: 'string' },
        param: { type: 'string', multiple: true, short: 'p' },
        'connect-in': { type: 'string', multiple: true },
        'connect-out': { type: 'string', multiple: true },
        'connect-midi': { type: 'string', multiple: true },
        crossfade: { type: 'string' },
        midi: { type: 'string' },
        'follow-transport': { type: 'boolean' },
        json: { type: 'boolean' },
        to: { type: 'string', multiple: true },
        loop: { type: 'boolean' },
        resample: { type: 'boolean' },
        format: { type: 'string' },
        verbose: { type: 'boolean', short: 'v' },
        buffer: { type: 'string', multiple: true },
        voices: { type: 'string' },
        ui: { type: 'boolean' },
        osc: { type: 'string' },
      },
    });
  } catch (err) {
    const e = err as { code?: string; message: string };
    const opt = /option '([^']+)'/i.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') fail('INVALID_ARGUMENT', `unknown option ${opt ?? ''} (jackwasm --help lists the options)`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') fail('INVALID_ARGUMENT', `${e.message.split('.')[0]} (give a value that starts with "-" as --option=value)`);
    throw err;
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, ...rest] = positionals;
  verbose = values.verbose === true;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return command || values.help ? 0 : 1;
  }
  // With --json, standard output carries the JSON only: notes go to standard error.
  const say = (msg: string) => (values.json ? console.error(msg) : console.log(color('dim', msg)));
  const clientName = `jackwasm-cli-${process.pid}`;

  switch (command) {
    case 'demo': {
      const seconds = values.seconds === undefined ? 8 : secondsArg(values.seconds);
      await withServer(values.server, say, (server) => runDemo({ serverName: server, seconds, log: console.log, color }));
      return 0;
    }
    case 'server': {
      // Without --name it is the default server, so every later command finds it with no flags.
      const name = values.name ?? values.server ?? process.env.JACK_DEFAULT_SERVER ?? 'default';
      if (await isServerRunning(name)) fail('SERVER_NAME_IN_USE', `a JACK server "${name}" is already running; commands use it as it is (give --name for another one)`);
      const server = await Server.start({
        name,
        ...(values.rate ? { sampleRate: Number(values.rate) } : {}),
        ...(values.period ? { period: Number(values.period) } : {}),
      });
      const isDefault = name === (process.env.JACK_DEFAULT_SERVER ?? 'default');
      if (values.json) console.log(JSON.stringify({ name: server.name, driver: 'dummy', sampleRate: server.sampleRate, period: server.period, pid: server.pid, default: isDefault }));
      else console.log(`JACK server "${server.name}" running (dummy driver, ${server.sampleRate} Hz, ${server.period} frames, pid ${server.pid}).`);
      if (!values.json) console.log(isDefault
        ? 'It is the default server: jackwasm commands and JACK clients in other terminals use it with no flags. Ctrl-C stops it.'
        : `Clients connect with serverName "${server.name}" (jackwasm --server ${server.name}, or JACK_DEFAULT_SERVER=${server.name}). Ctrl-C stops it.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.stop();
      if (!values.json) console.log('Server stopped.');
      return 0;
    }
    case 'ports':
    case 'connect':
    case 'disconnect':
    case 'transport':
      return withServer(values.server, say, async (serverName) => {
        await using client = await Client.open(clientName, { serverName });
        if (command === 'ports' && values.json) {
          const ports = client.getPorts().map((p) => ({
            name: p.name,
            type: p.type,
            direction: p.isInput ? 'input' : 'output',
            physical: p.isPhysical,
            terminal: p.isTerminal,
            canMonitor: p.canMonitor,
            connections: client.getAllConnections(p).map((c) => c.name),
          }));
          console.log(JSON.stringify(ports));
        } else if (command === 'ports') {
          for (const p of client.getPorts()) {
            console.log(`${color('bold', p.name)}  ${color('dim', describePort(p))}`);
            if (values.connections) for (const c of client.getAllConnections(p)) console.log(`    -> ${c.name}`);
          }
        } else if (command === 'connect' || command === 'disconnect') {
          const [src, dst] = rest;
          if (!src || !dst) throw new Error(`usage: jackwasm ${command} <source> <destination>`);
          const changed = command === 'connect' ? client.connect(src, dst) : client.disconnect(src, dst);
          if (values.json) console.log(JSON.stringify({ source: src, destination: dst, connected: command === 'connect', changed }));
          else console.log(changed ? `${command}ed ${src} -> ${dst}` : command === 'connect' ? `already connected: ${src} -> ${dst}` : `not connected: ${src} -> ${dst}`);
        } else {
          const [action, arg] = rest;
          if (action === 'start') client.transportStart();
          else if (action === 'stop') client.transportStop();
          else if (action === 'locate') {
            const frame = Number(arg);
            if (!Number.isInteger(frame) || frame < 0) throw new Error(`usage: jackwasm transport locate FRAME (a non-negative integer)`);
            client.transportFrame = frame;
          } else if (action !== 'status' && action !== undefined) throw new Error(`unknown transport action "${action}" (start, stop, status, locate FRAME)`);
          // Transport requests take effect at the next cycle: wait two.
          if (action !== 'status' && action !== undefined) await new Promise((r) => setTimeout(r, Math.ceil((2000 * client.blockSize) / client.sampleRate) + 10));
          const q = client.transportQuery();
          if (values.json) {
            console.log(JSON.stringify({ state: q.state, ...q.position }));
            return 0;
          }
          console.log(`transport ${q.state} at frame ${q.position.frame}${q.position.bar !== undefined ? `, bar ${q.position.bar} beat ${q.position.beat} tick ${q.position.tick} @ ${q.position.beatsPerMinute} bpm` : ''}`);
        }
        return 0;
      });
    case 'render': {
      const [file] = rest;
      if (!file || !values.out) throw new Error('usage: jackwasm render <module.wasm|.ts|.dsp> --out out.wav [--in in.wav] [--seconds N] [--sample-rate R] [--block B] [--param name=value ...]');
      const input = values.in ? await readWav(values.in) : undefined;
      const sampleRate = values['sample-rate'] ? positiveInt(values['sample-rate'], '--sample-rate') : (input?.sampleRate ?? 48000);
      const blockSize = values.block ? positiveInt(values.block, '--block') : 256;
      const seconds = values.seconds === undefined ? undefined : positiveNumber(values.seconds, '--seconds');
      let frames = seconds !== undefined ? Math.round(seconds * sampleRate) : input ? Math.max(...input.channels.map((c) => c.length)) : sampleRate;
      if (input && input.sampleRate !== sampleRate) say(`note: ${values.in} is ${input.sampleRate} Hz; rendering at ${sampleRate} Hz without resampling`);
      const source = await moduleSource(file, compileOptionsOf(values, file));
      const song = values.midi ? await readMidiFile(values.midi) : undefined;
      if (song && !source.iface.exports.has('jw_midi')) throw new Error(`${file} takes no MIDI (it does not export jw_midi); --midi needs a module that does`);
      if (!song && source.iface.exports.has('jw_midi')) say(`note: ${file} plays MIDI, and gets none without --midi song.mid: the output is what it makes without notes`);
      // With a song and no length given: the song and a second for the release.
      const songFrames = song && seconds === undefined && !input ? Math.ceil((song.duration + 1) * sampleRate) : undefined;
      if (songFrames !== undefined) frames = songFrames;
      const bar = frames > 4 * sampleRate && process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'rendering [{bar}] {percentage}% | {value}/{total} frames', stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined;
      bar?.start(frames, 0);
      const t0 = performance.now();
      const midi = song ? midiFileFrames(song, sampleRate).filter((e) => e.frame < frames) : undefined;
      const buffers = await bufferFiles(values.buffer, sampleRate, say);
      if (!values.buffer?.length && source.iface.exports.has('jw_buffer_count')) say(`note: ${file} may take audio in buffer slots (it exports jw_buffer_table); they stay empty (silent) without --buffer SLOT=file.wav`);
      const outputs = await render(source, { sampleRate, blockSize, frames, inputs: input?.channels, params: parseParams(values.param), buffers, ...(midi ? { midi } : {}), onProgress: (done) => bar?.update(done) });
      bar?.stop();
      if (outputs.length === 0) throw new Error(`${file} has no audio outputs; nothing to write`);
      await writeWav(values.out, { sampleRate, channels: outputs });
      const ms = performance.now() - t0;
      if (values.json) {
        console.log(JSON.stringify({ file: values.out, channels: outputs.length, frames, sampleRate, seconds: frames / sampleRate, renderMs: ms, midiEvents: midi?.length ?? 0 }));
        return 0;
      }
      console.log(`wrote ${values.out}: ${outputs.length} channel(s), ${frames} frames at ${sampleRate} Hz (${(frames / sampleRate).toFixed(2)} s audio in ${ms.toFixed(0)} ms)${song ? `; ${midi?.length} MIDI events from ${values.midi}${song.skipped ? ` (${song.skipped} system-exclusive events skipped)` : ''}` : ''}`);
      return 0;
    }
    case 'run':
    case 'dev': {
      const [file, extra] = rest;
      if (!file || extra !== undefined) throw new Error(`usage: jackwasm ${command} <module.wasm|.ts|.dsp> [--connect-in PORT ...] [--connect-out PORT ...] [--connect-midi PORT ...] [--midi song.mid] [--param name=value ...] [--seconds N]${command === 'dev' ? ' [--crossfade MS]' : ''}`);
      const seconds = values.seconds === undefined ? undefined : secondsArg(values.seconds);
      if (values.crossfade !== undefined && command !== 'dev') throw new Error('--crossfade is an option of jackwasm dev');
      const crossfadeMs = values.crossfade === undefined ? 10 : Number(values.crossfade);
      if (!(crossfadeMs >= 0 && crossfadeMs <= 10000)) throw new Error(`--crossfade must be a number of milliseconds in [0, 10000], got "${values.crossfade}"`);
      const params = parseParams(values.param);
      const song = values.midi ? await readMidiFile(values.midi) : undefined;
      if (values['follow-transport'] && !song) throw new Error('--follow-transport goes with --midi song.mid');
      // dev builds as the watcher will (asc -O1), so a save without edits is no change.
      const compileOptions = compileOptionsOf(values, file);
      const compiled = command === 'dev' ? (await compileFile(file, compileOptions, { optimize: DEV_ASC_OPTIMIZE })).compiled : await moduleSource(file, compileOptions);
      return withServer(values.server, say, (serverName) =>
        runModule({
          file,
          serverName,
          compiled,
          compile: compileOptions,
          connectIn: values['connect-in'],
          connectOut: values['connect-out'],
          connectMidi: values['connect-midi'],
          params,
          buffers: values.buffer,
          clientName: values.name,
          seconds,
          dev: command === 'dev' ? { crossfadeMs } : undefined,
          song: song ? { name: values.midi as string, data: song, followTransport: values['follow-transport'] === true } : undefined,
          ui: values.ui === true,
          ...(values.osc !== undefined ? { osc: portArg(values.osc, '--osc') } : {}),
          json: values.json === true,
          print: (l) => console.log(l),
          color: values.json ? (_style, text) => text : color,
        }),
      );
    }
    case 'panel': {
      const [which, extra] = rest;
      if (extra !== undefined) fail('INVALID_ARGUMENT', 'usage: jackwasm panel [CLIENT] [--json]');
      const panels = (await listPanels()).filter((p) => which === undefined || p.client === which);
      if (values.json) {
        console.log(JSON.stringify(panels));
        return panels.length || which === undefined ? 0 : 1;
      }
      if (panels.length === 0) {
        if (which !== undefined) fail('INVALID_ARGUMENT', `no control panel for client "${which}" (panels: ${(await listPanels()).map((p) => p.client).join(', ') || 'none'}); modules run by jackwasm run/dev, or a script that calls servePanel(), have one`);
        console.log('no control panels: start modules with jackwasm run/dev (or call servePanel(client) in a script)');
        return 0;
      }
      for (const p of panels) console.log(`${p.client}  ${p.url}  (pid ${p.pid})`);
      return 0;
    }
    case 'record': {
      // Checked before a server is looked for (or started).
      if (!values.out || rest.length === 0) fail('INVALID_ARGUMENT', `usage: jackwasm record <port...> --out file.wav [--seconds N] [--format ${SAMPLE_FORMATS.join('|')}] [--json]`);
      const out = values.out;
      const seconds = values.seconds === undefined ? undefined : secondsArg(values.seconds);
      return withServer(values.server, say, (serverName) =>
        recordCommand({ serverName, clientName, ports: rest, out, seconds, format: values.format, json: values.json === true, print: (l) => console.log(l) }),
      );
    }
    case 'play': {
      const [file, extra] = rest;
      if (!file || extra !== undefined) fail('INVALID_ARGUMENT', 'usage: jackwasm play <file> [--to PORT ...] [--loop] [--resample]');
      return withServer(values.server, say, (serverName) =>
        playCommand({ serverName, clientName, file, to: values.to, loop: values.loop === true, resample: values.resample === true, json: values.json === true, print: (l) => console.log(l) }),
      );
    }
    case 'doctor': {
      const { doctor, doctorLines } = await import('./cli-doctor.js');
      const r = await doctor();
      if (values.json) console.log(JSON.stringify(r));
      else for (const l of doctorLines(r)) console.log(l);
      return r.ok ? 0 : 1;
    }
    case 'info': {
      const v = version();
      if (values.json) {
        const name = values.server ?? process.env.JACK_DEFAULT_SERVER ?? 'default';
        console.log(JSON.stringify({ library: versionString(), protocol: v.protocol, server: { name, running: await isServerRunning(name) } }));
        return 0;
      }
      console.log(`JACK library ${versionString()} (protocol ${v.protocol})`);
      const name = values.server ?? process.env.JACK_DEFAULT_SERVER ?? 'default';
      console.log(`server "${name}": ${(await isServerRunning(name)) ? 'running' : 'not running'}`);
      return 0;
    }
    default:
      process.stderr.write(`jackwasm: unknown command "${command}"\n\n${HELP}`);
      return 1;
  }
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) fail('INVALID_ARGUMENT', `${flag} must be a positive integer, got "${v}"`);
  return n;
}

function positiveNumber(v: string, flag: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) fail('INVALID_ARGUMENT', `${flag} must be a positive number, got "${v}"`);
  return n;
}

/** The longest --seconds of demo, run, dev and record: 24.8 days (Node's longest timer). */
const MAX_SECONDS = 2147483;

/** A --seconds value of demo, run, dev and record. */
function secondsArg(v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n) || n > MAX_SECONDS) fail('INVALID_ARGUMENT', `--seconds must be a positive number of seconds up to ${MAX_SECONDS} (24.8 days), got "${v}"`);
  return n;
}

/** "--param cutoff=800" -> [["cutoff", 800]] */
function parseParams(list: string[] | undefined): [string, number][] {
  return (list ?? []).map((kv) => {
    const m = /^([^=]+)=(.+)$/.exec(kv);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(v)) throw new Error(`--param expects name=value with a number, got "${kv}"`);
    return [m[1] as string, v];
  });
}

/** A module path (.wasm, .ts compiled with AssemblyScript, or a Faust .dsp), compiled, so errors name the file. */
async function moduleSource(file: string, options: CompileOptions = {}): Promise<CompiledModule> {
  return toCompiled(file, options);
}

/** A UDP/TCP port number option. */
function portArg(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail('INVALID_ARGUMENT', `${what} must be a port number in [0, 65535] (0: any free port), got "${v}"`);
  return n;
}

/** Compile options from the command line: --voices for a Faust .dsp. */
function compileOptionsOf(values: { voices?: string | undefined }, file: string): CompileOptions {
  if (values.voices === undefined) return {};
  if (!file.endsWith('.dsp')) throw new Error('--voices is for Faust programs (.dsp)');
  const voices = values.voices.trim() === '' ? NaN : Number(values.voices);
  if (!Number.isInteger(voices) || voices < 0 || voices > 128) throw new Error(`--voices must be an integer in [0, 128], got "${values.voices}"`);
  return { faust: { voices } };
}

let verbose = false;

/** The last messages libjack printed (see routeJackMessages), for an error report. */
const jackMessages: string[] = [];

/**
 * Routes libjack's own messages (it prints errors and notes to stderr, e.g.
 * "Cannot connect to server socket" while looking for a server) through
 * setErrorFunction/setInfoFunction: kept for the report of a command that
 * fails, and printed (dim, "jack:") only with --verbose. Rationale: they are
 * libjack's internals, not the command's output, and mostly expected.
 */
function routeJackMessages(verbose: boolean): void {
  const keep = (m: string) => {
    jackMessages.push(m);
    if (jackMessages.length > 8) jackMessages.shift();
    if (verbose) console.error(color('dim', `jack: ${m}`));
  };
  setErrorFunction(keep);
  setInfoFunction(verbose ? keep : () => {});
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as Error;
    process.stderr.write(`jackwasm: ${e instanceof JackError ? `[${e.code}] ` : ''}${e.message}\n`);
    for (const m of jackMessages) process.stderr.write(`jack: ${m}\n`);
    process.exitCode = 1;
  },
);
