#!/usr/bin/env node
// npm run build: compiles src/ to dist/ with tsc, then copies what tsc does not emit and the
// server reads at run time beside its compiled module (paths resolve from import.meta.url):
// the dashboard's static assets and the plain-JavaScript worker entry. dist/ is rebuilt from
// scratch so a deleted source file never lingers as a stale module.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const outDir = process.argv[2] ?? 'dist';
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(outDir, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

const copies = [
  ['src/dashboard/assets', 'dashboard/assets'],
  ['src/store/sqlite-checkpoint-worker.mjs', 'store/sqlite-checkpoint-worker.mjs'],
];
for (const [from, to] of copies) {
  mkdirSync(dirname(join(outDir, to)), { recursive: true });
  cpSync(from, join(outDir, to), { recursive: true });
}
console.log(`built ${outDir}/ (node ${outDir}/main.js)`);
