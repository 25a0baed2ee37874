/**
 * Keeps the fields of a Faust instance that its sample loop uses in locals
 * for the length of the loop, as a C compiler does with a native Faust
 * build's member variables.
 *
 * Rationale: Faust's `compute` reads and writes its state (recursion
 * registers, delay-line indices, constants) at fixed offsets from the
 * instance, dsp + C, and writes its delay lines at masked indices. In
 * WebAssembly's flat memory the C compiler cannot tell that a delay-line
 * store leaves the other fields alone, so it loads every field again after
 * each such store and keeps no state in registers (zita_rev1: 262 field
 * loads and 89 field stores per sample; 1.46x the native C++ build's time).
 * Faust guarantees what the compiler cannot see: a delay line's index is
 * masked into its own array and the channel buffers lie outside the
 * instance. So each field the loop touches is loaded into a new local
 * before the loop, used there, and stored back after it. Done only when
 * the loop calls nothing but imported functions (the math library, which
 * has no access to the module's memory), never changes the instance
 * pointer, and accesses each field with one type and width; otherwise the
 * code is left as it is. For code that broke Faust's guarantee (an
 * adaptFaustWasm input not made by Faust), the result may differ, as a
 * native build's would; memory safety does not depend on it.
 *
 * Works on the text format (wabt's wasm2wat --fold-exprs, then wat2wasm).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../dsp/limited-run.js';

/** Changes when the rewrite does (part of the Faust cache key). */
export const PROMOTE_VERSION = 2;

/** A parenthesised form, or an atom (kept as written: numbers, names, strings). */
export type Node = Node[] | string;

/** Parses the text format into nested forms; comments are dropped. */
export function parseWat(text: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text[i] as string;
    if (ch === '(' && text[i + 1] === ';') {
      let depth = 0; // block comments nest
      do {
        if (text.startsWith('(;', i)) {
          depth++;
          i += 2;
        } else if (text.startsWith(';)', i)) {
          depth--;
          i += 2;
        } else i++;
      } while (depth > 0 && i < n);
    } else if (ch === ';' && text[i + 1] === ';') {
      while (i < n && text[i] !== '\n') i++;
    } else if (ch === '(') {
      const form: Node[] = [];
      (stack[stack.length - 1] as Node[]).push(form);
      stack.push(form);
      i++;
    } else if (ch === ')') {
      if (stack.length === 1) throw new Error('unbalanced ")"');
      stack.pop();
      i++;
    } else if (ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r') {
      i++;
    } else {
      const start = i;
      if (ch === '"') {
        i++;
        while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
        i++;
      } else {
        while (i < n && !' \n\t\r()'.includes(text[i] as string) && !text.startsWith(';;', i)) i++;
      }
      (stack[stack.length - 1] as Node[]).push(text.slice(start, i));
    }
  }
  if (stack.length !== 1) throw new Error('unbalanced "("');
  return root;
}

export function printWat(nodes: Node[]): string {
  const out: string[] = [];
  const put = (node: Node): void => {
    if (typeof node === 'string') {
      out.push(node);
      return;
    }
    out.push('(');
    node.forEach((child, k) => {
      if (k > 0) out.push(' ');
      put(child);
    });
    out.push(')');
  };
  for (const node of nodes) {
    put(node);
    out.push('\n');
  }
  return out.join('');
}

const isForm = (n: Node | undefined, head?: string): n is Node[] => Array.isArray(n) && (head === undefined || n[0] === head);

/** What the loop does with one field. */
interface Field {
  type: 'i32' | 'f32';
  stored: boolean;
  local: number;
}

/** The field offset `C` of an address `(i32.add (local.get 0) (i32.const C))` (either order), or undefined. */
function fieldOffset(address: Node | undefined): number | undefined {
  if (!isForm(address, 'i32.add') || address.length !== 3) return undefined;
  for (const [a, b] of [[address[1], address[2]], [address[2], address[1]]] as [Node, Node][]) {
    if (isForm(a, 'local.get') && a.length === 2 && a[1] === '0' && isForm(b, 'i32.const') && b.length === 2 && typeof b[1] === 'string' && /^\d+$/.test(b[1])) {
      const c = Number(b[1]);
      if (c < 2 ** 31) return c;
    }
  }
  return undefined;
}

