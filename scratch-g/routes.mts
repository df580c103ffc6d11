import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { systemClock } from '../src/core/clock.js';
import { loadRuntime } from '../src/runtime.js';
import { buildApp } from '../src/app.js';
const pub = process.argv[2] ?? 'http://localhost:8080';
const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'rt-')), ADMIN_TOKEN: 'test-admin-token-0123456789', PUBLIC_URL: pub });
const rt = await loadRuntime(config, systemClock);
const routes: string[] = [];
const app = await buildApp(rt.deps, { onRoute: (r) => routes.push(`${r.method} ${r.url}`) });
await app.ready();
console.log(routes.join('\n'));
for (const [m, u, h] of [['OPTIONS', '/tenant/credential', {origin:'https://w.example','access-control-request-method':'POST'}], ['POST', '/tenant/credential', {}], ['OPTIONS', '/tenant/credential_offers', {}], ['GET','/.well-known/openid-credential-issuer/tenant',{}], ['OPTIONS','/.well-known/openid-credential-issuer/tenant',{}], ['GET','/tenant/nope',{}], ['GET','/tenant/',{accept:'text/html'}]] as const) {
  const res = await app.inject({ method: m as any, url: pub.includes('tenant') ? u : u.replace('/tenant',''), headers: h as any });
  console.log(m, u, res.statusCode, JSON.stringify(res.headers), res.body.slice(0, 150));
}
await app.close();
await rt.deps.store.close();
