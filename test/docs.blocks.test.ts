/**
 * Every code block of README.md and docs/*.md is checked, so none rots: each
 * is classified by its language and an optional `<!-- doc-check: KIND ... -->`
 * comment on the line right before it (docs/docs-check.md), and a block no
 * kind takes fails. Programs and fragments are typechecked against the built
 * package (imported as 'jackwasm') and run against a dummy jackd; API
 * listings are typechecked as declarations against the exported types;
 * AssemblyScript is compiled and rendered; shell lines run the CLI.
 * JW_DOCS_VERBOSE=1 prints each shell line as it starts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromMarkdown } from 'mdast-util-from-markdown';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bbtAt, render, type Server } from '../host/index.js';
import { toCompiled } from '../host/dsp/instance.js';
import { serverPrefix, startServer } from './helpers/jack.js';
import { renderV8 } from './helpers/v8-render.js';
import { threadStacks } from './helpers/stacks.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'host', 'cli.js');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; scripts: Record<string, string> };

/** The markdown files checked: the README and every docs/*.md (new ones included). */
const DOC_FILES = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

// ---------------------------------------------------------------------------
// Extraction and classification

/** Kinds of block, and the fence languages each may have ('' = none). */
const KINDS: Record<string, readonly string[]> = {
  program: ['js', 'ts'],
  fragment: ['ts'],
  declare: ['ts'],
  asc: ['ts'],
  faust: ['faust', 'dsp'],
  netjack2: ['sh', 'js'],
  shell: ['sh', 'bash', 'shell'],
  'jw-describe': ['json'],
  formula: ['', 'text'],
  prose: ['', 'text'],
};
/** The kind of a block without annotation, by language. */
const DEFAULT_KIND: Record<string, string> = { js: 'program', ts: 'program', sh: 'shell', bash: 'shell', shell: 'shell', faust: 'faust', dsp: 'faust' };

interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  kind: string;
  args: string[];
  /** Code of the annotation's further lines: hidden setup, or a template with a `{{block}}` line. */
  hidden: string | undefined;
  /** Set when the block cannot be classified (the test fails with it). */
  problem?: string;
  id: number;
}

interface MdNode {
  type: string;
  lang?: string | null;
  value?: string;
  children?: MdNode[];
  position?: { start: { line: number }; end: { line: number } };
}

const ANNOTATION = /^<!--\s*doc-check:([^\n]*?)(?:\s*-->)?\s*$/;

function extract(file: string, ids: { n: number }): Block[] {
  const tree = fromMarkdown(readFileSync(join(root, file), 'utf8')) as MdNode;
  const blocks: Block[] = [];
  const walk = (node: MdNode) => {
    const kids = node.children ?? [];
    kids.forEach((child, i) => {
      if (child.type === 'code') {
        const prev = kids[i - 1];
        const line = child.position!.start.line;
        const lang = (child.lang ?? '').toLowerCase();
        const annotated = prev?.type === 'html' && /^<!--\s*doc-check:/.test(prev.value ?? '') && prev.position!.end.line === line - 1;
        const b: Block = { file, line, lang, code: child.value ?? '', kind: '', args: [], hidden: undefined, id: ids.n++ };
        if (annotated) {
          const text = (prev.value ?? '').replace(/-->\s*$/, '');
          const [first = '', ...rest] = text.split('\n');
          const words = first.replace(/^<!--\s*doc-check:/, '').trim().split(/\s+/).filter(Boolean);
          b.kind = words[0] ?? '';
          b.args = words.slice(1);
          b.hidden = rest.length ? rest.join('\n') : undefined;
          if (!(b.kind in KINDS)) b.problem = `unknown doc-check kind "${b.kind}" (known: ${Object.keys(KINDS).join(', ')}; docs/docs-check.md)`;
        } else {
          b.kind = DEFAULT_KIND[lang] ?? '';
          if (!b.kind) b.problem = `a \`\`\`${lang} block needs a <!-- doc-check: KIND --> comment on the line right before it (kinds: ${Object.keys(KINDS).join(', ')}; docs/docs-check.md)`;
        }
        if (!b.problem && !KINDS[b.kind]!.includes(lang)) b.problem = `doc-check kind "${b.kind}" is for \`\`\`${KINDS[b.kind]!.map((l) => l || '(no language)').join(' / ')} blocks, not \`\`\`${lang || '(no language)'}`;
        blocks.push(b);
      } else if (child.type === 'html' && ANNOTATION.test((child.value ?? '').split('\n')[0] ?? '') && !(kids[i + 1]?.type === 'code' && kids[i + 1]!.position!.start.line === child.position!.end.line + 1)) {
        blocks.push({ file, line: child.position!.start.line, lang: '', code: '', kind: '', args: [], hidden: undefined, id: ids.n++, problem: 'a doc-check comment must stand on the line right before a code block' });
      }
      walk(child);
    });
  };
  walk(tree);
  return blocks;
}