/** The form of a field access (`f32.load addr`, `i32.store addr value`), or undefined. */
function fieldAccess(node: Node[]): { type: 'i32' | 'f32'; store: boolean; offset: number } | undefined {
  const m = typeof node[0] === 'string' ? /^(i32|f32)\.(load|store)$/.exec(node[0]) : null;
  if (!m || node.length !== (m[2] === 'store' ? 3 : 2)) return undefined; // attributes (offset=, align=) or other widths: not a plain field access
  const offset = fieldOffset(node[1]);
  return offset === undefined ? undefined : { type: m[1] as 'i32' | 'f32', store: m[2] === 'store', offset };
}

/** Most fields moved to locals, and most locals compute may have after it (the validator allows 10000). */
const MAX_PROMOTED = 4000;
const MAX_LOCALS_AFTER = 8000;

/** The byte range [B, B + (M + 1) * 4) of a ring address `dsp + (B + ((x & M) << 2))` (any order of the adds), or undefined. */
function ringRange(address: Node): [number, number] | undefined {
  if (!isForm(address, 'i32.add') || address.length !== 3) return undefined;
  for (const [a, b] of [[address[1], address[2]], [address[2], address[1]]] as [Node, Node][]) {
    if (!isForm(a, 'local.get') || a[1] !== '0' || !isForm(b, 'i32.add') || b.length !== 3) continue;
    for (const [c, shl] of [[b[1], b[2]], [b[2], b[1]]] as [Node, Node][]) {
      const base = isForm(c, 'i32.const') && typeof c[1] === 'string' && /^\d+$/.test(c[1]) ? Number(c[1]) : undefined;
      if (base === undefined || !isForm(shl, 'i32.shl') || shl.length !== 3) continue;
      const [, masked, two] = shl as [string, Node, Node];
      if (!isForm(two, 'i32.const') || two[1] !== '2' || !isForm(masked, 'i32.and') || masked.length !== 3) continue;
      const mask = [masked[1], masked[2]].find((m) => isForm(m, 'i32.const') && typeof m[1] === 'string' && /^\d+$/.test(m[1])) as Node[] | undefined;
      if (!mask || Number(mask[1]) >= 2 ** 24) continue;
      return [base, base + (Number(mask[1]) + 1) * 4];
    }
  }
  return undefined;
}

/**
 * True when every `(local.get 0)` in `nodes` is the base of a field access
 * (`dsp + C`) or of a masked ring access (whose byte ranges go to `rings`).
 */
function instanceUsesKnown(nodes: Node[], rings: [number, number][]): boolean {
  let known = true;
  const visit = (n: Node): void => {
    if (typeof n === 'string' || !known) return;
    if (n[0] === 'local.get' && n[1] === '0') {
      known = false; // reached only when not inside an accepted address
      return;
    }
    if (typeof n[0] === 'string' && /^[if](32|64)\.(load|store)/.test(n[0])) {
      const address = n[1] as Node;
      if (fieldOffset(address) !== undefined) {
        n.slice(2).forEach(visit); // the address is accepted; a stored value is checked
        return;
      }
      const ring = typeof address === 'string' ? undefined : ringRange(address);
      if (ring) {
        rings.push(ring);
        // The index expression inside the ring address may use fields (IOTA), not the pointer itself.
        const [, a, b] = address as [string, Node, Node];
        const inner = isForm(a, 'local.get') ? b : a;
        (inner as Node[]).slice(1).forEach(visit);
        n.slice(2).forEach(visit);
        return;
      }
    }
    n.slice(1).forEach(visit);
  };
  nodes.forEach(visit);
  return known;
}

