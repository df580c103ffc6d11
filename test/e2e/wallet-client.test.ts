import { strict as assert } from 'node:assert';
import { createHash, randomBytes, verify as verifyRaw, webcrypto, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { calculateJwkThumbprint, decodeProtectedHeader, exportJWK, importX509, jwtVerify, type JWK } from 'jose';
import { Decoder, Encoder, Tag } from 'cbor-x';
import { DateOnly, parseIssuerSigned, Verifier as AnimoVerifier, type MdocContext, type VerificationAssessment } from '@animo-id/mdoc';
import { Verifier as Auth0Verifier } from '@auth0/mdl';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest as sdJwtDigest } from '@sd-jwt/crypto-nodejs';
import type { JwtSigner } from '@openid4vc/oauth2';
import { Openid4vciVersion, type CredentialOfferObject, type IssuerMetadataResult } from '@openid4vc/openid4vci';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { compiledServerEntry } from '../helpers/compiled-server.js';
import { createTestWallet, didKeyFromP256Jwk, newWalletKey, type TestWallet, type WalletKey } from '../helpers/openid4vc-wallet.js';

/**
 * End to end: the real issuer process over HTTP, driven by the real `@openid4vc/openid4vci`
 * wallet client, and every credential checked by verifiers that share no code with the issuer
 * (@sd-jwt/sd-jwt-vc, @animo-id/mdoc, @auth0/mdl, jose, node:crypto X.509) against the
 * issuer's root certificate.
 */

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const SHIPPED_IDS = [
  'eu.europa.ec.eudi.pid_mdoc',
  'eu.europa.ec.eudi.pid_mso_mdoc',
  'eu.europa.ec.eudi.pid_vc_sd_jwt',
  'org.iso.18013.5.1.mDL',
  'org.example.employee_jwt_vc',
];

// The shipped configuration file, read directly: the expected claims are the sample personas.
interface ShippedConfiguration {
  format?: string;
  alias_of?: string;
  vct?: string;
  doctype?: string;
  credential_definition?: { type: string[] };
  issuance?: { sample_claims: Record<string, any> };
}
const shipped = JSON.parse(readFileSync(new URL('../../config/credential-configurations.json', import.meta.url), 'utf8'))
  .credential_configurations as Record<string, ShippedConfiguration>;
const configurationOf = (id: string): ShippedConfiguration & { issuance: { sample_claims: Record<string, any> } } => {
  const entry = shipped[id];
  return (entry.alias_of ? shipped[entry.alias_of] : entry) as ShippedConfiguration & { issuance: { sample_claims: Record<string, any> } };
};

// ---------------------------------------------------------------------------------------------
// The wallet flow, every step through the library
// ---------------------------------------------------------------------------------------------

interface FlowOptions {
  configurationId: string;
  offer?: Record<string, unknown>;
  /** One proof per key, all in one credential request. */
  keys?: WalletKey[];
  signerFor?: (key: WalletKey) => JwtSigner;
  /** Supplies the tx_code the admin API returned (the "out of band" channel). */
  withTxCode?: boolean;
}

interface Flow {
  wallet: TestWallet;
  keys: WalletKey[];
  adminOffer: { session_id: string; offer_url: string; credential_offer: any; credential_offer_uri?: string; tx_code?: string };
  credentialOffer: CredentialOfferObject;
  issuerMetadata: IssuerMetadataResult;
  accessToken: string;
  cNonce: string;
  proofs: string[];
  credentials: string[];
}

const jwkSigner = (key: WalletKey): JwtSigner => ({ method: 'jwk', publicJwk: key.publicJwk as never, alg: 'ES256' });
const didSigner = (key: WalletKey): JwtSigner => ({ method: 'did', didUrl: key.didUrl, alg: 'ES256' });

