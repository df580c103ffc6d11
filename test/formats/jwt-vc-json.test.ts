import { strict as assert } from 'node:assert';
import { KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { issueJwtVcJson } from '../../src/formats/jwt-vc-json/index.js';
import type { JwtVcConfiguration } from '../../src/credential-configurations/schema.js';
import type { IssueInput } from '../../src/formats/types.js';
import type { IssuerSigner } from '../../src/crypto/issuer-keys.types.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIG = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** Root CA + document-signer certificate; x5c carries the DS certificate only. */
async function makeIssuer(cn = 'Test DS'): Promise<{ signer: IssuerSigner; rootDer: Buffer }> {
  const subtle = webcrypto.subtle;
  const rootKeys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const dsKeys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - 24 * 3600_000);
  const notAfter = new Date(Date.now() + 3 * 365 * 24 * 3600_000);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Test Root, C=DE',
    keys: rootKeys,
    notBefore,
    notAfter,
    signingAlgorithm: SIG,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  const ds = await x509.X509CertificateGenerator.create({
    subject: `CN=${cn}, C=DE`,
    issuer: root.subject,
    publicKey: dsKeys.publicKey,
    signingKey: rootKeys.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: SIG,
  });
  const dsDer = new Uint8Array(ds.rawData);
  return {
    rootDer: Buffer.from(root.rawData),
    signer: {
      alg: 'ES256',
      privateKey: KeyObject.from(dsKeys.privateKey),
      publicJwk: await exportJWK(KeyObject.from(dsKeys.publicKey)),
      kid: 'ds-1',
      chainDer: [dsDer],
      x5c: [Buffer.from(dsDer).toString('base64')],
      certificateNotBefore: notBefore,
      certificateNotAfter: notAfter,
    },
  };
}

/** Verifies like a relying party would: key from the x5c leaf, leaf issued by the trusted root. */
async function verifyWithX5c(jwt: string, rootDer: Buffer, issuer = 'https://issuer.example') {
  const header = decodeProtectedHeader(jwt);
  assert.ok(Array.isArray(header.x5c) && header.x5c.length > 0, 'x5c header present');
  const leaf = new X509Certificate(Buffer.from(header.x5c[0], 'base64'));
  const root = new X509Certificate(rootDer);
  if (!leaf.checkIssued(root) || !leaf.verify(root.publicKey)) throw new Error('x5c leaf not issued by the trusted root');
  return jwtVerify(jwt, leaf.publicKey, { algorithms: ['ES256'], typ: 'JWT', issuer });
}

const configuration: JwtVcConfiguration = {
  id: 'UniversityDegree_jwt_vc_json',
  format: 'jwt_vc_json',
  scope: 'UniversityDegree',
  credential_definition: { type: ['VerifiableCredential', 'UniversityDegreeCredential'] },
  issuance: { validity_days: 365, sample_claims: {}, encodings: [], always_disclosed: [] },
};

const claims = {
  given_name: 'Erika',
  family_name: 'Mustermann',
  degree: { type: 'BachelorDegree', name: 'Bachelor of Science and Arts' },
  gpa: 3.7,
  honours: ['cum laude'],
  graduated: true,
  minor: null,
};

const STATUS_URI = 'https://issuer.example/status/1';

