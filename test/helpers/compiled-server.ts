import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The server as shipped: `npm run build` into a tree laid out like a production install (its
 * own package.json, config/ and dist/), whose node_modules holds only the packages a
 * `npm ci --omit=dev` would keep (those the lockfile does not mark `dev`), linked from this
 * checkout. So a compiled module that still needs tsx, TypeScript or a test library, or a
 * file dist/ lacks (worker entries, dashboard assets), fails here as it would in production.
 *
 * Built once per test process, into a temp folder removed when the process exits.
 */
let built: string | undefined;

export function compiledServerEntry(): string {
  if (built) return built;
  const root = resolve('.');
  const tree = mkdtempSync(join(tmpdir(), 'issuance-lab-dist-'));
  process.once('exit', () => rmSync(tree, { recursive: true, force: true }));
  const build = spawnSync(process.execPath, ['scripts/build.mjs', join(tree, 'dist')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  cpSync(join(root, 'package.json'), join(tree, 'package.json'));
  cpSync(join(root, 'config'), join(tree, 'config'), { recursive: true });
  linkProductionModules(root, tree);
  built = join(tree, 'dist', 'main.js');
  return built;
}

function linkProductionModules(root: string, tree: string): void {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const modules = join(tree, 'node_modules');
  mkdirSync(modules);
  const link = (name: string) => {
    const entry = lock.packages[`node_modules/${name}`];
    if (!entry || entry.dev) return;
    symlinkSync(join(root, 'node_modules', name), join(modules, name));
  };
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      mkdirSync(join(modules, name));
      for (const inner of readdirSync(join(root, 'node_modules', name))) link(`${name}/${inner}`);
    } else {
      link(name);
    }
  }
}