async function runFlow(issuer: RunningIssuer, opts: FlowOptions): Promise<Flow> {
  const keys = opts.keys ?? [await newWalletKey()];
  const created = await admin(issuer, 'POST', '/credential_offers', {
    credential_configuration_ids: [opts.configurationId],
    by_reference: true,
    ...opts.offer,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const adminOffer = created.body as Flow['adminOffer'];
  assert.match(adminOffer.offer_url, /^openid-credential-offer:\/\/\?credential_offer_uri=/);

  const wallet = createTestWallet(keys);
  const { client } = wallet;
  const credentialOffer = await client.resolveCredentialOffer(adminOffer.offer_url);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    ...(opts.withTxCode ? { txCode: adminOffer.tx_code } : {}),
  });
  const { c_nonce: cNonce } = await client.requestNonce({ issuerMetadata });
  const proofs: string[] = [];
  for (const key of keys) {
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId: opts.configurationId,
      signer: (opts.signerFor ?? jwkSigner)(key),
      nonce: cNonce,
    });
    proofs.push(jwt);
  }
  const { credentialResponse } = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId: opts.configurationId,
    proofs: { jwt: proofs },
  });
  assert.ok(Array.isArray(credentialResponse.credentials), `credentials array in ${JSON.stringify(credentialResponse)}`);
  const credentials = credentialResponse.credentials!.map((c) => {
    // 1.0 §8.3: each element is an object {credential}; drafts ≤ 14 had bare values.
    assert.ok(typeof c === 'object' && c !== null && 'credential' in c, `credentials element ${JSON.stringify(c)}`);
    assert.equal(typeof c.credential, 'string');
    return c.credential as string;
  });
  return { wallet, keys, adminOffer, credentialOffer, issuerMetadata, accessToken: accessTokenResponse.access_token, cNonce, proofs, credentials };
}

async function getSession(issuer: RunningIssuer, id: string) {
  const res = await admin(issuer, 'GET', `/sessions/${id}`);
  assert.equal(res.status, 200);
  return res.body as {
    state: string;
    events: { type: string; details: Record<string, unknown> }[];
    logs: unknown[];
    issued_credentials: { credential_configuration_id: string; format: string; key_source: string; holder_key_thumbprint: string; credential_sha256: string }[];
  };
}

// ---------------------------------------------------------------------------------------------
// Independent verifiers
// ---------------------------------------------------------------------------------------------

interface Trust {
  rootPem: string;
  root: X509Certificate;
  rootDer: Uint8Array;
}

/** The DS certificate must be issued and signed by the issuer's root, and valid now. */
function checkDsCertificate(dsDer: Uint8Array, trust: Trust): X509Certificate {
  const ds = new X509Certificate(dsDer);
  assert.ok(ds.checkIssued(trust.root), `DS ${ds.subject} names the root as issuer`);
  assert.ok(ds.verify(trust.root.publicKey), 'DS certificate signature verifies with the root key');
  const now = Date.now();
  assert.ok(Date.parse(ds.validFrom) <= now && now < Date.parse(ds.validTo), 'DS certificate valid now');
  return ds;
}

function b64urlJson(segment: string): Record<string, any> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}


/** @sd-jwt/sd-jwt-vc with a verifier that takes the key from the x5c leaf (and checks the chain). */
async function verifySdJwtVc(compact: string, trust: Trust) {
  const header = b64urlJson(compact.split('.')[0]);
  assert.equal(header.typ, 'dc+sd-jwt');
  assert.equal(header.alg, 'ES256');
  assert.ok(Array.isArray(header.x5c) && header.x5c.length >= 1, 'x5c header');
  const ds = checkDsCertificate(Buffer.from(header.x5c[0], 'base64'), trust);
  const instance = new SDJwtVcInstance({
    hasher: sdJwtDigest,
    verifier: (data: string, signature: string) =>
      verifyRaw('sha256', Buffer.from(data), { key: ds.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url')),
  });
  const { payload } = (await instance.verify(compact)) as { payload: Record<string, any> };
  const [issuerJwt, ...rest] = compact.split('~');
  const issuerJwtPayload = b64urlJson(issuerJwt.split('.')[1]);
  // RFC 9901 §7.1: every disclosure must be referenced by a digest. @sd-jwt 0.19 silently drops
  // unreferenced ones, so this check is done here.
  assert.equal(rest.pop(), '', 'SD-JWT without KB-JWT ends with ~');
  const disclosures = rest.map((d) => ({ digest: createHash('sha256').update(d).digest('base64url'), value: JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) }));
  const referenced = new Set<string>();
  const collect = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) {
        if (k === '_sd' && Array.isArray(inner)) inner.forEach((d) => referenced.add(String(d)));
        else if (k === '...') referenced.add(String(inner));
        else collect(inner);
      }
    }
  };
  collect(issuerJwtPayload);
  disclosures.forEach((d) => collect(d.value));
  for (const d of disclosures) assert.ok(referenced.has(d.digest), `disclosure ${JSON.stringify(d.value)} is referenced by a digest`);
  return { header, payload, issuerJwtPayload, ds };
}

const REGISTERED_SD_JWT_CLAIMS = new Set(['iss', 'iat', 'nbf', 'exp', 'vct', 'cnf', 'status', 'sub', '_sd_alg', 'vct#integrity']);
const userClaims = (payload: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(payload).filter(([k]) => !REGISTERED_SD_JWT_CLAIMS.has(k)));