describe('jwt_vc_json issuance (W3C VCDM 1.1, JWT encoding)', () => {
  let fixture: Awaited<ReturnType<typeof makeIssuer>>;
  let holderJwk: JWK;
  let holderPublic: JWK;
  let did: string;
  let input: IssueInput<JwtVcConfiguration>;
  const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const validUntil = new Date(issuedAt.getTime() + 365 * 24 * 3600_000);

  before(async () => {
    fixture = await makeIssuer();
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    holderPublic = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    holderJwk = { ...jwk, kid: 'k1', use: 'sig' };
    did = `did:jwk:${Buffer.from(JSON.stringify(holderPublic)).toString('base64url')}`;
    input = {
      configuration,
      claims,
      holderKey: { jwk: holderJwk, didUrl: `${did}#0` },
      signer: fixture.signer,
      issuerIdentifier: 'https://issuer.example',
      issuedAt,
      validUntil,
      status: { idx: 7, uri: STATUS_URI },
    };
  });

  it('verifies with jose using the x5c leaf key and has the VCDM 1.1 JWT structure', async () => {
    const jwt = await issueJwtVcJson(input);
    assert.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'compact JWS');
    const { payload, protectedHeader } = await verifyWithX5c(jwt, fixture.rootDer);

    assert.deepEqual(protectedHeader, { alg: 'ES256', typ: 'JWT', kid: 'ds-1', x5c: fixture.signer.x5c });

    const iat = issuedAt.getTime() / 1000;
    const exp = validUntil.getTime() / 1000;
    assert.equal(payload.iss, 'https://issuer.example');
    assert.equal(payload.sub, did, 'sub is the DID, without the fragment');
    assert.equal(payload.iat, iat);
    assert.equal(payload.nbf, iat);
    assert.equal(payload.exp, exp);
    assert.match(String(payload.jti), /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepStrictEqual(payload.cnf, { jwk: holderPublic });
    assert.deepStrictEqual(payload.status, { status_list: { idx: 7, uri: STATUS_URI } });

    const vc = payload.vc as Record<string, unknown>;
    assert.deepStrictEqual(vc['@context'], ['https://www.w3.org/2018/credentials/v1']);
    assert.deepStrictEqual(vc.type, ['VerifiableCredential', 'UniversityDegreeCredential']);
    assert.equal(vc.issuer, payload.iss);
    assert.equal(vc.issuanceDate, issuedAt.toISOString().replace('.000Z', 'Z'));
    assert.equal(vc.expirationDate, validUntil.toISOString().replace('.000Z', 'Z'));
    assert.equal(Date.parse(vc.issuanceDate as string) / 1000, payload.nbf);
    assert.equal(Date.parse(vc.expirationDate as string) / 1000, payload.exp);
    assert.deepStrictEqual(vc.credentialSubject, { id: did, ...claims });
    assert.deepStrictEqual(vc.credentialStatus, {
      id: `${STATUS_URI}#7`,
      type: 'TokenStatusListEntry',
      status_list: { idx: 7, uri: STATUS_URI },
    });
    assert.deepEqual(
      Object.keys(payload).sort(),
      ['cnf', 'exp', 'iat', 'iss', 'jti', 'nbf', 'status', 'sub', 'vc'],
      'no unexpected top-level claims',
    );
  });

  it('omits sub and credentialSubject.id without a DID, and status without an allocation', async () => {
    const { status: _unused, ...rest } = input;
    const jwt = await issueJwtVcJson({ ...rest, holderKey: { jwk: holderJwk } });
    const { payload } = await verifyWithX5c(jwt, fixture.rootDer);
    assert.equal(payload.sub, undefined);
    assert.equal(payload.status, undefined);
    const vc = payload.vc as Record<string, unknown>;
    assert.deepStrictEqual(vc.credentialSubject, claims);
    assert.equal(vc.credentialStatus, undefined);
    assert.deepStrictEqual(payload.cnf, { jwk: holderPublic }, 'key binding by cnf.jwk regardless');
  });

  it('lets the DID win over a claimed subject id and puts VerifiableCredential first', async () => {
    const jwt = await issueJwtVcJson({
      ...input,
      claims: { ...claims, id: 'did:example:someone-else' },
      configuration: { ...configuration, credential_definition: { type: ['UniversityDegreeCredential'] } },
    });
    const { payload } = await verifyWithX5c(jwt, fixture.rootDer);
    const vc = payload.vc as { credentialSubject: Record<string, unknown>; type: string[] };
    assert.equal(vc.credentialSubject.id, did);
    assert.deepStrictEqual(vc.type, ['VerifiableCredential', 'UniversityDegreeCredential']);
  });

  it('issues a fresh jti per credential', async () => {
    const a = (await verifyWithX5c(await issueJwtVcJson(input), fixture.rootDer)).payload;
    const b = (await verifyWithX5c(await issueJwtVcJson(input), fixture.rootDer)).payload;
    assert.notEqual(a.jti, b.jti);
  });

  it('fails verification when the payload or signature is tampered with, or the chain is foreign', async () => {
    const jwt = await issueJwtVcJson(input);
    const [h, p, s] = jwt.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as JWTPayload & { vc: { credentialSubject: Record<string, unknown> } };
    payload.vc.credentialSubject.gpa = 4.0;
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    await assert.rejects(verifyWithX5c(forged, fixture.rootDer), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });

    const sig = Buffer.from(s, 'base64url');
    sig[5] ^= 0x80;
    await assert.rejects(verifyWithX5c([h, p, sig.toString('base64url')].join('.'), fixture.rootDer), {
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });

    const other = await makeIssuer('Other DS');
    await assert.rejects(verifyWithX5c(await issueJwtVcJson({ ...input, signer: other.signer }), fixture.rootDer), /not issued by the trusted root/);
  });

  it('never outlives the document-signer certificate', async () => {
    const far = new Date(fixture.signer.certificateNotAfter.getTime() + 30 * 86_400_000);
    const { payload } = await verifyWithX5c(await issueJwtVcJson({ ...input, validUntil: far }), fixture.rootDer);
    assert.equal(payload.exp, Math.floor(fixture.signer.certificateNotAfter.getTime() / 1000));
  });
});
