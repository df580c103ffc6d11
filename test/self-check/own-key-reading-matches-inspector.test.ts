import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Decoder } from 'cbor-x';
import { resolveClaims } from '../../src/credential-configurations/claims.js';
import { loadCredentialConfigurations } from '../../src/credential-configurations/load.js';
import { loadOrCreateIssuerKeys, type LoadedIssuerKeys } from '../../src/crypto/issuer-keys.js';
import { jwkThumbprintSync } from '../../src/crypto/jwk-thumbprint.js';
import { issueCredential } from '../../src/formats/index.js';
import { encodeCbor } from '../../src/formats/mso-mdoc/cbor.js';
import type { InspectContext } from '../../src/inspector/context.js';
import { inspectCredential } from '../../src/inspector/credential.js';
import { checkOwnCredential } from '../../src/self-check/own-credential-checks.js';
import { verifyIssuedCredential } from '../../src/self-check/verify-issued-credential.js';
import { systemClock } from '../../src/core/clock.js';

/**
 * The self-check reads this issuer's own credentials with the key in hand instead of finding
 * and judging the chain each time. It must reach the inspector's verdict, check by check, on
 * good credentials and on credentials broken in each way the checks exist for; a credential
 * under a chain this issuer does not hold is left to the inspector.
 */

const configurations = loadCredentialConfigurations();
const dirs: string[] = [];
let keys: LoadedIssuerKeys;
let foreign: LoadedIssuerKeys;
const holder = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as Record<string, string>;

async function keysIn(): Promise<LoadedIssuerKeys> {
  const dir = mkdtempSync(join(tmpdir(), 'issuance-lab-own-'));
  dirs.push(dir);
  return loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'localhost' });
}

before(async () => {
  keys = await keysIn();
  foreign = await keysIn();
});
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const contextAt = (nowSeconds: number, k = keys): InspectContext => ({
  nowSeconds,
  ignoreTime: false,
  expected: {},
  proofPolicy: { iatSkewSeconds: 0, maxAgeSeconds: 0, nonceRequired: false },
  issuerJwks: k.jwks,
  issuerRootPem: k.rootCertificatePem,
});
const now = () => Math.floor(Date.now() / 1000);

function issue(id: string, signer = keys.signer): Promise<string> {
  const configuration = configurations.byId.get(id)!;
  const t = Date.now();
  return issueCredential({
    configuration,
    claims: resolveClaims(configuration, undefined),
    holderKey: { jwk: holder },
    signer,
    issuerIdentifier: 'http://localhost:8080',
    issuedAt: new Date(t),
    validUntil: new Date(t + 86_400_000),
    status: { idx: 7, uri: 'http://localhost:8080/status-lists/1' },
  });
}

const statuses = (checks: { check: string; status: string }[]) => Object.fromEntries(checks.map((c) => [c.check, c.status]));

