/**
 * The structural difference of two JSON values as a list of paths a person reads:
 * `nodes[load_sales].properties.sql`, `schedule.cron.expression`, `params[env]`. Key order never
 * counts. Arrays whose items all carry a distinct string `name` (nodes, params) are matched by
 * name, not by position; `properties`-style lists of `{name, value}` pairs read as `.name`. Other
 * arrays compare item by item. Numbers parsed exactly (JsonNumber) compare by decimal value,
 * strings in full.
 */
import { JsonNumber, numberKey } from '../archive/json-exact.js';

export interface Change {
  path: string;
  /** The old value (the workspace's), absent when the path is new. */
  from?: unknown;
  /** The new value (the archive's or the staged one), absent when the path is gone. */
  to?: unknown;
}

type Json = null | boolean | number | JsonNumber | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/** Leaf equality: exact numbers by value (never through a double), everything else strictly. */
function sameLeaf(a: unknown, b: unknown): boolean {
  if (a instanceof JsonNumber || b instanceof JsonNumber) {
    const numeric = (v: unknown): v is number | JsonNumber => typeof v === 'number' || v instanceof JsonNumber;
    return numeric(a) && numeric(b) && numberKey(a) === numberKey(b);
  }
  return a === b;
}

/** Items keyed by their `name`, when every item has a distinct string name. */
function byName(items: Json[]): Map<string, Json> | undefined {
  const map = new Map<string, Json>();
  for (const item of items) {
    if (!isObject(item) || typeof item.name !== 'string' || map.has(item.name)) return undefined;
    map.set(item.name, item);
  }
  return map;
}

/** `{name, value}` pairs only (node properties): compared as `.name` → value. */
function isPairList(items: Map<string, Json>): boolean {
  for (const item of items.values()) {
    if (!Object.keys(item as object).every((k) => k === 'name' || k === 'value')) return false;
  }
  return true;
}

function join(base: string, key: string): string {
  const plain = /^[A-Za-z_$][\w$-]*$/.test(key);
  if (base === '') return plain ? key : `[${JSON.stringify(key)}]`;
  return plain ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

export function diffJson(from: unknown, to: unknown, base = ''): Change[] {
  const out: Change[] = [];
  walk(from as Json, to as Json, base, out);
  return out;
}

function walk(a: Json | undefined, b: Json | undefined, path: string, out: Change[]): void {
  if (a === undefined && b === undefined) return;
  if (a === undefined) return void out.push({ path, to: b });
  if (b === undefined) return void out.push({ path, from: a });
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(a[k], b[k], join(path, k), out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const na = byName(a);
    const nb = byName(b);
    if (na && nb && (na.size > 0 || nb.size > 0)) {
      const pairs = isPairList(na) && isPairList(nb);
      const names = [...new Set([...na.keys(), ...nb.keys()])];
      for (const n of names) {
        const x = na.get(n) as Record<string, Json> | undefined;
        const y = nb.get(n) as Record<string, Json> | undefined;
        if (pairs) walk(x?.value ?? (x ? null : undefined), y?.value ?? (y ? null : undefined), join(path, n), out);
        else walk(x, y, `${path}[${n}]`, out);
      }
      return;
    }
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) walk(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (!sameLeaf(a, b)) out.push({ path, from: a, to: b });
}
