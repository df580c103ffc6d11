import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { callApi, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * Several issuers in one deployment: each tenant has its own identifier, keys, admin
 * token, sessions and database; nothing of one is usable at another.
 */

let issuer: RunningIssuer;
const staticToken = 'static-tenant-admin-token-0123';
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenants-file-'));
  const file = join(dir, 'tenants.json');
  writeFileSync(file, JSON.stringify({ tenants: [{ id: 'static-co', display_name: 'Static Co', admin_token: staticToken }] }));
  issuer = await startIssuer({ env: { TENANTS_FILE: file } });
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

interface Tenant {
  id: string;
  base: string;
  token: string;
}

const call = callApi;

async function createTenant(id: string): Promise<Tenant> {
  const res = await call(issuer.baseUrl, issuer.adminToken, 'POST', '/tenants', { tenant_id: id, display_name: id.toUpperCase() });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.credential_issuer, `${issuer.baseUrl}/${id}`);
  assert.ok(res.body.admin_token.length >= 16);
  return { id, base: res.body.credential_issuer, token: res.body.admin_token };
}

/** Runs a pre-authorized flow at one tenant, as a wallet would, and returns its artefacts. */
async function flow(t: Tenant) {
  const offer = await call(t.base, t.token, 'POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'] });
  assert.equal(offer.status, 201);
  assert.equal(offer.body.credential_offer.credential_issuer, t.base);
  const asIssuer = { ...issuer, baseUrl: t.base } as RunningIssuer;
  const accessToken = await w.redeem(asIssuer, offer.body);
  const nonce = await w.fetchNonce(asIssuer);
  const key = await w.newHolderKey();
  const proof = await w.signProof(key, { aud: t.base, nonce });
  const res = await w.credentialRequest(asIssuer, accessToken, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: [proof] } });
  assert.equal(res.status, 200, res.text);
  return { offer: offer.body, accessToken, credential: res.body.credentials[0].credential as string, key };
}

