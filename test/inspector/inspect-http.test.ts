import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { createOffer, credentialRequest, fetchNonce, newHolderKey, redeem, signProof } from '../helpers/wallet.js';

/** POST /inspect and the /inspect page on a real issuer process, with credentials it issued. */
let issuer: RunningIssuer;

async function issue(configurationId: string): Promise<string> {
  const offer = await createOffer(issuer, { credential_configuration_ids: [configurationId] });
  const token = await redeem(issuer, offer);
  const key = await newHolderKey();
  const jwt = await signProof(key, { aud: issuer.baseUrl, nonce: await fetchNonce(issuer) });
  const res = await credentialRequest(issuer, token, { credential_configuration_id: configurationId, proofs: { jwt: [jwt] } });
  assert.equal(res.status, 200, res.text);
  return res.body.credentials[0].credential;
}

const inspectApi = (body: unknown) => admin(issuer, 'POST', '/inspect', body);

before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

describe('POST /inspect with credentials this issuer issued', () => {
  for (const [id, format] of [['eu.europa.ec.eudi.pid_vc_sd_jwt', 'dc+sd-jwt'], ['eu.europa.ec.eudi.pid_mdoc', 'mso_mdoc'], ['org.example.employee_jwt_vc', 'jwt_vc_json']] as const) {
    it(`${format}: detected, every check passes (signature, chain to the issuer root, validity, binding key)`, async () => {
      const credential = await issue(id);
      const res = await inspectApi({ value: credential });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.kind, 'credential');
      assert.equal(res.body.decoded.format, format);
      assert.deepEqual(res.body.checks.filter((c: any) => c.status === 'fail' || c.status === 'warn'), []);
      assert.ok(res.body.checks.some((c: any) => c.check === 'credential.signature' && c.status === 'pass'));
      if (format !== 'mso_mdoc') assert.ok(res.body.checks.some((c: any) => c.check === 'credential.x5c.chains_to_issuer_root' && c.status === 'pass'));
      if (format === 'dc+sd-jwt') {
        assert.equal(res.body.decoded.claims.family_name, 'Mustermann');
        assert.ok(res.body.decoded.disclosures.length > 5);
      }
      if (format === 'mso_mdoc') {
        assert.equal(res.body.decoded.docType, 'eu.europa.ec.eudi.pid.1');
        assert.equal(res.body.decoded.namespaces['eu.europa.ec.eudi.pid.1'].birth_date, '1984-01-12');
        assert.ok(res.body.keys.some((k: any) => k.source === 'deviceKeyInfo.deviceKey'));
      }
    });
  }

  it('tampered credentials: a forged disclosure (SD-JWT) and an altered element (mdoc) are caught', async () => {
    const sd = await issue('eu.europa.ec.eudi.pid_vc_sd_jwt');
    const parts = sd.split('~');
    const forged = Buffer.from(JSON.stringify(['c2FsdHNhbHRzYWx0c2FsdA', 'given_name', 'Mallory'])).toString('base64url');
    const r1 = await inspectApi({ kind: 'credential', value: [parts[0], forged, ...parts.slice(2)].join('~') });
    assert.equal(r1.body.verdict, 'invalid');
    assert.deepEqual(r1.body.checks.filter((c: any) => c.status === 'fail').map((c: any) => c.check), ['credential.disclosures_referenced']);

    const mdoc = Buffer.from(await issue('eu.europa.ec.eudi.pid_mdoc'), 'base64url');
    const at = mdoc.indexOf(Buffer.from('Mustermann'));
    mdoc.write('Musterfrau', at);
    const r2 = await inspectApi({ kind: 'credential', value: mdoc.toString('base64url') });
    assert.deepEqual(r2.body.checks.filter((c: any) => c.status === 'fail').map((c: any) => c.check), ['credential.digests']);
    assert.match(r2.body.checks.find((c: any) => c.check === 'credential.digests').detail, /family_name/);
  });

  it('a proof judged with this issuer policy: aud defaults to nothing, expected aud compares with the issuer identifier', async () => {
    const key = await newHolderKey();
    const jwt = await signProof(key, { aud: `${issuer.baseUrl}/`, nonce: 'n' });
    const res = await inspectApi({ value: jwt, expected: { aud: issuer.baseUrl } });
    assert.equal(res.body.kind, 'proof');
    const aud = res.body.checks.find((c: any) => c.check === 'proof.aud');
    assert.equal(aud.code, 'proof.jwt.aud');
    assert.match(aud.detail, /trailing slash/);
  });

  it('undetectable input: 400 invalid_request with the inspect.kind.undetected diagnostic; bad body: 400', async () => {
    const res = await inspectApi({ value: 'hello world' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    assert.equal(res.body.diagnostic.code, 'inspect.kind.undetected');
    assert.equal((await inspectApi({ kind: 'nonsense', value: 'x' })).status, 400);
  });

  it('needs the admin token', async () => {
    const res = await fetch(`${issuer.baseUrl}/inspect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: 'a.b.c' }) });
    assert.equal(res.status, 401);
  });
});

describe('GET /inspect page', () => {
  it('serves the form with a nonce-based CSP, the endpoint and the issuer identifier, without secrets', async () => {
    const res = await fetch(`${issuer.baseUrl}/inspect`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    const html = await res.text();
    assert.ok(html.includes(`<script nonce="${nonce}">`));
    assert.ok(html.includes('data-endpoint="/inspect"'));
    assert.ok(html.includes(`value="${issuer.baseUrl}"`));
    assert.ok(!html.includes(issuer.adminToken));
    assert.ok(!/innerHTML/.test(html), 'results are rendered with textContent only');
  });
});