const ids = { n: 0 };
const BLOCKS = DOC_FILES.flatMap((f) => extract(f, ids));
const title = (b: Block) => `${b.file}:${b.line} ${b.kind || '(unclassified)'}${b.args.length ? ` ${b.args.join(' ')}` : ''}`;
const ofKind = (...kinds: string[]) => BLOCKS.filter((b) => kinds.includes(b.kind) && !b.problem);

/** The annotation's code with the block put in (at its `{{block}}` line, else after it). */
function withHidden(b: Block): { text: string; blockStart: number } {
  const hidden = b.hidden ?? '';
  const lines = hidden.split('\n');
  const at = lines.findIndex((l) => l.trim() === '{{block}}');
  if (at < 0) return { text: hidden ? `${hidden}\n${b.code}` : b.code, blockStart: hidden ? lines.length : 0 };
  return { text: [...lines.slice(0, at), b.code, ...lines.slice(at + 1)].join('\n'), blockStart: at };
}

// ---------------------------------------------------------------------------
// The sandbox: a folder laid out like a user's project (the package installed
// as node_modules/jackwasm, the repository's build/, examples/ and dsp-asm/),
// where snippets are written and run.

let sandbox = '';
let cache = '';
let server: Server;
/** Exported names of the package root. */
const EXPORTS = exportedNames();

function exportedNames(): string[] {
  const sf = ts.createSourceFile('index.ts', readFileSync(join(root, 'host', 'index.ts'), 'utf8'), ts.ScriptTarget.ES2022);
  const names: string[] = [];
  for (const s of sf.statements) {
    if (ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause)) for (const e of s.exportClause.elements) names.push(e.name.text);
  }
  return names;
}

function makeSandbox(): void {
  sandbox = mkdtempSync(join(tmpdir(), 'jw-docs-'));
  cache = join(sandbox, '.cache');
  mkdirSync(join(sandbox, 'node_modules'));
  symlinkSync(root, join(sandbox, 'node_modules', 'jackwasm'));
  for (const d of ['build', 'examples', 'dsp-asm']) symlinkSync(join(root, d), join(sandbox, d));
  writeFileSync(join(sandbox, 'package.json'), JSON.stringify({ name: 'docs-sandbox', private: true, type: 'module' }));
  mkdirSync(join(sandbox, 'doc', 'asc'), { recursive: true });
}

// ---------------------------------------------------------------------------
// TypeScript: programs, fragments and declarations, typechecked as one program

/** Options for doc code: strict, as a user's project (no noUnusedLocals, no noUncheckedIndexedAccess). */
const TS_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
  types: ['node'],
  typeRoots: [join(root, 'node_modules', '@types')],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowJs: true,
  checkJs: true,
};

interface Generated {
  path: string;
  text: string;
  /** Line (0-based) in `text` of the block's first line. */
  offset: number;
  /** Declaration checks: generated line (0-based) -> what it checks. */
  checks: Map<number, DeclCheck>;
  /** Problems found while generating (a statement that is no declaration...). */
  problems: string[];
}

interface DeclCheck {
  what: string;
  docText: string;
  real: { name: string; member?: string; isStatic?: boolean };
}

const generated = new Map<number, Generated>();
/** Diagnostics of each block's generated file, as messages. */
const tsErrors = new Map<number, string[]>();

/** A fragment's prelude: every export of the package, and a server and an active client. */
function fragmentSource(b: Block): Generated {
  const { text, blockStart } = withHidden(b);
  const imported = new Set<string>();
  const sf = ts.createSourceFile('f.ts', text, ts.ScriptTarget.ES2022);
  for (const s of sf.statements) {
    if (ts.isImportDeclaration(s) && s.importClause?.namedBindings && ts.isNamedImports(s.importClause.namedBindings)) {
      for (const e of s.importClause.namedBindings.elements) imported.add(e.name.text);
    }
  }
  const prelude = [
    `import { ${EXPORTS.filter((n) => !imported.has(n)).join(', ')} } from 'jackwasm';`,
    `await using server = await ensureServer();`,
    `await using client = await Client.open('doc-${process.pid}-${b.id}', { serverName: server.name });`,
    `client.activate();`,
  ];
  return { path: join(sandbox, 'doc', `block-${b.id}.ts`), text: `${prelude.join('\n')}\n${text}\n`, offset: prelude.length + blockStart, checks: new Map(), problems: [] };
}

function programSource(b: Block): Generated {
  const { text, blockStart } = withHidden(b);
  return { path: join(sandbox, 'doc', `block-${b.id}.${b.lang === 'js' ? 'mjs' : 'ts'}`), text: `${text}\n`, offset: blockStart, checks: new Map(), problems: [] };
}

/**
 * A declaration listing as a file of assertions: each declaration is renamed
 * (`__doc_X`) and compared with the export `X`, member by member, with an
 * exact type equality (optional and readonly included).
 */
