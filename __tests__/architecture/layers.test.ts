/**
 * The dependency graph of src/ is acyclic (static, type-only and dynamic imports alike), so layers
 * point one way: cli → commands → feature modules (export, import, backups, …) → api/archive/output
 * → context/errors. A cycle that comes back fails here with its path, between files and between
 * the top-level folders of src/ alike.
 */
import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync } from '@swc/core';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const SPECIFIER = /(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

const graphs = new Map<string, Map<string, string[]>>();

/** Each file's relative imports (read once per root: five checks below walk the same graph). */
export function importGraph(root: string): Map<string, string[]> {
  const cached = graphs.get(root);
  if (cached) return cached;
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const text = fs.readFileSync(file, 'utf8');
    const targets = new Set<string>();
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = (m[1] ?? m[2])!;
      targets.add(path.relative(root, path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'))));
    }
    graph.set(path.relative(root, file), [...targets].sort());
  }
  graphs.set(root, graph);
  return graph;
}

export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** The top-level folder of a path relative to src/ (a file directly in src/ is its own node). */
function topFolder(file: string): string {
  const [first, ...rest] = file.split('/');
  return rest.length > 0 ? first! : file;
}

/** Folder graph: folder → folder → one file-level import that makes the edge (for the message). */
export function folderGraph(files: Map<string, string[]>): Map<string, Map<string, string>> {
  const folders = new Map<string, Map<string, string>>();
  for (const [from, tos] of files) {
    const edges = folders.get(topFolder(from)) ?? new Map<string, string>();
    folders.set(topFolder(from), edges);
    for (const to of tos) {
      const target = topFolder(to);
      if (target !== topFolder(from) && !edges.has(target)) edges.set(target, `${from} → ${to}`);
    }
  }
  return folders;
}

/**
 * Every elementary cycle of a small graph, each once, written from its smallest node
 * (`a → b → a`). The folder graph has ~20 nodes, so plain enumeration is cheap, and unlike a
 * depth-first back-edge search it sees each cycle, which the exact allow-list below needs.
 */
export function elementaryCycles(graph: Map<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const nodes = [...graph.keys()].sort();
  for (const start of nodes) {
    const path = [start];
    const walk = (node: string) => {
      for (const next of graph.get(node) ?? []) {
        if (next === start) cycles.push([...path, start]);
        else if (next > start && !path.includes(next)) {
          path.push(next);
          walk(next);
          path.pop();
        }
      }
    };
    walk(start);
  }
  return cycles.sort((a, b) => a.join().localeCompare(b.join()));
}

describe('layers', () => {
  it('finds a cycle when there is one (the check can fail)', () => {
    const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(findCycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('src/ has no import cycle, type-only and dynamic imports included', () => {
    const graph = importGraph(SRC);
    expect(graph.size).toBeGreaterThan(50);
    expect(findCycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });

  it('finds every folder cycle, with a file import for each step', () => {
    const files = new Map([
      ['a/x.ts', ['b/y.ts']], ['b/y.ts', ['c/z.ts', 'a/w.ts']], ['c/z.ts', ['a/x.ts']], ['a/w.ts', []], ['errors.ts', []],
    ]);
    const folders = folderGraph(files);
    expect(folders.get('b')?.get('c')).toBe('b/y.ts → c/z.ts');
    expect(elementaryCycles(new Map([...folders].map(([k, v]) => [k, [...v.keys()]]))).map((c) => c.join(' → ')))
      .toEqual(['a → b → a', 'a → b → c → a']);
  });

  it('top-level folders of src/ import each other one way only (no folder cycle)', () => {
    const folders = folderGraph(importGraph(SRC));
    expect(folders.size).toBeGreaterThan(10);
    const describeCycle = (cycle: string[]) => ({
      cycle: cycle.join(' → '),
      via: cycle.slice(1).map((to, i) => folders.get(cycle[i]!)!.get(to)!),
    });
    const found = elementaryCycles(new Map([...folders].map(([k, v]) => [k, [...v.keys()]]))).map(describeCycle);
    expect(found).toEqual([]);
  });

  it('compare/ and import/ never import each other both ways (the shared rewrite lives in rewrite/)', () => {
    const folderOf = (file: string) => file.split('/')[0]!;
    const edges = new Set<string>();
    for (const [from, tos] of importGraph(SRC)) for (const to of tos) if (folderOf(from) !== folderOf(to)) edges.add(`${folderOf(from)} → ${folderOf(to)}`);
    expect(edges.has('compare → import') && edges.has('import → compare')).toBe(false);
    expect(edges.has('compare → import')).toBe(false);
  });

  it('only the CLI layer imports the CLI layer (commander wiring stays in src/cli/)', () => {
    const upward = [...importGraph(SRC)].flatMap(([from, tos]) =>
      from.startsWith('cli/') ? [] : tos.filter((to) => to.startsWith('cli/')).map((to) => `${from} → ${to}`));
    expect(upward).toEqual([]);
  });

  it('the emulator is a second reading of the reference: it imports nothing of the client (api, import, export, compare)', () => {
    // Shared pure helpers (src/archive, src/util, src/auth signing primitives, src/output) may
    // stay shared; the client's readings of the service may not, or both sides agree by construction.
    const clientFolders = ['api/', 'import/', 'export/', 'compare/'];
    const crossing = [...importGraph(SRC)].flatMap(([from, tos]) =>
      from.startsWith('emulator/') ? tos.filter((to) => clientFolders.some((f) => to.startsWith(f))).map((to) => `${from} → ${to}`) : []);
    expect(crossing).toEqual([]);
  });

  it('every runner in src/commands/ stays under 200 lines (the steps live in their modules)', () => {
    const dir = path.join(SRC, 'commands');
    const long = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))
      .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 200);
    expect(long).toEqual([]);
  });

  it('no function in src/ takes more than 4 positional parameters (an options object instead)', () => {
    // swc's parser (native) instead of TypeScript's: the same 254 functions over 2 parameters were
    // found by both, and loading and running typescript in jest's vm cost this file 3 CPU-seconds.
    const long: string[] = [];
    for (const file of sourceFiles(SRC)) {
      // The leading `;` is the module's first token, so spans count from the file's first byte
      // (swc's positions are global to the process; comments before the first token shift them).
      const text = `;${fs.readFileSync(file, 'utf8')}`;
      const ast = parseSync(text, { syntax: 'typescript' });
      const bytes = Buffer.from(text);
      const visit = (node: unknown): void => {
        if (Array.isArray(node)) { for (const n of node) visit(n); return; }
        if (node === null || typeof node !== 'object') return;
        const n = node as { type?: string; params?: unknown[]; span?: { start: number } };
        // Every function-like node (declarations, expressions, arrows, methods, constructors,
        // signatures, function types) has `params`; type parameter lists do too, and are not functions.
        if (Array.isArray(n.params) && !TYPE_PARAMETER_LISTS.has(n.type ?? '') && n.params.length > 4) {
          const line = bytes.subarray(0, n.span!.start - ast.span.start).toString('utf8').split('\n').length;
          long.push(`${path.relative(SRC, file)}:${line} (${n.params.length} parameters)`);
        }
        for (const [key, value] of Object.entries(n)) if (key !== 'span') visit(value);
      };
      visit(ast);
    }
    expect(long).toEqual([]);
  });
});

const TYPE_PARAMETER_LISTS = new Set(['TsTypeParameterInstantiation', 'TsTypeParameterDeclaration']);