describe('tenants', () => {
  let acme: Tenant;
  let beta: Tenant;
  before(async () => {
    acme = await createTenant('acme');
    beta = await createTenant('beta');
  });

  it('serves each tenant as its own credential issuer, at both well-known forms', async () => {
    for (const t of [acme, beta]) {
      for (const url of [`${issuer.baseUrl}/.well-known/openid-credential-issuer/${t.id}`, `${t.base}/.well-known/openid-credential-issuer`]) {
        const metadata = await (await fetch(url)).json();
        assert.equal(metadata.credential_issuer, t.base);
        assert.equal(metadata.credential_endpoint, `${t.base}/credential`);
      }
      const as = await (await fetch(`${issuer.baseUrl}/.well-known/oauth-authorization-server/${t.id}`)).json();
      assert.equal(as.issuer, t.base);
    }
    const own = await (await fetch(`${issuer.baseUrl}/.well-known/openid-credential-issuer`)).json();
    assert.equal(own.credential_issuer, issuer.baseUrl);
  });

  it('gives each tenant its own keys', async () => {
    const kids = await Promise.all([issuer.baseUrl, acme.base, beta.base].map(async (b) => (await (await fetch(`${b}/jwks`)).json()).keys[0].kid));
    assert.equal(new Set(kids).size, 3);
  });

  it('completes issuance at a tenant, signed by that tenant and bound to its identifier', async () => {
    const { credential } = await flow(acme);
    const payload = JSON.parse(Buffer.from(credential.split('.')[1], 'base64url').toString());
    assert.equal(payload.iss, acme.base);
    const header = JSON.parse(Buffer.from(credential.split('.')[0], 'base64url').toString());
    const acmeJwks = await (await fetch(`${acme.base}/jwks`)).json();
    assert.deepEqual(header.x5c, acmeJwks.keys[0].x5c);
  });

  it('makes one tenant\'s codes, tokens and nonces worthless at another', async () => {
    const a = await flow(acme);
    const betaAsIssuer = { ...issuer, baseUrl: beta.base } as RunningIssuer;
    // An unused acme offer: its code is unknown at beta.
    const offer = await call(acme.base, acme.token, 'POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'] });
    const code = await w.tokenRequest(betaAsIssuer, { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': w.preAuthorizedCode(offer.body) });
    assert.equal(code.body.error, 'invalid_grant');
    // acme's access token at beta's credential endpoint.
    const proof = await w.signProof(a.key, { aud: beta.base, nonce: await w.fetchNonce(betaAsIssuer) });
    const token = await w.credentialRequest(betaAsIssuer, a.accessToken, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: [proof] } });
    assert.equal(token.status, 401);
    assert.equal(token.body.error, 'invalid_token');
    // acme's c_nonce in a proof at beta.
    const b = await call(beta.base, beta.token, 'POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'] });
    const betaToken = await w.redeem(betaAsIssuer, b.body);
    const acmeNonce = await w.fetchNonce({ ...issuer, baseUrl: acme.base } as RunningIssuer);
    const crossNonce = await w.signProof(a.key, { aud: beta.base, nonce: acmeNonce });
    const nonce = await w.credentialRequest(betaAsIssuer, betaToken, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: [crossNonce] } });
    assert.equal(nonce.body.error, 'invalid_nonce');
    // A proof addressed to acme is refused at beta (aud).
    const wrongAud = await w.signProof(a.key, { aud: acme.base, nonce: await w.fetchNonce(betaAsIssuer) });
    const aud = await w.credentialRequest(betaAsIssuer, betaToken, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: [wrongAud] } });
    assert.equal(aud.body.error, 'invalid_proof');
  });

  it('shows a tenant\'s admin nothing of another tenant, on every admin route', async () => {
    const a = await flow(acme);
    const sessionId = a.offer.session_id;
    const credentials = await call(acme.base, acme.token, 'GET', `/sessions/${sessionId}/credentials`);
    const credentialId = credentials.body.credentials[0].credential_id;
    const routes: [string, string, unknown?][] = [
      ['GET', '/sessions'],
      ['GET', `/sessions/${sessionId}`],
      ['GET', `/sessions/${sessionId}/logs`],
      ['GET', `/sessions/${sessionId}/events`],
      ['GET', `/sessions/${sessionId}/export`],
      ['GET', `/sessions/${sessionId}/credentials`],
      ['GET', '/unbound_requests/logs'],
      ['POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'] }],
      ['POST', `/sessions/${sessionId}/claims`, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', claims: {} }],
      ['POST', `/sessions/${sessionId}/share`, { expires_in: 60 }],
      ['POST', `/credentials/${credentialId}/status`, { status: 'revoked' }],
      ['POST', '/inspect', { value: 'x' }],
      ['GET', '/tenants'],
    ];
    for (const [method, path, body] of routes) {
      // Another tenant's token, the deployment's token and a static tenant's token all fail at acme.
      for (const token of [beta.token, issuer.adminToken, staticToken]) {
        const res = await call(acme.base, token, method, path, body);
        assert.ok(res.status === 401 || res.status === 404, `${method} ${path} at acme with a foreign token answered ${res.status}`);
      }
      // acme's token does nothing at beta or at the deployment's own issuer.
      for (const base of [beta.base, issuer.baseUrl]) {
        const res = await call(base, acme.token, method, path, body);
        assert.ok(res.status === 401 || res.status === 404, `${method} ${base}${path} with acme's token answered ${res.status}`);
      }
    }
    // beta's own admin cannot see acme's session by id either.
    assert.equal((await call(beta.base, beta.token, 'GET', `/sessions/${sessionId}`)).status, 404);
    const list = await call(beta.base, beta.token, 'GET', '/sessions');
    assert.ok(!JSON.stringify(list.body).includes(sessionId));
  });

  it('keeps tenants from the operator file, with their configured admin token', async () => {
    const base = `${issuer.baseUrl}/static-co`;
    const res = await call(base, staticToken, 'GET', '/sessions');
    assert.equal(res.status, 200);
    const list = await call(issuer.baseUrl, issuer.adminToken, 'GET', '/tenants');
    assert.deepEqual(list.body.tenants.map((t: any) => t.tenant_id).sort(), ['acme', 'beta', 'static-co']);
  });

  it('refuses reserved, malformed and duplicate tenant ids, and non-operators', async () => {
    for (const [id, status] of [['sessions', 400], ['credential_offers', 400], ['Bad_Id', 400], ['acme', 409]] as const) {
      const res = await call(issuer.baseUrl, issuer.adminToken, 'POST', '/tenants', { tenant_id: id });
      assert.equal(res.status, status, `${id}: ${JSON.stringify(res.body)}`);
    }
    assert.equal((await call(issuer.baseUrl, acme.token, 'POST', '/tenants', { tenant_id: 'evil' })).status, 401);
  });

  it('covers every tenant in one /metrics with a tenant label (requests, issuances, errors, sessions), and serves a tenant its own at /{tenant}/metrics', async () => {
    const t = await createTenant('metrics-co');
    const asTenant = { ...issuer, baseUrl: t.base } as RunningIssuer;
    await flow(t);
    const refused = await w.credentialRequest(asTenant, 'not-a-token', { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt' });
    assert.equal(refused.status, 401);
    assert.equal((await call(t.base, t.token, 'POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'] })).status, 201);
    // The flow's log lands after its commit; wait until the last request is counted.
    let text = '';
    for (let i = 0; i < 100; i++) {
      text = (await call(issuer.baseUrl, issuer.adminToken, 'GET', '/metrics')).body as string;
      if (/issuance_errors_total\{tenant="metrics-co",endpoint="credential",error="invalid_token"\} 1/.test(text)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const sample = (name: string, labels: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
      return line === undefined ? undefined : Number(line.split(' ').pop());
    };
    assert.equal(sample('issuance_credentials_total', 'tenant="metrics-co",configuration="eu.europa.ec.eudi.pid_vc_sd_jwt",outcome="issued"'), 1);
    assert.equal(sample('issuance_errors_total', 'tenant="metrics-co",endpoint="credential",error="invalid_token"'), 1);
    assert.equal(sample('issuance_http_requests_total', 'tenant="metrics-co",route="/metrics-co/token",method="POST",status_code="200"'), 1);
    assert.equal(sample('issuance_http_request_duration_seconds_count', 'tenant="metrics-co",route="/metrics-co/credential",method="POST"'), 2);
    assert.equal(sample('issuance_sessions', 'tenant="metrics-co",state="credential_issued"'), 1);
    assert.equal(sample('issuance_sessions', 'tenant="metrics-co",state="offer_created"'), 1);
    // The deployment's own issuer is the tenant "" (its own /metrics request is counted too).
    assert.ok((sample('issuance_http_requests_total', 'tenant="",route="/tenants",method="POST",status_code="201"') ?? 0) >= 1, text);
    assert.match(text, /^process_cpu_user_seconds_total /m);

    const own = await call(t.base, t.token, 'GET', '/metrics');
    assert.equal(own.status, 200);
    const lines = (own.body as string).split('\n').filter((l) => l && !l.startsWith('#'));
    assert.ok(lines.length > 0 && lines.every((l) => l.includes('tenant="metrics-co"')), own.body);
    assert.ok(lines.some((l) => l.startsWith('issuance_credentials_total{tenant="metrics-co"')));
    assert.equal((await call(t.base, undefined, 'GET', '/metrics')).status, 401);
    assert.equal((await call(t.base, acme.token, 'GET', '/metrics')).status, 401, "another tenant's token");
  });

  it('keeps tenants, their sessions and keys across a restart', async () => {
    const offer = await call(acme.base, acme.token, 'POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'] });
    const kid = (await (await fetch(`${acme.base}/jwks`)).json()).keys[0].kid;
    issuer = await issuer.restart();
    assert.equal((await (await fetch(`${acme.base}/jwks`)).json()).keys[0].kid, kid);
    const session = await call(acme.base, acme.token, 'GET', `/sessions/${offer.body.session_id}`);
    assert.equal(session.status, 200);
    const token = await w.redeem({ ...issuer, baseUrl: acme.base } as RunningIssuer, offer.body);
    assert.ok(token);
  });
});

describe('tenants on PostgreSQL', () => {
  it('gives each tenant its own schema, isolated like on SQLite', async () => {
    const { createTestDatabase } = await import('../helpers/postgres.js');
    const db = await createTestDatabase('tenants');
    const pgIssuer = await startIssuer({ env: { DATABASE_URL: db.url } });
    try {
      const res = await call(pgIssuer.baseUrl, pgIssuer.adminToken, 'POST', '/tenants', { tenant_id: 'pg-co' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const t = { id: 'pg-co', base: res.body.credential_issuer, token: res.body.admin_token };
      const saved = issuer;
      issuer = pgIssuer;
      try {
        const a = await flow(t);
        assert.equal((await call(pgIssuer.baseUrl, pgIssuer.adminToken, 'GET', `/sessions/${a.offer.session_id}`)).status, 404);
        assert.equal((await call(t.base, t.token, 'GET', `/sessions/${a.offer.session_id}`)).status, 200);
      } finally {
        issuer = saved;
      }
    } finally {
      await pgIssuer.stop();
      pgIssuer.cleanup();
      await db.drop();
    }
  });
});