/** jose.jwtVerify with the x5c leaf key, chain checked against the root. */
async function verifyJwtVc(jwt: string, trust: Trust, issuerId: string) {
  const header = decodeProtectedHeader(jwt);
  assert.ok(Array.isArray(header.x5c) && header.x5c.length >= 1, 'x5c header');
  const ds = checkDsCertificate(Buffer.from(header.x5c[0], 'base64'), trust);
  return jwtVerify(jwt, ds.publicKey, { algorithms: ['ES256'], issuer: issuerId });
}

const cbor = new Decoder({ mapsAsObjects: false, useRecords: false });
const cborPlain = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });
const toCert = (der: Uint8Array) => new x509.X509Certificate(new Uint8Array(der));

/** The @animo-id/mdoc context of test/formats/mso-mdoc.test.ts: WebCrypto + @peculiar/x509. */
function animoContext(): Pick<MdocContext, 'crypto' | 'cose' | 'x509'> {
  const unused = () => {
    throw new Error('not used by issuer-signed verification');
  };
  return {
    crypto: {
      random: (n: number) => new Uint8Array(randomBytes(n)),
      digest: ({ digestAlgorithm, bytes }: { digestAlgorithm: string; bytes: Uint8Array }) =>
        new Uint8Array(createHash(digestAlgorithm.replace('-', '').toLowerCase()).update(bytes).digest()),
      calculateEphemeralMacKeyJwk: unused,
    },
    cose: {
      sign1: {
        sign: unused,
        verify: async ({ sign1, jwk }: any) => {
          const { data, signature } = sign1.getRawVerificationData();
          const key = await webcrypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
          return webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, data);
        },
      },
      mac0: { sign: unused, verify: unused },
    },
    x509: {
      getIssuerNameField: ({ certificate, field }: any) => toCert(certificate).issuerName.getField(field),
      getPublicKey: async ({ certificate, alg }: any) => exportJWK(await importX509(toCert(certificate).toString('pem'), alg, { extractable: true })),
      validateCertificateChain: async ({ trustedCertificates, x5chain }: any) => {
        const chain = (x5chain as Uint8Array[]).map(toCert);
        const anchors = (trustedCertificates as Uint8Array[]).map(toCert);
        for (const [i, cert] of chain.entries()) {
          const issuerCert = chain[i + 1] ?? anchors.find((a) => a.subject === cert.issuer);
          if (!issuerCert) throw new Error(`no trusted issuer for ${cert.subject}`);
          if (!(await cert.verify({ publicKey: issuerCert, date: new Date() }))) throw new Error(`bad signature on ${cert.subject}`);
        }
      },
      getCertificateData: async ({ certificate }: any) => {
        const cert = toCert(certificate);
        return {
          issuerName: cert.issuer,
          subjectName: cert.subject,
          serialNumber: cert.serialNumber,
          thumbprint: Buffer.from(await cert.getThumbprint()).toString('hex'),
          notBefore: cert.notBefore,
          notAfter: cert.notAfter,
          pem: cert.toString('pem'),
        };
      },
    },
  } as unknown as Pick<MdocContext, 'crypto' | 'cose' | 'x509'>;
}

/** The IssuerSigned spliced verbatim into a DeviceResponse, the shape @auth0/mdl parses. */
function wrapAsDeviceResponse(issuerSigned: Uint8Array, docType: string): Uint8Array {
  const e = (v: unknown) => cborPlain.encode(v);
  return Buffer.concat([
    Buffer.from([0xa3]),
    e('version'), e('1.0'),
    e('documents'), Buffer.from([0x81, 0xa2]), e('docType'), e(docType), e('issuerSigned'), issuerSigned,
    e('status'), e(0),
  ]);
}

/** mdoc element values as JSON-like data, so they compare with the configuration's sample claims. */
function plain(value: unknown): unknown {
  if (value instanceof DateOnly) return String(value);
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, plain(v)]));
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