/** Both readings, check by check; returns the failed check ids. */
function sameVerdict(credential: string, ctx = contextAt(now())): string[] {
  const own = checkOwnCredential(ctx, credential);
  assert.ok(own, 'a credential under this issuer\'s chain is read with the key in hand');
  const inspector = inspectCredential(ctx, credential);
  assert.deepEqual(statuses(own.checks.checks), statuses(inspector.checks.checks));
  assert.deepEqual(own.keys.map((k) => [k.source, k.thumbprint]), inspector.keys.map((k) => [k.source, k.thumbprint]));
  return own.checks.checks.filter((c) => c.status === 'fail').map((c) => c.check).sort();
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
/** The last character of a base64url signature changed: same length, other bytes. */
const flipSignature = (jws: string) => jws.slice(0, -2) + (jws.at(-2) === 'A' ? 'B' : 'A') + jws.at(-1);

describe('own-key reading of dc+sd-jwt matches the inspector', () => {
  const id = 'eu.europa.ec.eudi.pid_vc_sd_jwt';

  it('a good credential passes every check', async () => {
    assert.deepEqual(sameVerdict(await issue(id)), []);
  });

  it('a changed signature, and a payload changed under the signature', async () => {
    const [jwt, ...rest] = (await issue(id)).split('~');
    assert.deepEqual(sameVerdict([flipSignature(jwt), ...rest].join('~')), ['credential.signature']);
    const [h, p, s] = jwt.split('.');
    const changed = `${h}.${b64({ ...json(p), vct: 'urn:other' })}.${s}`;
    assert.deepEqual(sameVerdict([changed, ...rest].join('~')), ['credential.signature']);
  });

  it('a repeated disclosure, and one no digest references', async () => {
    const parts = (await issue(id)).split('~');
    assert.deepEqual(sameVerdict([parts[0], parts[1], ...parts.slice(1)].join('~')), ['credential.salts_distinct']);
    const forged = b64(['c2FsdHNhbHRzYWx0c2FsdHNhbHQ', 'nationality', 'XX']);
    assert.deepEqual(sameVerdict([...parts.slice(0, -1), forged, ''].join('~')), ['credential.disclosures_referenced']);
  });

  it('read after it expired', async () => {
    const credential = await issue(id);
    assert.deepEqual(sameVerdict(credential, contextAt(now() + 2 * 86_400)), ['credential.exp']);
    assert.deepEqual(sameVerdict(credential, contextAt(now() + 3 * 365 * 86_400)), ['credential.exp', 'credential.x5c[0].validity']);
  });
});

describe('own-key reading of jwt_vc_json matches the inspector', () => {
  const id = 'org.example.employee_jwt_vc';

  it('good, changed signature, expired', async () => {
    const credential = await issue(id);
    assert.deepEqual(sameVerdict(credential), []);
    assert.deepEqual(sameVerdict(flipSignature(credential)), ['credential.signature']);
    assert.deepEqual(sameVerdict(credential, contextAt(now() + 2 * 86_400)), ['credential.exp']);
  });
});

describe('own-key reading of mso_mdoc matches the inspector', () => {
  const decoder = new Decoder({ mapsAsObjects: false, useRecords: false } as never);
  const decode = (c: string) => decoder.decode(Buffer.from(c, 'base64url')) as Map<string, unknown>;
  const encode = (m: Map<string, unknown>) => Buffer.from(encodeCbor(m)).toString('base64url');

  for (const id of ['eu.europa.ec.eudi.pid_mdoc', 'org.iso.18013.5.1.mDL']) {
    it(`${id}: good, other items under the MSO, changed signature, expired`, async () => {
      const credential = await issue(id);
      assert.deepEqual(sameVerdict(credential), []);
      const a = decode(credential);
      const b = decode(await issue(id));
      assert.deepEqual(sameVerdict(encode(new Map([['nameSpaces', a.get('nameSpaces')], ['issuerAuth', b.get('issuerAuth')]]))), ['credential.digests']);
      const auth = [...(a.get('issuerAuth') as unknown[])];
      const signature = Buffer.from(auth[3] as Uint8Array);
      signature[10] ^= 1;
      auth[3] = new Uint8Array(signature);
      assert.deepEqual(sameVerdict(encode(new Map([['nameSpaces', a.get('nameSpaces')], ['issuerAuth', auth]]))), ['credential.signature']);
      assert.deepEqual(sameVerdict(credential, contextAt(now() + 2 * 86_400)), ['credential.valid_now']);
    });
  }
});

describe('chains this issuer does not hold', () => {
  it('are left to the inspector, which the self-check then uses', async () => {
    for (const id of ['eu.europa.ec.eudi.pid_vc_sd_jwt', 'org.example.employee_jwt_vc', 'org.iso.18013.5.1.mDL']) {
      const credential = await issue(id, foreign.signer);
      assert.equal(checkOwnCredential(contextAt(now()), credential), undefined, id);
      // Signed by another issuer's key: the inspector's reading does not chain to this issuer's root.
      const configuration = configurations.byId.get(id)!;
      const result = verifyIssuedCredential({ clock: systemClock, keys }, { configuration, credential, holderKeyThumbprint: jwkThumbprintSync(holder) });
      const chained = result.checks.find((c) => c.check === 'credential.x5c.chains_to_issuer_root');
      if (configuration.format !== 'mso_mdoc') assert.equal(chained?.status, 'warn', id);
      else assert.equal(result.checks.find((c) => c.check === 'credential.signature')?.status, 'pass', id);
    }
  });

  it('an earlier signer of this issuer (still in its JWKS) is read with the key in hand', async () => {
    const rotatedJwks = { keys: [...keys.jwks.keys, ...foreign.jwks.keys] };
    const credential = await issue('eu.europa.ec.eudi.pid_vc_sd_jwt', foreign.signer);
    const own = checkOwnCredential({ ...contextAt(now()), issuerJwks: rotatedJwks }, credential);
    assert.equal(own?.checks.checks.find((c) => c.check === 'credential.signature')?.status, 'pass');
  });
});