/** The function index `compute` is exported as, or undefined. */
function exportedFunction(module: Node[], name: string): string | undefined {
  for (const item of module) {
    if (isForm(item, 'export') && item[1] === `"${name}"` && isForm(item[2], 'func')) return item[2][1] as string;
  }
  return undefined;
}

/**
 * Promotes the instance fields used by the sample loop of `compute` to
 * locals (see the file comment). Returns how many fields were promoted (0:
 * the module is unchanged).
 */
export function promoteLoopFields(nodes: Node[]): number {
  const module = nodes.find((n) => isForm(n, 'module'));
  if (!isForm(module)) return 0;
  const computeIndex = exportedFunction(module, 'compute');
  const importedFuncs = module.filter((n) => isForm(n, 'import') && isForm(n[3], 'func')).length;
  const funcs = module.filter((n): n is Node[] => isForm(n, 'func'));
  const compute = funcs.find((f, k) => String(importedFuncs + k) === computeIndex || (typeof f[1] === 'string' && f[1] === `$${computeIndex}`));
  if (!compute || computeIndex === undefined || !/^\d+$/.test(computeIndex)) return 0;

  // Parameters and locals, in index order; the instance pointer is local 0.
  let localCount = 0;
  let lastDecl = 0;
  for (let k = 1; k < compute.length; k++) {
    const item = compute[k] as Node;
    if (isForm(item, 'param') || isForm(item, 'local')) {
      if (item.some((t) => typeof t === 'string' && t.startsWith('$'))) return 0; // named locals: not wasm2wat's output
      localCount += item.length - 1;
      lastDecl = k;
    } else if (!isForm(item, 'type') && !isForm(item, 'export')) break;
  }

  // The sample loop: the largest loop among the body's statements.
  const size = (n: Node): number => (typeof n === 'string' ? 1 : n.reduce((a: number, c) => a + size(c), 1));
  let loopAt = -1;
  let loopSize = 0;
  for (let k = lastDecl + 1; k < compute.length; k++) {
    if (!isForm(compute[k], 'loop')) continue;
    const n = size(compute[k] as Node); // (each statement measured once: the search stays linear)
    if (n > loopSize) [loopAt, loopSize] = [k, n];
  }
  if (loopAt < 0) return 0;
  const loop = compute[loopAt] as Node[];

  // What the loop does; any reason for doubt leaves the code as it is.
  const fields = new Map<number, Field>();
  let doubt = false;
  // `labels`: how many labels enclose `n` inside the loop (the loop's own counts).
  const survey = (n: Node, labels: number): void => {
    if (typeof n === 'string' || doubt) return;
    const head = n[0];
    if (typeof head !== 'string') return;
    if (head === 'call') {
      if (!(typeof n[1] === 'string' && /^\d+$/.test(n[1]) && Number(n[1]) < importedFuncs)) doubt = true;
    } else if (head === 'call_indirect' || head === 'return' || head.startsWith('return_') || /^(memory|table)\./.test(head)) {
      doubt = true;
    } else if ((head === 'local.set' || head === 'local.tee') && n[1] === '0') {
      doubt = true;
    } else if (head === 'br' || head === 'br_if' || head === 'br_table') {
      // A branch out of the loop would skip the stores after it.
      for (const a of n.slice(1)) if (typeof a === 'string' && (!/^\d+$/.test(a) || Number(a) >= labels)) doubt = true;
    }
    if (/^[if](32|64)\.(load|store)/.test(head)) {
      const access = fieldAccess(n);
      if (access) {
        const f = fields.get(access.offset);
        if (f && f.type !== access.type) doubt = true;
        else if (f) f.stored ||= access.store;
        else fields.set(access.offset, { type: access.type, stored: access.store, local: -1 });
      } else if (typeof n[1] === 'string' || fieldOffset(n[1]) !== undefined) {
        // offset=/align= attributes, or another width on a field: not the code Faust writes.
        doubt = true;
      }
    }
    const inner = head === 'block' || head === 'loop' || head === 'if' ? labels + 1 : labels;
    for (const child of n.slice(1)) survey(child, inner);
  };
  survey(loop, 0);
  if (doubt || fields.size === 0) return 0;
  // The instance pointer is used only as the base of a field or of a
  // masked ring (a delay line), anywhere in the function: any other use (an
  // array walked with a computed index, as Faust's short delays and
  // read-write tables are; a copy of the pointer) could reach a field the
  // loop keeps in a local.
  const rings: [number, number][] = [];
  if (!instanceUsesKnown(compute.slice(lastDecl + 1), rings)) return 0;
  for (const c of fields.keys()) if (rings.some(([from, to]) => c + 4 > from && c < to)) return 0;
  // Locals stay within the validator's limit, with room for the adapter's.
  if (fields.size > MAX_PROMOTED || localCount + fields.size > MAX_LOCALS_AFTER) return 0;
  // Fields must not overlap (each is 4 bytes).
  const offsets = [...fields.keys()].sort((a, b) => a - b);
  for (let k = 1; k < offsets.length; k++) if ((offsets[k] as number) - (offsets[k - 1] as number) < 4) return 0;

  for (const f of fields.values()) f.local = localCount++;
  const rewrite = (n: Node): Node => {
    if (typeof n === 'string') return n;
    const access = fieldAccess(n);
    if (access) {
      const f = fields.get(access.offset) as Field;
      return access.store ? ['local.set', String(f.local), rewrite(n[2] as Node)] : ['local.get', String(f.local)];
    }
    return n.map(rewrite);
  };
  const address = (c: number): Node => ['i32.add', ['local.get', '0'], ['i32.const', String(c)]];
  const before: Node[] = [];
  const after: Node[] = [];
  for (const [c, f] of fields) {
    before.push(['local.set', String(f.local), [`${f.type}.load`, address(c)]]);
    if (f.stored) after.push([`${f.type}.store`, address(c), ['local.get', String(f.local)]]);
  }
  compute.splice(loopAt, 1, ...before, rewrite(loop), ...after);
  compute.splice(lastDecl + 1, 0, ['local', ...[...fields.values()].map((f) => f.type)]);
  return fields.size;
}