function declareSource(b: Block): Generated {
  const header = [
    `import { ${EXPORTS.join(', ')} } from 'jackwasm';`,
    `import { EventEmitter } from 'node:events';`,
    `import { Readable, Writable } from 'node:stream';`,
    `type __Eq<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;`,
    `declare function __same<A, B>(ok: __Eq<A, B>): void;`,
    `declare function __extends<A, B>(ok: A extends B ? true : false): void;`,
    `export {};`,
  ];
  // `declare NAME`: the block lists members of the exported class NAME.
  const owner = b.args[0];
  const code = owner ? `class ${owner} {\n${b.code}\n}` : b.code;
  const firstLine = owner ? b.line : b.line + 1;
  const sf = ts.createSourceFile('d.ts', code, ts.ScriptTarget.ES2022, true);
  // A listing that does not parse: its syntax errors only.
  const syntax = (sf as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
  if (syntax.length) {
    const problems = syntax.map((d) => `${b.file}:${sf.getLineAndCharacterOfPosition(d.start ?? 0).line + firstLine}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')} (a listing is TypeScript declarations: docs/docs-check.md)`);
    return { path: join(sandbox, 'doc', `block-${b.id}.ts`), text: 'export {};\n', offset: 0, checks: new Map(), problems };
  }
  const edits: { pos: number; end: number; text: string }[] = [];
  const assertions: { text: string; check: DeclCheck }[] = [];
  const problems: string[] = [];
  const docName = (n: string) => `__doc_${n}`;
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + firstLine;
  const exported = new Set(EXPORTS);
  const seenFunctions = new Set<string>();
  const rename = (id: ts.Identifier) => edits.push({ pos: id.getStart(sf), end: id.end, text: docName(id.text) });
  const declareKeyword = (s: ts.Statement) => {
    if (!(ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword))) edits.push({ pos: s.getStart(sf), end: s.getStart(sf), text: 'declare ' });
  };
  const keyOf = (name: ts.PropertyName): string | undefined => {
    if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return JSON.stringify(name.text);
    if (ts.isComputedPropertyName(name) && ts.isPropertyAccessExpression(name.expression)) return `typeof ${name.expression.getText(sf)}`;
    return undefined;
  };
  const memberName = (name: ts.PropertyName) => (ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : name.getText(sf));
  const add = (what: string, node: ts.Node, text: string, real: DeclCheck['real']) => assertions.push({ text, check: { what, docText: node.getText(sf).replace(/\s+/g, ' '), real } });

  for (const s of sf.statements) {
    const named = (ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isFunctionDeclaration(s)) && s.name ? s.name.text : undefined;
    if (named !== undefined && !exported.has(named)) {
      problems.push(`line ${lineOf(s)}: ${named} is not exported from 'jackwasm'`);
      continue;
    }
    if (ts.isClassDeclaration(s) && s.name) {
      const n = s.name.text;
      rename(s.name);
      declareKeyword(s);
      // The class is compared member by member; its heritage as assertions.
      for (const h of s.heritageClauses ?? []) {
        edits.push({ pos: h.getStart(sf), end: h.end, text: '' });
        for (const t of h.types) add(`${n} ${h.token === ts.SyntaxKind.ExtendsKeyword ? 'extends' : 'implements'} ${t.getText(sf)}`, t, `__extends<${n}, ${t.getText(sf)}>(true);`, { name: n });
      }
      // `this` in the listing is the class itself.
      const thisTypes = (node: ts.Node) => {
        if (node.kind === ts.SyntaxKind.ThisType) edits.push({ pos: node.getStart(sf), end: node.end, text: n });
        ts.forEachChild(node, thisTypes);
      };
      s.members.forEach(thisTypes);
      const done = new Set<string>();
      for (const m of s.members) {
        if (ts.isConstructorDeclaration(m)) {
          // Each listed constructor is one the class has (it may have more, e.g. @internal ones).
          const params = m.parameters.map((p) => p.getText(sf)).join(', ');
          add(`new ${n}(${params})`, m, `__extends<typeof ${n}, new (${params}) => ${n}>(true);`, { name: n, member: 'constructor', isStatic: true });
        } else if (ts.isIndexSignatureDeclaration(m)) {
          add(`${n}[index]`, m, `__same<${docName(n)}[number], ${n}[number]>(true);`, { name: n });
        } else if (m.name) {
          const key = keyOf(m.name);
          if (!key) {
            problems.push(`line ${lineOf(m)}: member ${m.name.getText(sf)} of ${n} cannot be checked`);
            continue;
          }
          const isStatic = (ts.canHaveModifiers(m) && ts.getModifiers(m)?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword)) ?? false;
          if (done.has(`${isStatic}${key}`)) continue; // overloads and get/set pairs: one check of the whole member
          done.add(`${isStatic}${key}`);
          const side = (c: string) => (isStatic ? `typeof ${c}` : c);
          add(`${n}${isStatic ? '.' : '#'}${memberName(m.name)}`, m, `__same<Pick<${side(docName(n))}, ${key}>, Pick<${side(n)}, ${key}>>(true);`, { name: n, member: memberName(m.name), isStatic });
        } else {
          problems.push(`line ${lineOf(m)}: ${m.getText(sf)} cannot be checked`);
        }
      }
    } else if (ts.isInterfaceDeclaration(s)) {
      const n = s.name.text;
      rename(s.name);
      add(`interface ${n} (its members: every public one, none more)`, s.name, `/* keys */`, { name: n, member: '*' });
      for (const m of s.members) {
        if (m.name) {
          const key = keyOf(m.name);
          if (key) add(`${n}.${memberName(m.name)}`, m, `__same<Pick<${docName(n)}, ${key}>, Pick<${n}, ${key}>>(true);`, { name: n, member: memberName(m.name) });
        }
      }
    } else if (ts.isTypeAliasDeclaration(s)) {
      const n = s.name.text;
      rename(s.name);
      add(`type ${n}`, s, `__same<${docName(n)}${s.typeParameters ? `<${s.typeParameters.map(() => 'any').join(', ')}>` : ''}, ${n}${s.typeParameters ? `<${s.typeParameters.map(() => 'any').join(', ')}>` : ''}>(true);`, { name: n });
    } else if (ts.isFunctionDeclaration(s) && s.name) {
      const n = s.name.text;
      rename(s.name);
      declareKeyword(s);
      if (!seenFunctions.has(n)) add(`function ${n}`, s, `__same<typeof ${docName(n)}, typeof ${n}>(true);`, { name: n });
      seenFunctions.add(n);
    } else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) continue;
        const n = d.name.text;
        if (!exported.has(n)) {
          problems.push(`line ${lineOf(s)}: ${n} is not exported from 'jackwasm'`);
          continue;
        }
        rename(d.name);
        add(`const ${n}`, d, `__same<typeof ${docName(n)}, typeof ${n}>(true);`, { name: n });
      }
      if (s.declarationList.declarations.some((d) => !d.initializer)) declareKeyword(s);
    } else {
      problems.push(`line ${lineOf(s)}: not a declaration (class, interface, type, function or const): ${s.getText(sf).slice(0, 60)}`);
    }
  }
  let text = code;
  for (const e of edits.sort((x, y) => y.pos - x.pos || y.end - x.end)) text = text.slice(0, e.pos) + e.text + text.slice(e.end);
  const lines = [...header, ...text.split('\n'), ''];
  const checks = new Map<number, DeclCheck>();
  for (const a of assertions) {
    checks.set(lines.length, a.check);
    lines.push(a.text);
  }
  return { path: join(sandbox, 'doc', `block-${b.id}.ts`), text: lines.join('\n') + '\n', offset: header.length + (owner ? 1 : 0), checks, problems };
}