async function verifyMdoc(credential: string, docType: string, trust: Trust) {
  assert.match(credential, /^[A-Za-z0-9_-]+$/, 'base64url without padding (App. A.2)');
  const bytes = new Uint8Array(Buffer.from(credential, 'base64url'));

  // @animo-id/mdoc: issuer signature, x5chain against the root, every digest.
  const document = parseIssuerSigned(bytes, docType);
  const checks: VerificationAssessment[] = [];
  const ctx = animoContext();
  const onCheckG = (c: VerificationAssessment) => void checks.push(c);
  await new AnimoVerifier().verifyIssuerSignature(
    { issuerAuth: document.issuerSigned.issuerAuth, trustedCertificates: [trust.rootDer], disableCertificateChainValidation: false, onCheckG },
    ctx,
  );
  await new AnimoVerifier().verifyData({ mdoc: document, onCheckG }, ctx);

  // @auth0/mdl: same, with its own COSE and PKI code.
  const auth0Checks: { status: string; id: string; reason?: string }[] = [];
  await new Auth0Verifier([trust.rootPem]).verify(wrapAsDeviceResponse(bytes, docType), {
    onCheck: (c) => void auth0Checks.push(c as (typeof auth0Checks)[number]),
  });

  // Raw CBOR for what the libraries do not expose.
  const top = cbor.decode(bytes) as Map<string, any>;
  const issuerAuth = top.get('issuerAuth') as [Uint8Array, Map<number, any>, Uint8Array, Uint8Array];
  const x5chain = issuerAuth[1].get(33);
  const dsDer = (Array.isArray(x5chain) ? x5chain[0] : x5chain) as Uint8Array;
  const payloadTag = cbor.decode(issuerAuth[2]) as Tag;
  const mso = cbor.decode(payloadTag.value as Uint8Array) as Map<string, any>;
  return { bytes, document, checks, auth0Checks, dsDer, mso };
}

const isCountryCheck = (check: string) => check.includes("'issuing_country'");

