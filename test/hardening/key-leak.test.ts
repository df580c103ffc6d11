import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { exportJWK } from 'jose';
import { isKeyFileName, parsePrivateKeyPem } from '../../src/crypto/key-encryption.js';
import { COOKIE_NAME, DashboardAuth } from '../../src/dashboard/auth.js';
import { codeTokenForm, dpopProof, newHolderKey, obtainCode, postForm } from '../helpers/oauth.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * Private keys never in logs or API output. Full flows (pre-authorized for every
 * shipped configuration; authorization code with DPoP and PAR) plus hostile requests that carry
 * PRIVATE keys (a proof whose header jwk has `d`, a DPoP proof likewise, a did:jwk of a private
 * key), then everything an operator or a share-link holder can read is collected — admin API,
 * exports (JSON, HAR), dashboard pages, metadata, trust material, metrics, the process's own
 * output and the raw database files — and scanned for PEM private keys, JWK `d` members and the
 * actual private scalars of the issuer's and the holders' keys. Keys are encrypted at rest here
 * (KEY_ENCRYPTION_SECRET), so the secret itself is scanned for too.
 */

const SECRET = 'key-encryption-secret-for-the-leak-test';
const CONFIGS = ['eu.europa.ec.eudi.pid_vc_sd_jwt', 'eu.europa.ec.eudi.pid_mdoc', 'org.iso.18013.5.1.mDL'];
const GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

let issuer: RunningIssuer;
const privateScalars: string[] = [];
const sessionIds: string[] = [];
const tokens: string[] = [];

before(async () => {
  issuer = await startIssuer({ env: { KEY_ENCRYPTION_SECRET: SECRET, LOG_LEVEL: 'debug', RATE_LIMIT_PER_MINUTE: '0' } });
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

async function holder() {
  const key = await newHolderKey();
  privateScalars.push((await exportJWK(key.privateKey)).d!);
  return key;
}

it('runs full flows and hostile requests carrying private keys', async () => {
  const metadata = (await (await fetch(`${issuer.baseUrl}/.well-known/openid-credential-issuer`)).json()) as { credential_configurations_supported: Record<string, unknown> };
  const configs = [...CONFIGS, ...Object.keys(metadata.credential_configurations_supported).filter((id) => id.includes('jwt_vc') || id.includes('w3c'))];
  for (const config of [...new Set(configs)]) {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [config], grants: { pre_authorized_code: { tx_code: true } } });
    sessionIds.push(offer.session_id);
    tokens.push(w.preAuthorizedCode(offer), offer.tx_code!);
    const token = await w.redeem(issuer, offer);
    tokens.push(token);
    const key = await holder();
    const proof = await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
    const res = await w.credentialRequest(issuer, token, { credential_configuration_id: config, proofs: { jwt: [proof] } });
    assert.equal(res.status, 200, `${config}: ${res.text.slice(0, 300)}`);

    // A proof whose header jwk is a PRIVATE key: refused, and the private part must not be echoed.
    const leaky = await holder();
    const privateJwk = await exportJWK(leaky.privateKey);
    const bad = await w.signProof(leaky, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer), header: { jwk: privateJwk } });
    const refused = await w.credentialRequest(issuer, token, { credential_configuration_id: config, proofs: { jwt: [bad] } });
    assert.equal(refused.status, 400);
    const didJwk = `did:jwk:${Buffer.from(JSON.stringify(privateJwk)).toString('base64url')}#0`;
    const badDid = await w.signProof(leaky, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer), header: { jwk: undefined, kid: didJwk } });
    assert.equal((await w.credentialRequest(issuer, token, { credential_configuration_id: config, proofs: { jwt: [badDid] } })).status, 400);
  }

  // Authorization code flow with a DPoP-bound token; then a DPoP proof carrying a private jwk.
  const dpopKey = await holder();
  const flow = await obtainCode(issuer, { parDpopKey: dpopKey });
  sessionIds.push(flow.offer.session_id);
  const tokenRes = await postForm(`${issuer.baseUrl}/token`, codeTokenForm(flow.code, flow.pkce.verifier), { dpop: await dpopProof(dpopKey, { htu: `${issuer.baseUrl}/token` }) });
  assert.equal(tokenRes.status, 200, JSON.stringify(tokenRes.body));
  tokens.push(flow.code, tokenRes.body.access_token, ...(tokenRes.body.refresh_token ? [tokenRes.body.refresh_token] : []));
  const leakyDpop = await holder();
  const privateDpop = await dpopProof({ ...leakyDpop, publicJwk: await exportJWK(leakyDpop.privateKey) }, { htu: `${issuer.baseUrl}/token` });
  // A live code: an unknown one is refused before any DPoP proof is read.
  const live = await w.createOffer(issuer);
  sessionIds.push(live.session_id);
  const refused = await postForm(`${issuer.baseUrl}/token`, { grant_type: GRANT, 'pre-authorized_code': w.preAuthorizedCode(live) }, { dpop: privateDpop });
  assert.equal(refused.body.error, 'invalid_dpop_proof');
});