/** Text of the real declaration(s) of a member, for messages. */
function realText(checker: ts.TypeChecker, file: ts.SourceFile, real: DeclCheck['real']): string {
  const sym = realSymbol(checker, file, real.name);
  if (!sym) return '(not exported)';
  if (!real.member) return sym.declarations?.map((d) => d.getText().replace(/\s+/g, ' ').slice(0, 400)).join(' | ') ?? '?';
  const type = real.isStatic ? checker.getTypeOfSymbol(sym) : checker.getDeclaredTypeOfSymbol(sym);
  if (real.member === 'constructor') return type.getConstructSignatures().map((s) => checker.signatureToString(s)).join(' | ');
  const prop = type.getProperties().find((p) => p.name === real.member || p.name.includes(`@${real.member?.replace(/^\[Symbol\.|\]$/g, '')}`));
  return prop?.declarations?.map((d) => d.getText().replace(/\s+/g, ' ')).join(' | ') ?? `(${real.name} has no member ${real.member})`;
}

function realSymbol(checker: ts.TypeChecker, file: ts.SourceFile, name: string): ts.Symbol | undefined {
  const imp = file.statements.find((s): s is ts.ImportDeclaration => ts.isImportDeclaration(s));
  const spec = imp?.importClause?.namedBindings && ts.isNamedImports(imp.importClause.namedBindings) ? imp.importClause.namedBindings.elements.find((e) => e.name.text === name) : undefined;
  if (!spec) return undefined;
  const s = checker.getSymbolAtLocation(spec.name);
  return s && s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
}

/** Whether a property's declaration is tagged @internal. */
function isInternal(p: ts.Symbol): boolean {
  return p.declarations?.some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === 'internal')) ?? false;
}

