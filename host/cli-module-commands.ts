/**
 * The commands `jackwasm run` reads from its standard input while a module
 * runs: set parameters, play notes, show parameters and statistics, reset.
 * One command per line; `help` lists them. Errors are printed, never fatal.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Client } from './client.js';
import type { DspModule } from './dsp/module.js';
import { JackError } from './errors.js';

export const MODULE_COMMANDS_HELP = `commands:
  params                    parameters with their current values and ranges
  set <param> <value>       set a parameter (by id, name or index)
  note <n> [velocity]       note on (0-127, velocity 1-127, default 100)
  off <n>                   note off
  panic                     all notes off
  meters                    peak and RMS level of each output over 100 ms
  stats                     cycles, xruns, DSP load, time per cycle, swaps, trap
  reset                     a fresh instance (brings back a trapped module)
  wait <seconds>            pause before the next command (for scripts)
  quit                      stop (later input is ignored)
  help                      this list`;

export interface ModuleCommandsContext {
  client: Client;
  module: DspModule;
  /** xruns counted by the caller. */
  xruns: () => number;
  print: (line: string) => void;
  quit: () => void;
}

/** Runs one command line; returns false for an unknown command. */
export async function runModuleCommand(line: string, ctx: ModuleCommandsContext): Promise<void> {
  const [cmd, ...args] = line.trim().split(/\s+/);
  const m = ctx.module;
  const int = (s: string | undefined, what: string, lo: number, hi: number): number => {
    const n = s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN;
    if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`${what} must be an integer in [${lo}, ${hi}], got ${s ?? 'nothing'}`);
    return n;
  };
  const noArgs = () => {
    if (args.length) throw new Error(`${cmd} takes no arguments`);
  };
  // An f32 value as the shortest decimal that reads back as the same f32.
  const show = (v: number) => {
    for (let p = 1; p < 9; p++) if (Math.fround(Number(v.toPrecision(p))) === v) return String(Number(v.toPrecision(p)));
    return String(v);
  };
  switch (cmd) {
    case undefined:
    case '':
      return;
    case 'help':
      noArgs();
      ctx.print(MODULE_COMMANDS_HELP);
      return;
    case 'params':
      noArgs();
      if (m.params.length === 0) ctx.print('no parameters');
      for (const p of m.params) {
        const range = p.min !== undefined && p.max !== undefined ? ` (${p.min}..${p.max})` : '';
        ctx.print(`${p.id} = ${show(p.value)}${p.unit ? ` ${p.unit}` : ''}${range}${p.name !== p.id ? ` "${p.name}"` : ''}`);
      }
      return;
    case 'set': {
      // The parameter may be a multi-word name ("Kick decay"): all but the last word.
      if (args.length < 2) throw new Error('usage: set <param> <value>');
      const last = args[args.length - 1] as string;
      const value = Number(last);
      if (!Number.isFinite(value)) throw new Error(`value must be a number, got ${last}`);
      const name = args.slice(0, -1).join(' ').replace(/^"(.*)"$/, '$1');
      const id = /^\d+$/.test(name) ? Number(name) : name;
      m.setParam(id, value);
      const p = m.params.find((x) => x.id === id || x.name === id || x.index === id);
      ctx.print(`${p?.id ?? id} = ${p ? show(p.value) : value}`);
      return;
    }
    case 'note':
    case 'off': {
      const note = int(args[0], 'note', 0, 127);
      if (args.length > (cmd === 'note' ? 2 : 1)) throw new Error(`usage: ${cmd === 'note' ? 'note <n> [velocity]' : 'off <n>'}`);
      const velocity = cmd === 'note' ? (args[1] === undefined ? 100 : int(args[1], 'velocity', 1, 127)) : 0;
      m.sendMidi(cmd === 'note' ? [0x90, note, velocity] : [0x80, note, 0]);
      ctx.print(cmd === 'note' ? `note on ${note} velocity ${velocity}` : `note off ${note}`);
      return;
    }
    case 'panic':
      noArgs();
      m.sendMidi([0xb0, 123, 0]);
      ctx.print('all notes off');
      return;
    case 'wait': {
      const sec = args.length === 1 && /^\d+(\.\d+)?$/.test(args[0] as string) ? Number(args[0]) : NaN;
      if (!(sec >= 0 && sec <= 3600)) throw new Error(`usage: wait <seconds> (0-3600), got ${args.join(' ') || 'nothing'}`);
      await new Promise((r) => setTimeout(r, sec * 1000));
      return;
    }
    case 'meters': {
      noArgs();
      if (m.outputs.length === 0) {
        ctx.print('no audio outputs');
        return;
      }
      const rec = await ctx.client.record([...m.outputs], { seconds: 0.1 });
      const db = (x: number) => (x > 0 ? `${(20 * Math.log10(x)).toFixed(1)} dBFS` : '-inf');
      rec.channels.forEach((c, i) => {
        let peak = 0;
        let sum = 0;
        for (const x of c) {
          peak = Math.max(peak, Math.abs(x));
          sum += x * x;
        }
        const name = m.outputs[i]?.name ?? `output ${i + 1}`;
        ctx.print(`${name}: peak ${db(peak)}, rms ${db(Math.sqrt(sum / c.length))}`);
      });
      return;
    }
    case 'stats': {
      noArgs();
      const t = m.timing;
      ctx.print(
        `cycles ${m.cycles}, xruns ${ctx.xruns()}, DSP load ${ctx.client.cpuLoad().toFixed(1)}%, ` +
          `module ${t.lastUs.toFixed(1)} µs last / ${t.maxUs.toFixed(1)} µs max, overruns ${t.overruns}, swaps ${m.swaps}, ` +
          `trap ${m.trap ? `${m.trap.kind} in ${m.trap.where}` : 'none'}`,
      );
      return;
    }
    case 'reset':
      noArgs();
      await m.reset();
      ctx.print('reset');
      return;
    case 'quit':
    case 'exit':
      noArgs();
      ctx.quit();
      return;
    default:
      throw new Error(`unknown command "${cmd}" (help lists them)`);
  }
}

/** Reads commands from `input` until it ends or the returned function is called. */
export function startModuleCommands(input: NodeJS.ReadableStream & { isTTY?: boolean }, ctx: ModuleCommandsContext): () => void {
  // Rationale: started in the background of a shell (`jackwasm run x.wasm &`),
  // reading the terminal would stop the process (SIGTTIN): no commands then.
  if (input.isTTY && !inForeground()) return () => {};
  const rl = createInterface({ input, terminal: false });
  const onError = () => rl.close();
  input.on('error', onError);
  let chain = Promise.resolve();
  let closed = false;
  const quit = ctx.quit;
  const inner: ModuleCommandsContext = { ...ctx, quit: () => { closed = true; quit(); } };
  rl.on('line', (line) => {
    // One at a time, in order (reset and wait are asynchronous); nothing after quit.
    chain = chain.then(() =>
      closed ? undefined : runModuleCommand(line, inner).catch((err: unknown) => ctx.print(`error: ${err instanceof JackError || err instanceof Error ? err.message : String(err)}`)),
    );
  });
  return () => {
    closed = true;
    rl.close();
    input.off('error', onError);
  };
}

/** Whether this process is in its terminal's foreground process group (Linux /proc; true if unknown). */
export function inForeground(): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return f[2] === f[5]; // pgrp, tpgid
  } catch {
    return true;
  }
}
