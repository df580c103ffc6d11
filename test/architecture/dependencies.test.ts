import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';

/**
 * The dependency rules of docs/architecture.md, read from the import statements of src/ (type
 * imports included: a type cycle is still a design cycle). Each part of src/ may import only
 * the parts listed for it; no file imports itself back through others; the parts below HTTP
 * never import the web framework or the database drivers.
 */

const SRC = 'src';

/** Part of src/ → the parts it may import. Files directly under src/ (composition root) may import anything. */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  config: ['core'],
  crypto: ['core'],
  schemas: ['core'],
  'credential-configurations': ['core'],
  store: ['core'],
  'session-log': ['core', 'store'],
  formats: ['core', 'credential-configurations', 'crypto'],
  protocol: ['config', 'core', 'credential-configurations', 'crypto', 'formats', 'schemas', 'session-log', 'store'],
  inspector: ['core', 'credential-configurations', 'crypto', 'formats', 'protocol'],
  'self-check': ['core', 'credential-configurations', 'crypto', 'formats', 'inspector', 'protocol', 'session-log', 'store'],
  'test-plans': ['core', 'credential-configurations', 'crypto', 'protocol', 'schemas', 'session-log', 'store'],
  wallet: ['core', 'crypto', 'formats', 'protocol'],
  'check-issuer': ['core', 'crypto', 'formats', 'inspector', 'protocol'],
  dashboard: ['config', 'core', 'crypto', 'inspector', 'protocol', 'schemas', 'session-log', 'store', 'test-plans'],
  http: ['config', 'core', 'credential-configurations', 'crypto', 'dashboard', 'inspector', 'protocol', 'schemas', 'self-check', 'session-log', 'store', 'tenants', 'test-plans', 'wallet'],
  tenants: ['config', 'core', 'credential-configurations', 'http', 'store'],
  cli: ['config', 'core', 'crypto', 'store'],
};

/** Packages only the HTTP wiring and the store may use (@fastify/proxy-addr is an address matcher, for TRUST_PROXY). */
const FRAMEWORK = /^(fastify|@fastify\/(?!proxy-addr$)|kysely|pg|better-sqlite3|light-my-request)/;
const FRAMEWORK_FREE = ['core', 'config', 'crypto', 'schemas', 'credential-configurations', 'formats', 'protocol', 'inspector', 'self-check', 'session-log', 'test-plans', 'wallet', 'check-issuer'];

interface Import {
  from: string;
  to: string;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function partOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0] : '(root)';
}

// import/export ... from '...', import('...') in type positions, and bare side-effect imports.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

function imports(files: string[]): { local: Import[]; packages: Import[] } {
  const local: Import[] = [];
  const packages: Import[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1];
      if (spec.startsWith('.')) local.push({ from: file, to: normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts') });
      else if (!spec.startsWith('node:')) packages.push({ from: file, to: spec });
    }
  }
  return { local, packages };
}

function cycles(edges: Import[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const e of edges) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
  // Tarjan's strongly connected components: any component of two or more files is a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

describe('architecture: dependency rules of src/', () => {
  const files = sources(SRC);
  const { local, packages } = imports(files);

  it('reads the imports it judges (the scan itself works)', () => {
    assert.ok(files.length > 100, `${files.length} source files`);
    assert.ok(local.some((i) => i.from.endsWith('protocol/oid4vci/credential.ts') && i.to.endsWith('core/diagnostics.ts')));
    assert.ok(packages.some((i) => i.from.startsWith('src/http/') && i.to === 'fastify'));
  });

  it('every part of src/ has rules, and imports only the parts they allow', () => {
    const parts = new Set(files.map(partOf).filter((p) => p !== '(root)'));
    const unlisted = [...parts].filter((p) => !(p in ALLOWED));
    assert.deepEqual(unlisted, [], 'a new part of src/: give it rules here and in docs/architecture.md');
    const broken = local
      .filter((i) => partOf(i.from) !== '(root)' && partOf(i.from) !== partOf(i.to))
      .filter((i) => !ALLOWED[partOf(i.from)].includes(partOf(i.to)))
      .map((i) => `${i.from} imports ${i.to}`);
    assert.deepEqual(broken, []);
  });

  it('no import cycles between files (type imports included)', () => {
    assert.deepEqual(cycles(local), []);
  });

  it('finds a cycle when there is one (the checker can fail)', () => {
    assert.equal(cycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }]).length, 1);
  });

  it('protocol, formats, crypto, inspector and the other parts below HTTP never import the web framework or a database driver', () => {
    const broken = packages.filter((i) => FRAMEWORK_FREE.includes(partOf(i.from)) && FRAMEWORK.test(i.to)).map((i) => `${i.from} imports ${i.to}`);
    assert.deepEqual(broken, []);
  });
});
