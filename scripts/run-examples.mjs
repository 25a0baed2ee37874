// Runs every compiled example once (CI), each against its own embedded
// server, and fails if any exits non-zero or runs too long.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'dist', 'examples');
const examples = readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
let failed = 0;
for (const f of examples) {
  const start = Date.now();
  // A server name nobody runs, so each example starts (and stops) its own.
  const env = { ...process.env, JACK_DEFAULT_SERVER: `jwexample-${process.pid}-${f.replace(/\W/g, '')}` };
  const r = spawnSync(process.execPath, [join(dir, f), '--seconds', '2'], { env, encoding: 'utf8', timeout: 60000 });
  const ok = r.status === 0;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} examples/${f.replace(/\.js$/, '.ts')} (${Date.now() - start} ms)`);
  if (!ok || process.env.VERBOSE) process.stdout.write((r.stdout ?? '') + (r.stderr ?? '') + (r.error ? `${r.error}\n` : ''));
}
console.log(`${examples.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