const tagged1004 = (text: string) => Buffer.concat([Buffer.from([0xd9, 0x03, 0xec, 0x60 | text.length]), Buffer.from(text)]);

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('e2e: @openid4vc/openid4vci wallet client against the real issuer, as shipped (compiled dist/, production dependencies only)', () => {
  let issuer: RunningIssuer;
  let trust: Trust;

  before(async () => {
    // The compiled server, as `npm start` runs it: what operators run is what this test
    // exercises, its self-check and checkpoint workers included.
    issuer = await startIssuer({ entry: compiledServerEntry() });
    const rootPem = readFileSync(join(issuer.dataDir, 'keys', 'iaca-root.cert.pem'), 'utf8');
    const root = new X509Certificate(rootPem);
    trust = { rootPem, root, rootDer: new Uint8Array(root.raw) };
  });

  after(async () => {
    await issuer?.stop();
    issuer?.cleanup();
  });

  it('the shipped configurations are the ones this file covers', () => {
    assert.deepEqual(Object.keys(shipped).filter((k) => !k.startsWith('$')).sort(), [...SHIPPED_IDS].sort());
  });

  it('the test did:key encoder reproduces the worked example of did-keys.md', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI', y: 'hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU' };
    assert.equal(didKeyFromP256Jwk(jwk), 'did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169');
  });

  for (const id of SHIPPED_IDS) {
    it(`${id}: offer by reference → metadata (1.0) → token → nonce → jwk proof → credential, verified independently`, async () => {
      const configuration = configurationOf(id);
      const flow = await runFlow(issuer, { configurationId: id });
      const [key] = flow.keys;

      // The library fetched the offer from credential_offer_uri and got what the admin API created.
      assert.ok(flow.wallet.requests.some((r) => r.method === 'GET' && r.url === flow.adminOffer.credential_offer_uri));
      assert.deepEqual(flow.credentialOffer, flow.adminOffer.credential_offer);
      assert.deepEqual(flow.credentialOffer.credential_configuration_ids, [id]);

      // Metadata: the library recognises OID4VCI 1.0 and knows the configuration.
      assert.equal(flow.issuerMetadata.originalDraftVersion, Openid4vciVersion.V1);
      assert.equal(flow.issuerMetadata.credentialIssuer.credential_issuer, issuer.baseUrl);
      assert.ok(flow.issuerMetadata.knownCredentialConfigurations[id], `${id} is a known configuration for the library`);
      assert.ok(
        flow.wallet.requests.some((r) => r.url === `${issuer.baseUrl}/.well-known/openid-credential-issuer`),
        'metadata fetched at the well-known location',
      );

      // The proof the library built: typ, jwk header, aud = issuer id, nonce = c_nonce.
      const proofHeader = decodeProtectedHeader(flow.proofs[0]);
      assert.equal(proofHeader.typ, 'openid4vci-proof+jwt');
      assert.deepEqual(proofHeader.jwk, key.publicJwk);
      const proofPayload = b64urlJson(flow.proofs[0].split('.')[1]);
      assert.equal(proofPayload.aud, issuer.baseUrl);
      assert.equal(proofPayload.nonce, flow.cNonce);
      assert.equal(proofPayload.iss, undefined, 'anonymous pre-auth: no iss');

      assert.equal(flow.credentials.length, 1);
      const [credential] = flow.credentials;

      if (configuration.format === 'dc+sd-jwt') {
        const { payload, issuerJwtPayload, ds } = await verifySdJwtVc(credential, trust);
        assert.equal(payload.vct, configuration.vct);
        assert.equal(payload.iss, issuer.baseUrl);
        assert.deepEqual(payload.cnf, { jwk: key.publicJwk });
        assert.deepEqual(userClaims(payload), configuration.issuance.sample_claims);
        assert.equal(typeof payload.birthdate, 'string');
        assert.match(payload.birthdate, /^\d{4}-\d{2}-\d{2}$/);
        assert.ok(Array.isArray(payload.nationalities));
        assert.equal(payload.age_equal_or_over['18'], true);
        // always_disclosed is empty: no user claim is in the clear in the issuer-signed JWT.
        assert.deepEqual(Object.keys(issuerJwtPayload).filter((k) => k in configuration.issuance.sample_claims), []);
        assert.ok(payload.exp * 1000 <= Date.parse(ds.validTo), 'exp within the DS certificate');
      } else if (configuration.format === 'mso_mdoc') {
        const docType = configuration.doctype!;
        const { bytes, document, checks, auth0Checks, dsDer, mso } = await verifyMdoc(credential, docType, trust);
        // issuing_country vs. the DS certificate has its own test below.
        assert.deepEqual(checks.filter((c) => c.status !== 'PASSED' && !isCountryCheck(c.check)), []);
        const passed = checks.map((c) => c.check);
        assert.ok(passed.includes('Issuer signature must be valid'));
        assert.ok(passed.includes('Issuer certificate must be valid'));
        const elementCount = Object.values(configuration.issuance.sample_claims).reduce((n, ns) => n + Object.keys(ns).length, 0);
        assert.equal(passed.filter((c) => c.startsWith('The calculated digest for')).length, elementCount);
        // An IssuerSigned alone has no DeviceSigned part: that is the only thing @auth0/mdl misses.
        assert.deepEqual(
          auth0Checks.filter((c) => c.status !== 'PASSED' && c.id !== 'ISSUING_COUNTRY_MATCHES_CERTIFICATE').map((c) => c.id),
          ['DOCUMENT_DEVICE_SIGNATURE_PRESENCE'],
        );
        assert.ok(auth0Checks.some((c) => c.id === 'ISSUER_SIGNATURE_VALIDITY' && c.status === 'PASSED'));
        assert.equal(auth0Checks.filter((c) => c.id === 'ATTRIBUTE_DIGEST_MATCH' && c.status === 'PASSED').length, elementCount);

        const msoView = document.issuerSigned.issuerAuth.decodedPayload;
        assert.equal(msoView.docType, docType);
        assert.equal(mso.get('docType'), docType);
        const deviceKey = mso.get('deviceKeyInfo').get('deviceKey') as Map<number, any>;
        assert.equal(deviceKey.get(1), 2, 'kty EC2');
        assert.equal(deviceKey.get(-1), 1, 'crv P-256');
        assert.deepEqual(Buffer.from(deviceKey.get(-2)), Buffer.from(key.publicJwk.x!, 'base64url'));
        assert.deepEqual(Buffer.from(deviceKey.get(-3)), Buffer.from(key.publicJwk.y!, 'base64url'));

        // Claims, with their CBOR types, equal the sample persona.
        for (const [ns, elements] of Object.entries(configuration.issuance.sample_claims)) {
          const values = document.getIssuerNameSpace(ns);
          assert.ok(values, `namespace ${ns}`);
          assert.deepEqual(plain(values), elements);
        }
        const [ns, elements] = Object.entries(configuration.issuance.sample_claims)[0];
        const birthDate = document.getIssuerNameSpace(ns)!.get('birth_date');
        assert.ok(birthDate instanceof DateOnly, 'birth_date decodes as a full-date');
        assert.ok(Buffer.from(bytes).includes(tagged1004(elements.birth_date)), 'birth_date is #6.1004(tstr)');

        // Validity inside the DS certificate validity, signed now.
        const ds = checkDsCertificate(dsDer, trust);
        const validity = mso.get('validityInfo') as Map<string, Date>;
        const now = Date.now();
        assert.ok(Math.abs(validity.get('signed')!.getTime() - now) < 120_000, 'signed ≈ now');
        assert.ok(validity.get('validFrom')!.getTime() >= Date.parse(ds.validFrom), 'validFrom ≥ DS notBefore');
        assert.ok(validity.get('validUntil')!.getTime() <= Date.parse(ds.validTo), 'validUntil ≤ DS notAfter');
        assert.ok(validity.get('validFrom')!.getTime() <= now && validity.get('validUntil')!.getTime() > now, 'valid now');
      } else if (configuration.format === 'jwt_vc_json') {
        const { payload, protectedHeader } = await verifyJwtVc(credential, trust, issuer.baseUrl);
        assert.equal(protectedHeader.alg, 'ES256');
        assert.deepEqual(payload.cnf, { jwk: key.publicJwk });
        assert.equal(payload.sub, undefined, 'no DID, no sub');
        const vc = payload.vc as Record<string, any>;
        assert.deepEqual(vc.type, configuration.credential_definition!.type);
        assert.equal(vc.issuer, issuer.baseUrl);
        assert.deepEqual(vc.credentialSubject, configuration.issuance.sample_claims);
      } else {
        assert.fail(`unexpected format ${configuration.format}`);
      }

      const session = await getSession(issuer, flow.adminOffer.session_id);
      assert.equal(session.state, 'credential_issued');
      assert.deepEqual(session.events.map((e) => e.type), ['offer_created', 'offer_retrieved', 'token_exchanged', 'credential_issued']);
      assert.deepEqual(session.events.at(-1)!.details.key_sources, ['jwk']);
      assert.equal(session.issued_credentials[0].credential_configuration_id, id);
      assert.equal(session.issued_credentials.length, 1);
      assert.equal(session.issued_credentials[0].key_source, 'jwk');
      assert.equal(session.issued_credentials[0].format, configuration.format);
      assert.equal(session.issued_credentials[0].holder_key_thumbprint, await calculateJwkThumbprint(key.publicJwk));
      assert.equal(session.issued_credentials[0].credential_sha256, createHash('sha256').update(credential).digest('base64url'));

      // The server process runs the self-check on its worker thread: it passes there too, with
      // the configuration's type parameter (vct / doctype / credential_definition.type) checked.
      let selfCheck: { status: string; checks: { check: string; status: string }[] } | undefined;
      for (let i = 0; i < 200 && !selfCheck; i++) {
        selfCheck = ((await admin(issuer, 'GET', `/sessions/${flow.adminOffer.session_id}`)).body.issued_credentials[0] as { self_check?: typeof selfCheck }).self_check;
        if (!selfCheck) await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(selfCheck?.status, 'pass', JSON.stringify(selfCheck?.checks.filter((c) => c.status !== 'pass')));
      const typeCheck = { 'dc+sd-jwt': 'self_check.vct', mso_mdoc: 'self_check.doctype', jwt_vc_json: 'self_check.credential_definition.type' }[configuration.format as string];
      assert.equal(selfCheck!.checks.find((c) => c.check === typeCheck)?.status, 'pass', `${typeCheck} passes`);
    });
  }

  it('org.iso.18013.5.1.mDL: issuing_country equals the countryName of the DS certificate (ISO/IEC 18013-5 issuer data authentication), for both verifiers', async () => {
    const id = 'org.iso.18013.5.1.mDL';
    const flow = await runFlow(issuer, { configurationId: id });
    const { document, checks, auth0Checks, dsDer } = await verifyMdoc(flow.credentials[0], 'org.iso.18013.5.1.mDL', trust);
    const issuingCountry = document.getIssuerNameSpace('org.iso.18013.5.1')!.get('issuing_country');
    const dsCountry = toCert(dsDer).subjectName.getField('C')[0];
    assert.equal(issuingCountry, configurationOf(id).issuance.sample_claims['org.iso.18013.5.1'].issuing_country);
    const animo = checks.find((c) => isCountryCheck(c.check));
    const auth0 = auth0Checks.find((c) => c.id === 'ISSUING_COUNTRY_MATCHES_CERTIFICATE');
    assert.deepEqual(
      { issuingCountry, dsCountry, animo: animo?.status, auth0: auth0?.status },
      { issuingCountry: dsCountry, dsCountry, animo: 'PASSED', auth0: 'PASSED' },
    );
  });

  it('negative controls: the independent verifiers reject tampered credentials and a foreign root', async () => {
    const keys = { sd: await newWalletKey(), jwt: await newWalletKey(), mdoc: await newWalletKey() };
    const [sd] = (await runFlow(issuer, { configurationId: 'eu.europa.ec.eudi.pid_vc_sd_jwt', keys: [keys.sd] })).credentials;
    const [jwt] = (await runFlow(issuer, { configurationId: 'org.example.employee_jwt_vc', keys: [keys.jwt] })).credentials;
    const [mdoc] = (await runFlow(issuer, { configurationId: 'eu.europa.ec.eudi.pid_mdoc', keys: [keys.mdoc] })).credentials;

    // A foreign root: same shape, other key.
    const rootKeys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const foreignRoot = await x509.X509CertificateGenerator.createSelfSigned({
      name: trust.root.subject.split('\n').join(', '),
      keys: rootKeys,
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
    });
    const foreign: Trust = { rootPem: foreignRoot.toString('pem'), root: new X509Certificate(Buffer.from(foreignRoot.rawData)), rootDer: new Uint8Array(foreignRoot.rawData) };
    await assert.rejects(verifySdJwtVc(sd, foreign), /DS certificate signature verifies with the root key/);
    await assert.rejects(verifyJwtVc(jwt, foreign, issuer.baseUrl), /DS certificate signature verifies with the root key/);
    const foreignMdoc = await verifyMdoc(mdoc, 'eu.europa.ec.eudi.pid.1', foreign);
    assert.deepEqual(foreignMdoc.checks.filter((c) => c.status === 'FAILED').map((c) => c.check), ['Issuer certificate must be valid']);

    // A disclosure swapped for one the issuer never signed.
    const parts = sd.split('~');
    const forged = Buffer.from(JSON.stringify([randomBytes(16).toString('base64url'), 'given_name', 'Mallory'])).toString('base64url');
    await assert.rejects(verifySdJwtVc([parts[0], forged, ...parts.slice(2)].join('~'), trust), /is referenced by a digest/);
    // A JWT whose payload was altered after signing.
    const [h, p, sig] = jwt.split('.');
    const altered = Buffer.from(JSON.stringify({ ...b64urlJson(p), sub: 'did:example:mallory' })).toString('base64url');
    await assert.rejects(verifyJwtVc([h, altered, sig].join('.'), trust, issuer.baseUrl), /signature verification failed/);
    // An mdoc element value altered after signing: both verifiers see the digest mismatch.
    const bytes = Buffer.from(mdoc, 'base64url');
    const at = bytes.indexOf(Buffer.from('Mustermann'));
    assert.ok(at > 0);
    bytes.write('Musterfrau', at);
    const tampered = await verifyMdoc(bytes.toString('base64url'), 'eu.europa.ec.eudi.pid.1', trust);
    assert.ok(tampered.checks.some((c) => c.status === 'FAILED' && c.check.includes('/family_name')));
    assert.ok(tampered.auth0Checks.some((c) => c.id === 'ATTRIBUTE_DIGEST_MATCH' && c.status === 'FAILED'));
  });

  it('offered claims: the SD-JWT PID carries exactly the claims of the offer (Alice), not the sample persona', async () => {
    const alice = {
      given_name: 'Alice',
      family_name: 'Example',
      birthdate: '1990-05-01',
      place_of_birth: { country: 'FR', locality: 'Lyon' },
      nationalities: ['FR', 'DE'],
      issuing_authority: 'Alice Test Authority',
      issuing_country: 'FR',
      date_of_expiry: '2035-04-30',
      age_equal_or_over: { '18': true },
    };
    const id = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
    const flow = await runFlow(issuer, { configurationId: id, offer: { claims: alice } });
    const { payload } = await verifySdJwtVc(flow.credentials[0], trust);
    assert.equal(payload.vct, 'urn:eudi:pid:1');
    assert.deepEqual(userClaims(payload), alice);
    assert.deepEqual(payload.cnf, { jwk: flow.keys[0].publicJwk });
  });

  it('tx_code: the library reads it from the offer, the admin-issued code completes the flow, and no secret reaches the session view', async () => {
    const id = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
    const flow = await runFlow(issuer, {
      configurationId: id,
      offer: { grants: { pre_authorized_code: { tx_code: { length: 6, input_mode: 'numeric' } } } },
      withTxCode: true,
    });
    const txCode = flow.adminOffer.tx_code!;
    assert.match(txCode, /^\d{6}$/);
    const grant = flow.credentialOffer.grants?.[PRE_AUTH] as Record<string, any>;
    assert.deepEqual(grant.tx_code, { length: 6, input_mode: 'numeric' });
    // The library itself insists on a code for this offer (it throws before sending anything).
    const sent = flow.wallet.requests.length;
    await assert.rejects(
      flow.wallet.client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer: flow.credentialOffer, issuerMetadata: flow.issuerMetadata }),
      /requires a 'tx_code'/,
    );
    assert.equal(flow.wallet.requests.length, sent);
    const { payload } = await verifySdJwtVc(flow.credentials[0], trust);
    assert.deepEqual(payload.cnf, { jwk: flow.keys[0].publicJwk });

    const session = await getSession(issuer, flow.adminOffer.session_id);
    assert.equal(session.state, 'credential_issued');
    assert.equal(session.events.find((e) => e.type === 'token_exchanged')?.details.tx_code_checked, true);
    const text = JSON.stringify(session);
    assert.ok(session.logs.length > 0, 'the session has request logs to look through');
    // The code standing alone (as a JSON value, a form value, ...): not inside some longer id or hash.
    assert.doesNotMatch(text, new RegExp(`(?<![A-Za-z0-9])${txCode}(?![A-Za-z0-9])`), 'tx_code value in the session view');
    const preAuthorizedCode = grant['pre-authorized_code'] as string;
    assert.ok(preAuthorizedCode.length >= 20);
    assert.ok(!text.includes(preAuthorizedCode), 'pre-authorized code in the session view');
    assert.ok(!text.includes(flow.accessToken), 'access token in the session view');
  });

  it('did:key binding: a did signer (kid = did:key P-256 URL) gets a credential bound to that key', async () => {
    const key = await newWalletKey();
    assert.match(key.did, /^did:key:zDn/);
    const flow = await runFlow(issuer, { configurationId: 'eu.europa.ec.eudi.pid_vc_sd_jwt', keys: [key], signerFor: didSigner });
    const proofHeader = decodeProtectedHeader(flow.proofs[0]);
    assert.equal(proofHeader.kid, key.didUrl);
    assert.equal(proofHeader.jwk, undefined, 'kid only, no jwk');
    const { payload } = await verifySdJwtVc(flow.credentials[0], trust);
    assert.deepEqual(payload.cnf, { jwk: key.publicJwk });
    const session = await getSession(issuer, flow.adminOffer.session_id);
    assert.equal(session.issued_credentials.length, 1);
    assert.equal(session.issued_credentials[0].key_source, 'did:key:p256');
    assert.equal(session.issued_credentials[0].holder_key_thumbprint, await calculateJwkThumbprint(key.publicJwk));
  });

  it('did:key binding, jwt_vc_json: credentialSubject.id and sub are the DID, cnf.jwk its key', async () => {
    const key = await newWalletKey();
    const flow = await runFlow(issuer, { configurationId: 'org.example.employee_jwt_vc', keys: [key], signerFor: didSigner });
    const { payload } = await verifyJwtVc(flow.credentials[0], trust, issuer.baseUrl);
    assert.equal(payload.sub, key.did);
    assert.deepEqual(payload.cnf, { jwk: key.publicJwk });
    assert.deepEqual((payload.vc as any).credentialSubject, { id: key.did, ...configurationOf('org.example.employee_jwt_vc').issuance.sample_claims });
  });

  it('batch: two proofs (two keys) in one request give two credentials, each bound to its own key', async () => {
    const keys = [await newWalletKey(), await newWalletKey()];
    const flow = await runFlow(issuer, { configurationId: 'eu.europa.ec.eudi.pid_vc_sd_jwt', keys });
    assert.ok((flow.issuerMetadata.credentialIssuer.batch_credential_issuance?.batch_size ?? 0) >= 2);
    assert.equal(flow.proofs.length, 2);
    assert.equal(flow.credentials.length, 2);
    assert.notEqual(flow.credentials[0], flow.credentials[1]);
    const bound = [];
    for (const credential of flow.credentials) {
      const { payload } = await verifySdJwtVc(credential, trust);
      assert.deepEqual(userClaims(payload), configurationOf('eu.europa.ec.eudi.pid_vc_sd_jwt').issuance.sample_claims);
      bound.push(await calculateJwkThumbprint(payload.cnf.jwk));
    }
    const expected = await Promise.all(keys.map((k) => calculateJwkThumbprint(k.publicJwk)));
    assert.deepEqual([...bound].sort(), [...expected].sort(), 'one credential per key');
    const session = await getSession(issuer, flow.adminOffer.session_id);
    assert.deepEqual(session.issued_credentials.map((c) => c.holder_key_thumbprint).sort(), [...expected].sort());
    assert.deepEqual(session.issued_credentials.map((c) => c.key_source), ['jwk', 'jwk']);
    assert.equal(session.events.filter((e) => e.type === 'credential_issued').length, 1);
  });
});