function typecheckAll(): void {
  const blocks = ofKind('program', 'fragment', 'declare', 'netjack2').filter((b) => b.kind !== 'netjack2' || b.lang === 'js');
  for (const b of blocks) {
    const g = b.kind === 'fragment' ? fragmentSource(b) : b.kind === 'declare' ? declareSource(b) : programSource(b);
    generated.set(b.id, g);
    writeFileSync(g.path, g.text);
  }
  const final = ts.createProgram([...generated.values()].map((g) => g.path), TS_OPTIONS);
  const finalChecker = final.getTypeChecker();
  for (const b of blocks) {
    const g = generated.get(b.id)!;
    const file = final.getSourceFile(g.path)!;
    const messages = [...g.problems];
    // Code that does not parse: its syntax errors only.
    const syntactic = final.getSyntacticDiagnostics(file);
    for (const d of syntactic.length ? syntactic : ts.getPreEmitDiagnostics(final, file)) {
      const { line } = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: -1 };
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
      const check = g.checks.get(line);
      if (check) messages.push(`${check.what}: the docs say\n    ${check.docText}\n  the code has\n    ${realText(finalChecker, file, check.real)}\n  (${text.split('\n')[0]})`);
      else if (line >= g.offset && line < g.offset + b.code.split('\n').length) messages.push(`${b.file}:${b.line + 1 + line - g.offset}: ${text}`);
      else messages.push(`${relative(sandbox, g.path)}:${line + 1} (generated around the block): ${text}`);
    }
    // Interfaces: the listing names every public member (less those the package marks @internal).
    if (b.kind === 'declare') {
      for (const c of g.checks.values()) {
        if (c.real.member !== '*') continue;
        const sym = realSymbol(finalChecker, file, c.real.name);
        const docDecl = file.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === `__doc_${c.real.name}`);
        const docSym = docDecl && finalChecker.getSymbolAtLocation(docDecl.name);
        if (!sym || !docSym) continue;
        const real = finalChecker.getDeclaredTypeOfSymbol(sym).getProperties().filter((p) => !isInternal(p)).map((p) => p.name);
        const doc = finalChecker.getDeclaredTypeOfSymbol(docSym).getProperties().map((p) => p.name);
        const missing = real.filter((p) => !doc.includes(p));
        const extra = doc.filter((p) => !real.includes(p));
        if (missing.length || extra.length) messages.push(`interface ${c.real.name}: ${missing.length ? `the docs leave out ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `the code has no ${extra.join(', ')}` : ''}`);
      }
    }
    tsErrors.set(b.id, messages);
  }
}

// ---------------------------------------------------------------------------
// Running things

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

const children = new Set<ChildProcess>();

function start(cmd: string, args: string[], env: Record<string, string>): { proc: ChildProcess; out: string[]; err: string[]; exited: Promise<Ran> } {
  const proc = spawn(cmd, args, { cwd: sandbox, env: { ...process.env, JACKWASM_CACHE: cache, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(proc);
  const out: string[] = [];
  const err: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => err.push(d.toString()));
  // 'close': the process has exited and its output is all read.
  const exited = new Promise<Ran>((resolve) =>
    proc.on('close', (code, signal) => {
      children.delete(proc);
      resolve({ code, signal, out: out.join(''), err: err.join('') });
    }),
  );
  return { proc, out, err, exited };
}

async function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<Ran> {
  const c = start(cmd, args, env);
  c.proc.stdin!.end();
  const timer = setTimeout(() => {
    const stacks = threadStacks(c.proc.pid);
    c.proc.kill('SIGKILL');
    c.err.push(`\n[docs check: still running after ${timeoutMs} ms; killed]\n${stacks ? `its threads were at:\n${stacks}\n` : ''}`);
  }, timeoutMs);
  const r = await c.exited;
  clearTimeout(timer);
  return r;
}

const described = (r: Ran) => `exit ${r.code ?? r.signal}\n--- stdout\n${r.out.slice(-4000)}\n--- stderr\n${r.err.slice(-4000)}`;

// ---------------------------------------------------------------------------
// Shell lines

/** Words of a command line; the `# comment` apart. Shell syntax beyond words is refused. */
function commandLine(line: string): { words: string[]; comment: string } {
  const hash = line.search(/(^|\s)#/);
  const cmd = hash < 0 ? line : line.slice(0, hash);
  const comment = hash < 0 ? '' : line.slice(hash).replace(/^\s*#\s*/, '');
  if (/[|;&<>$`\\"'(){}*?]/.test(cmd)) throw new Error(`"${cmd.trim()}" is not one plain command: shell syntax (| ; & < > $ quotes globs) is not checked; write one command per line`);
  return { words: cmd.trim().split(/\s+/).filter(Boolean), comment };
}

/**
 * The options `jackwasm --help` lists for each command (with those for
 * every command), so a documented option on a command that does not take
 * it fails too (the CLI itself only refuses options no command knows).
 */
function helpOptions(): Map<string, Set<string>> {
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout;
  const [commands = '', global = ''] = help.split(/^Options for every command:$/m);
  const opts = (text: string) => new Set([...text.matchAll(/--[a-z][\w-]*/g)].map((m) => m[0]));
  const everyCommand = opts(global);
  const usage = new Map<string, string>();
  let current = '';
  for (const line of (commands.split(/^Commands:$/m)[1] ?? '').split('\n')) {
    if (/^ {20,}/.test(line)) continue; // a description's continuation
    const m = /^ {2}([a-z]+)\b/.exec(line);
    if (m) current = m[1]!;
    if (current) usage.set(current, `${usage.get(current) ?? ''} ${line.trim().replace(/\s{2,}[A-Z].*$/, '')}`);
  }
  const result = new Map<string, Set<string>>();
  for (const [cmd, text] of usage) {
    const inherited = /\[(\w+)'s options\]/.exec(text)?.[1];
    result.set(cmd, new Set([...opts(text), ...opts(inherited ? (usage.get(inherited) ?? '') : ''), ...everyCommand]));
  }
  return result;
}
let HELP_OPTIONS: Map<string, Set<string>> | undefined;

function checkOptions(raw: string, sub: string, args: string[]): void {
  HELP_OPTIONS ??= helpOptions();
  const known = HELP_OPTIONS.get(sub);
  if (!known) throw new Error(`"${raw.trim()}": jackwasm --help lists no command "${sub}"`);
  for (const a of args) {
    const opt = /^--[^=]+/.exec(a)?.[0];
    if (opt && !known.has(opt)) throw new Error(`"${raw.trim()}": jackwasm --help lists no option ${opt} for "${sub}" (it lists ${[...known].join(' ')})`);
  }
}

/** What a CLI command that runs until Ctrl-C prints once it is under way. */
const READY: Record<string, RegExp> = {
  server: /^JACK server ".*" running/m,
  run: /^running "/m,
  dev: /^running "/m,
  play: /^playing /m,
  record: /^recording /m,
};

async function checkShell(b: Block): Promise<void> {
  // Each block runs as on a machine with no server running: a `jackwasm
  // server` line starts the default one, which later lines use.
  const env = { JACK_DEFAULT_SERVER: `${serverPrefix()}docsh-${process.pid}-${b.id}` };
  const background: { line: string; c: ReturnType<typeof start> }[] = [];
  const lines = withHidden(b).text.split('\n');
  const t00 = performance.now();
  try {
    for (const raw of lines) {
      if (!raw.trim() || raw.trim().startsWith('#')) continue;
      const { words, comment } = commandLine(raw);
      const [prog, ...args] = words;
      if (prog === 'npx' && args[0] === 'jackwasm') args.shift();
      else if (prog === 'npm') {
        checkNpm(raw, args);
        continue;
      } else if (prog !== 'jackwasm') throw new Error(`"${raw.trim()}": the check knows npx jackwasm, jackwasm and npm commands only`);
      const sub = args.find((a) => !a.startsWith('-')) ?? '';
      checkOptions(raw, sub, args);
      if (process.env.JW_DOCS_VERBOSE) console.log(`${((performance.now() - t00) / 1000).toFixed(1)} s: ${raw.trim()}`);
      if (/until Ctrl-C/i.test(comment)) {
        // Runs until Ctrl-C: started here (another terminal), stopped with SIGINT after the block's last line.
        const ready = READY[sub];
        if (!ready) throw new Error(`"${raw.trim()}": the check does not know when "jackwasm ${sub}" is under way`);
        const c = start(process.execPath, [cli, ...args], env);
        background.push({ line: raw.trim(), c });
        const t0 = Date.now();
        while (!ready.test(c.out.join(''))) {
          if (c.proc.exitCode !== null || c.proc.signalCode !== null || Date.now() - t0 > 60000) {
            throw new Error(`"${raw.trim()}" (runs until Ctrl-C) ${Date.now() - t0 > 60000 ? 'did not get under way in 60 s' : 'ended by itself'}:\n${described(await Promise.race([c.exited, new Promise<Ran>((r) => setTimeout(() => r({ code: null, signal: null, out: c.out.join(''), err: c.err.join('') }), 100))]))}`);
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      } else {
        const r = await run(process.execPath, [cli, ...args], env, 150000);
        if (r.code !== 0) throw new Error(`"${raw.trim()}" failed: ${described(r)}`);
        if (args.includes('--json')) {
          try {
            JSON.parse(r.out);
          } catch {
            throw new Error(`"${raw.trim()}": --json printed no JSON:\n${r.out}`);
          }
        }
      }
    }
    // Ctrl-C, the last started first (the server last).
    for (const { line, c } of background.reverse()) {
      if (c.proc.exitCode !== null || c.proc.signalCode !== null) throw new Error(`"${line}" (runs until Ctrl-C) ended by itself: ${described(await c.exited)}`);
      c.proc.kill('SIGINT');
      const timer = setTimeout(() => c.proc.kill('SIGKILL'), 20000);
      const r = await c.exited;
      clearTimeout(timer);
      if (r.code !== 0) throw new Error(`"${line}" did not end cleanly on Ctrl-C: ${described(r)}`);
    }
  } finally {
    for (const { c } of background) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await Promise.all(background.map(({ c }) => c.exited));
  }
}

/** npm lines are not run (they install or run the whole suite): what they name must exist. */
function checkNpm(raw: string, args: string[]): void {
  const [verb, ...rest] = args;
  const names = rest.filter((a) => !a.startsWith('-'));
  if (verb === 'test' || verb === 'start') {
    if (!pkg.scripts[verb]) throw new Error(`"${raw.trim()}": package.json has no "${verb}" script`);
  } else if (verb === 'run' || verb === 'run-script') {
    if (!names[0] || !pkg.scripts[names[0]]) throw new Error(`"${raw.trim()}": package.json has no "${names[0]}" script (it has ${Object.keys(pkg.scripts).join(', ')})`);
  } else if (verb === 'install' || verb === 'i' || verb === 'rebuild') {
    if (names.length === 0 || names.some((n) => n.replace(/@[^@/]*$/, '') !== pkg.name)) throw new Error(`"${raw.trim()}": the package is called "${pkg.name}"`);
  } else {
    throw new Error(`"${raw.trim()}": the check knows npm test, npm run, npm install and npm rebuild`);
  }
}

// ---------------------------------------------------------------------------
// AssemblyScript modules

/** `asc` and `faust`: the module compiled (AssemblyScript from doc/asc/, a Faust program from doc/faust/) and rendered offline. */
async function checkModule(b: Block): Promise<void> {
  const dir = join(sandbox, 'doc', b.kind);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `block-${b.id}.${b.kind === 'faust' ? 'dsp' : 'ts'}`);
  writeFileSync(path, withHidden(b).text);
  const compiled = await toCompiled(path);
  const exports = compiled.iface.exports;
  const sampleRate = 48000;
  const sine = Float32Array.from({ length: sampleRate / 2 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / sampleRate));
  const midi = exports.has('jw_midi') ? [{ frame: 0, bytes: [0x90, 60, 100] }, { frame: 12000, bytes: [0x80, 60, 0] }] : undefined;
  const out = await render(compiled, { sampleRate, seconds: 0.5, inputs: [sine, sine], ...(midi ? { midi } : {}) });
  for (const [ch, x] of out.entries()) {
    const bad = x.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`output ${ch} is ${x[bad]} at frame ${bad}`);
  }
}

// ---------------------------------------------------------------------------
// netjack2 setups (docs/scale-out.md): they span machines, so the commands are
// checked against the tools' own option lists and the scripts typechecked;
// test/scale-out.netjack2.test.ts runs the same setup on the loopback interface.

function helpOf(args: string[]): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 10000, env: { ...process.env, JACK_NO_START_SERVER: '1' } });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

function checkNetjack(b: Block): void {
  if (b.lang === 'js') {
    const errs = tsErrors.get(b.id) ?? [];
    expect(errs, `typecheck:\n${errs.join('\n')}`).toEqual([]);
    return;
  }
  for (const raw of b.code.split('\n')) {
    const cmd = raw.replace(/#.*$/, '').replace(/&\s*$/, '').trim();
    if (!cmd) continue;
    const words = cmd.split(/\s+/);
    const [prog, ...args] = words;
    const options = (list: string[]) => list.filter((w) => /^-{1,2}[A-Za-z]/.test(w));
    if (prog === 'jackd') {
      const d = args.indexOf('-d');
      const driver = args[d + 1];
      expect(d, `${raw}: jackd without -d DRIVER`).toBeGreaterThanOrEqual(0);
      const serverHelp = helpOf(['jackd', '--help']);
      for (const o of options(args.slice(0, d))) expect(serverHelp, `${raw}: jackd has no option ${o}`).toMatch(new RegExp(`(^|\\s)${o}[ ,]`, 'm'));
      const driverHelp = helpOf(['jackd', '-d', driver!, '--help']);
      for (const o of options(args.slice(d + 2))) expect(driverHelp, `${raw}: jackd -d ${driver} has no option ${o}`).toMatch(new RegExp(`(^|\\s)${o}[ ,]`, 'm'));
    } else if (prog === 'jack_load') {
      const help = helpOf(['jack_load', '--help']);
      for (const o of options(args)) expect(help, `${raw}: jack_load has no option ${o}`).toContain(o);
    } else if (prog === 'node') {
      const script = readFileSync(join(root, args[0]!), 'utf8');
      for (const o of options(args.slice(1))) expect(script, `${raw}: ${args[0]} takes no ${o}`).toContain(`${o.replace(/^--/, '')}: {`);
    } else {
      throw new Error(`"${raw.trim()}": a netjack2 block checks jackd, jack_load and node lines only`);
    }
  }
}

// ---------------------------------------------------------------------------
// The rest

function checkDescribe(b: Block): void {
  const [module] = b.args;
  if (!module) throw new Error('jw-describe needs the module: <!-- doc-check: jw-describe build/examples/NAME.wasm -->');
  const doc = JSON.parse(b.code) as unknown;
  const wasm = new Uint8Array(readFileSync(join(root, module)));
  const { describe: actual } = renderV8(wasm, { sampleRate: 48000, blockSize: 128, frames: 128 });
  expect(doc, `the jw_describe document of ${module}`).toEqual(actual);
}

/** `formula bbtAt`: the lines `name = expression` (× − floor trunc) give what bbtAt returns. */
function checkFormula(b: Block): void {
  if (b.args[0] !== 'bbtAt') throw new Error(`formula: unknown function "${b.args[0]}" (known: bbtAt)`);
  const steps = b.code
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const m = /^\s*(\w+)\s*=\s*(.+)$/.exec(l);
      if (!m) throw new Error(`not "name = expression": ${l}`);
      return `const ${m[1]} = ${m[2]!.replace(/×/g, '*').replace(/−/g, '-').replace(/\b(floor|trunc)\(/g, 'Math.$1(')};`;
    });
  const f = new Function('frame', 'bpm', 'ticksPerBeat', 'frameRate', 'beatsPerBar', `${steps.join('\n')}\nreturn { bar, beat, tick, tickDouble, barStartTick };`);
  for (const frameRate of [44100, 48000])
    for (const bpm of [60, 97.5, 120, 174])
      for (const beatsPerBar of [3, 4, 7])
        for (const frame of [0, 1, 255, 22050, 48000, 123456, 1e7, 4294967295]) {
          const s = { bpm, beatsPerBar, beatType: 4, ticksPerBeat: 1920 };
          expect(f(frame, bpm, s.ticksPerBeat, frameRate, beatsPerBar), `frame ${frame}, ${frameRate} Hz, ${bpm} bpm, ${beatsPerBar}/4`).toEqual(bbtAt(frame, frameRate, s));
        }
}

// ---------------------------------------------------------------------------

/**
 * Compiles every module the blocks name (build/examples/*.wasm,
 * examples/dsp/*.ts, examples/faust/*.dsp) into the shared cache first. Rationale: the blocks run
 * in parallel processes, which would otherwise each compile the same module
 * on a cold cache at once.
 */
async function warmCache(): Promise<void> {
  process.env.JACKWASM_CACHE = cache;
  const paths = new Set<string>();
  for (const b of BLOCKS) for (const m of `${b.hidden ?? ''}\n${b.code}`.matchAll(/\b(build\/examples\/[\w-]+\.wasm|examples\/dsp\/[\w-]+\.ts|examples\/faust\/[\w-]+\.dsp)\b/g)) paths.add(m[1]!);
  const list = [...paths];
  // Sources first, one at a time (one compiler worker); the C compiles two at a time.
  const sources = list.filter((p) => p.endsWith('.ts') || p.endsWith('.dsp'));
  const wasms = list.filter((p) => p.endsWith('.wasm'));
  const work = [...sources.map((p) => () => toCompiled(join(sandbox, p))), ...wasms.map((p) => () => toCompiled(join(sandbox, p)))];
  const lanes = [0, 1].map(async () => {
    for (let job = work.shift(); job; job = work.shift()) await job();
  });
  await Promise.all(lanes);
}

/** At most `n` heavy blocks (processes, compiles) at once: 2 cores. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
const heavy = limiter(3);

beforeAll(async () => {
  makeSandbox();
  server = await startServer('docs');
  typecheckAll();
  await warmCache();
}, 180000);

afterAll(async () => {
  delete process.env.JACKWASM_CACHE;
  for (const c of children) c.kill('SIGKILL');
  await server?.stop();
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

describe.concurrent('code blocks of README.md and docs/*.md', () => {
  it('finds the blocks of every file', () => {
    expect(DOC_FILES).toContain('docs/api.md');
    expect(BLOCKS.length).toBeGreaterThan(50);
  });

  for (const b of BLOCKS) {
    it(title(b), { timeout: 400000 }, async ({ expect }) => {
      if (b.problem) throw new Error(b.problem);
      switch (b.kind) {
        case 'declare': {
          const errs = tsErrors.get(b.id) ?? [];
          expect(errs, errs.join('\n\n')).toEqual([]);
          return;
        }
        case 'program':
        case 'fragment': return heavy(async () => {
          const errs = tsErrors.get(b.id) ?? [];
          expect(errs, `typecheck:\n${errs.join('\n')}`).toEqual([]);
          const g = generated.get(b.id)!;
          let file = g.path;
          if (file.endsWith('.ts')) {
            file = file.replace(/\.ts$/, '.mjs');
            writeFileSync(file, ts.transpileModule(g.text, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText);
          }
          const r = await run(process.execPath, [file], { JACK_DEFAULT_SERVER: server.name }, 120000);
          expect(r.code, described(r)).toBe(0);
        });
        case 'asc':
        case 'faust':
          return heavy(() => checkModule(b));
        case 'netjack2':
          return checkNetjack(b);
        case 'shell':
          return heavy(() => checkShell(b));
        case 'jw-describe':
          return checkDescribe(b);
        case 'formula':
          return checkFormula(b);
        case 'prose':
          // Only for blocks with no language (diagrams, output): KINDS checked that.
          expect(b.code.trim()).not.toBe('');
          return;
        default:
          throw new Error(`no check for kind ${b.kind}`);
      }
    });
  }
});