/** Largest text form of the Faust code that is rewritten; bigger code is used as it is. */
const MAX_PROMOTE_TEXT = 8 << 20; // (zita_rev1: 0.2 MB; the parsed form takes about 10x the text; parse and rewrite are linear)

/**
 * [main-thread] Faust's code (`-lang wasm-e`) with its sample loop's fields
 * in locals, and how many fields moved; the code as it came (0) when the
 * rewrite does not apply or a step fails (the merge that follows then
 * reports what is wrong with it). `work`: a private directory for the
 * wabt tools' files.
 */
export async function promoteFaustFields(wasm: Uint8Array, work: string, timeoutMs: number): Promise<{ wasm: Uint8Array; promoted: number }> {
  const unchanged = { wasm, promoted: 0 };
  const limits = { timeoutMs, memoryBytes: 4 * 2 ** 30 };
  try {
    await writeFile(join(work, 'faust-in.wasm'), wasm);
    const dis = await run('wasm2wat', ['--fold-exprs', 'faust-in.wasm', '-o', 'faust.wat'], work, limits);
    if (!dis.ok || (await stat(join(work, 'faust.wat'))).size > MAX_PROMOTE_TEXT) return unchanged;
    const nodes = parseWat(await readFile(join(work, 'faust.wat'), 'utf8'));
    const promoted = promoteLoopFields(nodes);
    if (promoted === 0) return unchanged;
    await writeFile(join(work, 'faust-promoted.wat'), printWat(nodes));
    const as = await run('wat2wasm', ['faust-promoted.wat', '-o', 'faust-promoted.wasm'], work, limits);
    return as.ok ? { wasm: new Uint8Array(await readFile(join(work, 'faust-promoted.wasm'))), promoted } : unchanged;
  } catch {
    // (deeply nested code can overflow the rewrite's recursion)
    return unchanged;
  }
}