it('shows no private key, private scalar, key secret or bearer secret anywhere a client, operator or log reader can look', async () => {
  // The issuer's own private scalars, read from its (encrypted, 0600) key files.
  const keyDir = join(issuer.dataDir, 'keys');
  const keyFiles = readdirSync(keyDir).filter((f) => /\.key(\..+)?\.pem$/.test(f));
  assert.ok(keyFiles.filter(isKeyFileName).length >= 2);
  for (const f of keyFiles) {
    const pem = readFileSync(join(keyDir, f), 'utf8');
    // The signing keys are encrypted under KEY_ENCRYPTION_SECRET; every private key file is 0600.
    if (isKeyFileName(f)) assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/, `${f} is encrypted at rest`);
    assert.equal(statSync(join(keyDir, f)).mode & 0o777, 0o600, `${f} is 0600`);
    privateScalars.push((parsePrivateKeyPem(pem, f, SECRET).export({ format: 'jwk' }) as { d: string }).d);
  }

  const readable: Record<string, string> = {};
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${issuer.baseUrl}${path}`, { headers });
    readable[path] = await res.text();
  };
  const bearer = { authorization: `Bearer ${issuer.adminToken}` };
  const cookie = { cookie: `${COOKIE_NAME}=${encodeURIComponent(new DashboardAuth(issuer.adminToken).issueCookieValue(Date.now()))}` };
  for (const id of sessionIds) {
    for (const p of ['', '/logs?limit=500', '/events?limit=500', '/export?format=json', '/export?format=har', '/credentials']) await get(`/sessions/${id}${p}`, bearer);
    await get(`/ui/sessions/${id}`, cookie);
    const share = await admin(issuer, 'POST', `/sessions/${id}/share`, {});
    await get(new URL(share.body.url).pathname);
  }
  for (const p of ['/sessions?limit=200', '/unbound_requests/logs?limit=500']) await get(p, bearer);
  for (const p of ['/ui/unbound', '/']) await get(p, cookie);
  for (const p of ['/.well-known/openid-credential-issuer', '/.well-known/oauth-authorization-server', '/jwks', '/trust', '/trust/root.pem', '/trust/document-signer.pem', '/trust/chain.pem', '/trust/x5c.json', '/openapi.json', '/docs', '/inspect', '/healthz', '/readyz']) await get(p);
  await get('/metrics', bearer);
  readable['process output'] = issuer.output();
  for (const f of readdirSync(issuer.dataDir).filter((n) => /\.(sqlite|db)(-wal|-shm)?$/.test(n) || n.endsWith('-wal'))) {
    readable[`database file ${f}`] = readFileSync(join(issuer.dataDir, f)).toString('latin1');
  }
  assert.ok(Object.keys(readable).some((k) => k.startsWith('database file')), 'the database file was scanned');

  const logsAndExports = Object.entries(readable).filter(([k]) => /logs|export|unbound|\/ui\/|\/share\/|process output|^\/sessions\/[^/?]+$/.test(k));
  assert.ok(logsAndExports.length > sessionIds.length * 3);
  // JWTs in logs are base64url: decode every header and payload seen, so a key inside one is found too.
  for (const [where, text] of Object.entries(readable)) {
    const decoded = [...text.matchAll(/eyJ[A-Za-z0-9_-]{8,}/g)].map((m) => Buffer.from(m[0], 'base64url').toString('utf8')).join('\n');
    readable[`${where} (decoded JWT parts)`] = decoded;
  }
  for (const [where, text] of Object.entries(readable)) {
    assert.doesNotMatch(text, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, `${where}: PEM private key`);
    assert.doesNotMatch(text, /\\*"d\\*"\s*:\s*\\*"[A-Za-z0-9_-]{20,}/, `${where}: a JWK "d" member`);
    for (const d of privateScalars) assert.ok(!text.includes(d), `${where}: a private key scalar`);
    assert.ok(!text.includes(SECRET), `${where}: KEY_ENCRYPTION_SECRET`);
    if (where !== '/metrics') assert.ok(!text.includes(issuer.adminToken), `${where}: the admin token`);
  }
  // Bearer secrets (codes, tx_codes, access and refresh tokens) never in clear in logs and exports.
  for (const [where, text] of logsAndExports) {
    for (const t of tokens) assert.ok(!text.includes(t), `${where}: a bearer secret in clear (${t.slice(0, 4)}...)`);
  }
});
