#!/usr/bin/env node
// npm's `prepare` script: `npm ci` / `npm install` in a checkout builds dist/, so that
// `npm ci && npm start` needs nothing else. A production install (`npm ci --omit=dev`) has no
// TypeScript compiler: it runs the dist/ built before (copied with the tree, or built by CI).
// TypeScript alone does not mean a development install: valibot (under dcql) names it as an
// optional peer, so npm keeps it with --omit=dev; the Node type definitions come only as ours.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let hasTypescript = true;
try {
  require.resolve('typescript/bin/tsc');
  require.resolve('@types/node/package.json');
} catch {
  hasTypescript = false;
}
if (hasTypescript) {
  const result = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
if (existsSync('dist/main.js')) {
  console.log('prepare: production install (no development dependencies); using the dist/ already built');
  process.exit(0);
}
console.error('prepare: dist/ is missing and TypeScript is not installed. Build first (npm ci && npm run build), then install with --omit=dev.');
process.exit(1);
