import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, calculateJwkThumbprint } from 'jose';
import { loadConfig } from '../src/config/config.js';
import { systemClock } from '../src/core/clock.js';
import { loadRuntime } from '../src/runtime.js';
import { issueCredential } from '../src/formats/index.js';
import { resolveClaims } from '../src/credential-configurations/claims.js';
import { verifyIssuedCredential } from '../src/protocol/oid4vci/self-check/verify-issued-credential.js';

const dir = mkdtempSync(join(tmpdir(), 'f-measure-'));
const { deps } = await loadRuntime(loadConfig({ DATA_DIR: dir, ADMIN_TOKEN: 'x'.repeat(20), PUBLIC_URL: 'http://localhost:8080' }), systemClock);
const { publicKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = await exportJWK(publicKey);
const thumb = await calculateJwkThumbprint(jwk);
for (const id of deps.configurations.ids) {
  const configuration = deps.configurations.byId.get(id)!;
  const claims = resolveClaims(configuration, undefined);
  const now = Date.now();
  const N = 200;
  let credential = '';
  let t0 = performance.now();
  for (let i = 0; i < N; i++) credential = await issueCredential({ configuration, claims, holderKey: { jwk }, signer: deps.keys.signer, issuerIdentifier: 'http://localhost:8080', issuedAt: new Date(now), validUntil: new Date(Math.min(now + 86400e3 * 30, deps.keys.signer.certificateNotAfter.getTime())) } as any);
  const issueMs = (performance.now() - t0) / N;
  t0 = performance.now();
  let r;
  for (let i = 0; i < N; i++) r = verifyIssuedCredential(deps, { configuration, credential, holderKeyThumbprint: thumb });
  const checkMs = (performance.now() - t0) / N;
  console.log(id.padEnd(34), `issue ${issueMs.toFixed(3)} ms`, `self-check ${checkMs.toFixed(3)} ms`, r!.status, r!.checks.filter(c => c.status !== 'pass').map(c => `${c.check}:${c.status}:${c.detail}`).join(' | '));
}
await deps.store.close();
rmSync(dir, { recursive: true, force: true });
