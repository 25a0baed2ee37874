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
  stats                     cycles, xruns, DSP load, time per cycle, trap
  reset                     a fresh instance (brings back a trapped module)
  quit                      stop
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
    const n = Number(s);
    if (s === undefined || !Number.isInteger(n) || n < lo || n > hi) throw new Error(`${what} must be an integer in [${lo}, ${hi}], got ${s ?? 'nothing'}`);
    return n;
  };
  switch (cmd) {
    case undefined:
    case '':
      return;
    case 'help':
      ctx.print(MODULE_COMMANDS_HELP);
      return;
    case 'params':
      if (m.params.length === 0) ctx.print('no parameters');
      for (const p of m.params) {
        const range = p.min !== undefined && p.max !== undefined ? ` (${p.min}..${p.max})` : '';
        ctx.print(`${p.id} = ${p.value}${p.unit ? ` ${p.unit}` : ''}${range}${p.name !== p.id ? ` "${p.name}"` : ''}`);
      }
      return;
    case 'set': {
      if (args.length !== 2) throw new Error('usage: set <param> <value>');
      const value = Number(args[1]);
      if (args[1] === '' || !Number.isFinite(value)) throw new Error(`value must be a number, got ${args[1]}`);
      const id = /^\d+$/.test(args[0] as string) ? Number(args[0]) : (args[0] as string);
      m.setParam(id, value);
      const p = m.params.find((x) => x.id === id || x.name === id || x.index === id);
      ctx.print(`${p?.id ?? id} = ${p ? p.value : value}`);
      return;
    }
    case 'note':
    case 'off': {
      const note = int(args[0], 'note', 0, 127);
      const velocity = cmd === 'note' ? (args[1] === undefined ? 100 : int(args[1], 'velocity', 1, 127)) : 0;
      m.sendMidi(cmd === 'note' ? [0x90, note, velocity] : [0x80, note, 0]);
      return;
    }
    case 'panic':
      m.sendMidi([0xb0, 123, 0]);
      return;
    case 'stats': {
      const t = m.timing;
      ctx.print(
        `cycles ${m.cycles}, xruns ${ctx.xruns()}, DSP load ${ctx.client.cpuLoad().toFixed(1)}%, ` +
          `module ${t.lastUs.toFixed(1)} µs last / ${t.maxUs.toFixed(1)} µs max, overruns ${t.overruns}, ` +
          `trap ${m.trap ? `${m.trap.kind} in ${m.trap.where}` : 'none'}`,
      );
      return;
    }
    case 'reset':
      await m.reset();
      ctx.print('reset');
      return;
    case 'quit':
    case 'exit':
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
  rl.on('line', (line) => {
    // One at a time, in order (reset is asynchronous).
    chain = chain.then(() =>
      runModuleCommand(line, ctx).catch((err: unknown) => ctx.print(`error: ${err instanceof JackError || err instanceof Error ? err.message : String(err)}`)),
    );
  });
  return () => {
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
