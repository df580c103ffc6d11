import { strict as assert } from 'node:assert';
import { createHash, KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { exportJWK, generateKeyPair, importX509, type JWK } from 'jose';
import { Decoder, Encoder, Tag } from 'cbor-x';
import {
  DateOnly,
  parseIssuerSigned,
  Verifier as AnimoVerifier,
  type IssuerSignedDocument,
  type MdocContext,
  type VerificationAssessment,
} from '@animo-id/mdoc';
import { Verifier as Auth0Verifier } from '@auth0/mdl';
import { issueMdoc, MdocEncodingError } from '../../src/formats/mso-mdoc/index.js';
import { createCoseKey } from '../../src/formats/mso-mdoc/cose-key.js';
import type { MdocConfiguration } from '../../src/credential-configurations/schema.js';
import type { HolderKey, IssueInput } from '../../src/formats/types.js';
import type { IssuerSigner } from '../../src/crypto/issuer-keys.types.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: an IACA-style root, a document-signer certificate (P-256) and a wallet key.
// Verifiers check validity against the real clock, so the fixtures use the real time too.
// ---------------------------------------------------------------------------------------------

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIG = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 24 * 3600_000;

interface IssuerFixture {
  signer: IssuerSigner;
  rootDer: Uint8Array;
  rootPem: string;
}

async function makeIssuer(validity: { notBefore?: Date; notAfter?: Date } = {}): Promise<IssuerFixture> {
  const subtle = webcrypto.subtle;
  const rootKeys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const dsKeys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Test IACA Root, C=DE',
    keys: rootKeys,
    notBefore: new Date(Date.now() - 2 * DAY),
    notAfter: new Date(Date.now() + 10 * 365 * DAY),
    signingAlgorithm: SIG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const ds = await x509.X509CertificateGenerator.create({
    subject: 'CN=Test Document Signer, C=DE',
    issuer: root.subject,
    publicKey: dsKeys.publicKey,
    signingKey: rootKeys.privateKey,
    notBefore: validity.notBefore ?? new Date(Date.now() - DAY),
    notAfter: validity.notAfter ?? new Date(Date.now() + 3 * 365 * DAY),
    signingAlgorithm: SIG,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(['1.0.18013.5.1.2']),
    ],
  });
  const dsDer = new Uint8Array(ds.rawData);
  return {
    rootDer: new Uint8Array(root.rawData),
    rootPem: root.toString('pem'),
    signer: {
      alg: 'ES256',
      privateKey: KeyObject.from(dsKeys.privateKey),
      publicJwk: await exportJWK(dsKeys.publicKey),
      kid: 'ds-1',
      chainDer: [dsDer],
      x5c: [Buffer.from(dsDer).toString('base64')],
      certificateNotBefore: ds.notBefore,
      certificateNotAfter: ds.notAfter,
    },
  };
}

async function makeHolder(): Promise<HolderKey> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { jwk: { ...(await exportJWK(publicKey)), kid: 'wallet-key-1', alg: 'ES256' } };
}

// ---------------------------------------------------------------------------------------------
// Configurations and claims (PID-like and mDL-like)
// ---------------------------------------------------------------------------------------------

const PID_NS = 'eu.europa.ec.eudi.pid.1';
const MDL_NS = 'org.iso.18013.5.1';
const AAMVA_NS = 'org.iso.18013.5.1.aamva';

function mdocConfiguration(id: string, doctype: string, encodings: MdocConfiguration['issuance']['encodings']) {
  return {
    id,
    format: 'mso_mdoc',
    doctype,
    issuance: { validity_days: 365, sample_claims: {}, encodings, always_disclosed: [] },
  } satisfies MdocConfiguration;
}

const pidConfiguration = mdocConfiguration('eu.europa.ec.eudi.pid_mdoc', PID_NS, [
  { path: [PID_NS, 'birth_date'], type: 'full-date' },
  { path: [PID_NS, 'expiry_date'], type: 'full-date' },
  { path: [PID_NS, 'issuance_date'], type: 'tdate' },
  { path: [PID_NS, 'portrait'], type: 'bytes' },
  { path: [PID_NS, 'sex'], type: 'uint' },
  { path: [PID_NS, 'age_in_years'], type: 'uint' },
]);

const mdlConfiguration = mdocConfiguration('org.iso.18013.5.1.mDL', 'org.iso.18013.5.1.mDL', [
  { path: [MDL_NS, 'birth_date'], type: 'full-date' },
  { path: [MDL_NS, 'issue_date'], type: 'full-date' },
  { path: [MDL_NS, 'expiry_date'], type: 'full-date' },
  { path: [MDL_NS, 'portrait'], type: 'bytes' },
  { path: [MDL_NS, 'height'], type: 'uint' },
  { path: [MDL_NS, 'driving_privileges', null, 'issue_date'], type: 'full-date' },
  { path: [MDL_NS, 'driving_privileges', null, 'expiry_date'], type: 'full-date' },
]);

// JPEG-ish bytes; 0xfb 0xff 0xbf makes the standard base64 text contain '+' and '/'.
const PORTRAIT = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0xfb, 0xff, 0xbf, ...randomBytes(40), 0xff, 0xd9]);

const pidClaims = {
  [PID_NS]: {
    family_name: 'Mustermann',
    given_name: 'Erika',
    birth_date: '1964-08-12',
    place_of_birth: { country: 'DE', locality: 'Berlin' },
    nationality: ['DE'],
    portrait: Buffer.from(PORTRAIT).toString('base64url'),
    issuing_authority: 'DE',
    issuing_country: 'DE',
    expiry_date: '2031-01-01',
    issuance_date: '2026-01-01T08:30:00.250+01:00',
    sex: 2,
    age_over_18: true,
    age_in_years: 61,
  },
};

const mdlClaims = {
  [MDL_NS]: {
    family_name: 'Mustermann',
    given_name: 'Erika',
    birth_date: '1964-08-12',
    issue_date: '2024-03-01',
    expiry_date: '2034-02-28',
    issuing_country: 'DE',
    issuing_authority: 'Kraftfahrt-Bundesamt',
    document_number: 'B072RRE2I55',
    portrait: Buffer.from(PORTRAIT).toString('base64'),
    driving_privileges: [
      { vehicle_category_code: 'A', issue_date: '2018-08-09', expiry_date: '2033-08-08' },
      { vehicle_category_code: 'B', issue_date: '2017-02-23', expiry_date: '2032-02-22', codes: [{ code: 'B96' }] },
    ],
    un_distinguishing_sign: 'D',
    height: 172,
  },
  [AAMVA_NS]: { DHS_compliance: 'F', organ_donor: 1 },
};

// ---------------------------------------------------------------------------------------------
// Helpers: independent decoding and verification contexts
// ---------------------------------------------------------------------------------------------

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });
const plainEncoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });

function fromBase64Url(credential: string): Uint8Array {
  assert.match(credential, /^[A-Za-z0-9_-]+$/, 'credential is base64url without padding');
  return new Uint8Array(Buffer.from(credential, 'base64url'));
}

/** A bstr header written by hand (RFC 8949 §3.1), not by the encoder under test. */
function bstrHeader(length: number): Buffer {
  if (length < 24) return Buffer.from([0x40 | length]);
  if (length < 0x100) return Buffer.from([0x58, length]);
  if (length < 0x10000) return Buffer.from([0x59, length >> 8, length & 0xff]);
  throw new Error('test helper: item too large');
}

function tag24Bytes(inner: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0xd8, 0x18]), bstrHeader(inner.length), inner]);
}

interface Raw {
  nameSpaces: Map<string, Tag[]>;
  issuerAuth: [Uint8Array, Map<number, unknown>, Uint8Array, Uint8Array];
  mso: Map<string, any>;
  items: Map<string, Map<string, any>[]>;
}

function decodeRaw(bytes: Uint8Array): Raw {
  const top = decoder.decode(bytes) as Map<string, any>;
  assert.deepEqual([...top.keys()].sort(), ['issuerAuth', 'nameSpaces']);
  const issuerAuth = top.get('issuerAuth');
  assert.ok(Array.isArray(issuerAuth), 'issuerAuth is an untagged COSE_Sign1 array');
  const payloadItem = decoder.decode(issuerAuth[2]);
  assert.ok(payloadItem instanceof Tag && payloadItem.tag === 24, 'payload is #6.24(bstr .cbor MSO)');
  const mso = decoder.decode(payloadItem.value) as Map<string, any>;
  const items = new Map<string, Map<string, any>[]>();
  for (const [ns, list] of top.get('nameSpaces') as Map<string, Tag[]>) {
    items.set(ns, list.map((t) => (assert.equal(t.tag, 24), decoder.decode(t.value) as Map<string, any>)));
  }
  return { nameSpaces: top.get('nameSpaces'), issuerAuth: issuerAuth as Raw['issuerAuth'], mso, items };
}

const toCert = (der: Uint8Array) => new x509.X509Certificate(new Uint8Array(der));

function animoContext(): Pick<MdocContext, 'crypto' | 'cose' | 'x509'> {
  const unused = () => {
    throw new Error('not used by issuer-signed verification');
  };
  return {
    crypto: {
      random: (n) => new Uint8Array(randomBytes(n)),
      digest: ({ digestAlgorithm, bytes }) =>
        new Uint8Array(createHash(digestAlgorithm.replace('-', '').toLowerCase()).update(bytes).digest()),
      calculateEphemeralMacKeyJwk: unused,
    },
    cose: {
      sign1: {
        sign: unused,
        // The library builds the Sig_structure; WebCrypto ECDSA checks a raw r||s signature.
        verify: async ({ sign1, jwk }) => {
          const { data, signature } = sign1.getRawVerificationData();
          const key = await webcrypto.subtle.importKey('jwk', jwk as webcrypto.JsonWebKey, EC, false, ['verify']);
          return webcrypto.subtle.verify(SIG, key, signature, data);
        },
      },
      mac0: { sign: unused, verify: unused },
    },
    x509: {
      getIssuerNameField: ({ certificate, field }) => toCert(certificate).issuerName.getField(field),
      getPublicKey: async ({ certificate, alg }) =>
        exportJWK(await importX509(toCert(certificate).toString('pem'), alg, { extractable: true })),
      validateCertificateChain: async ({ trustedCertificates, x5chain }) => {
        const chain = x5chain.map((c) => toCert(c));
        const anchors = trustedCertificates.map((c) => toCert(c));
        const now = new Date();
        for (const [i, cert] of chain.entries()) {
          const issuer = chain[i + 1] ?? anchors.find((a) => a.subject === cert.issuer);
          if (!issuer) throw new Error(`no trusted issuer for ${cert.subject}`);
          if (!(await cert.verify({ publicKey: issuer, date: now }))) throw new Error(`bad signature on ${cert.subject}`);
        }
      },
      getCertificateData: async ({ certificate }) => {
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
  } as Pick<MdocContext, 'crypto' | 'cose' | 'x509'>;
}

/** @animo-id/mdoc: parse the IssuerSigned as is, verify issuerAuth (signature, x5chain) and digests. */
async function verifyWithAnimo(bytes: Uint8Array, docType: string, rootDer: Uint8Array) {
  const document = parseIssuerSigned(bytes, docType);
  const checks: VerificationAssessment[] = [];
  const onCheckG = (check: VerificationAssessment) => void checks.push(check);
  const verifier = new AnimoVerifier();
  const ctx = animoContext();
  const { issuerAuth } = document.issuerSigned;
  await verifier.verifyIssuerSignature(
    { issuerAuth, trustedCertificates: [rootDer], disableCertificateChainValidation: false, onCheckG },
    ctx,
  );
  await verifier.verifyData({ mdoc: document, onCheckG }, ctx);
  return { document, checks };
}

/** The IssuerSigned bytes spliced verbatim into a DeviceResponse, the shape @auth0/mdl parses. */
function wrapAsDeviceResponse(issuerSigned: Uint8Array, docType: string): Uint8Array {
  const e = (v: unknown) => plainEncoder.encode(v);
  return Buffer.concat([
    Buffer.from([0xa3]),
    e('version'), e('1.0'),
    e('documents'), Buffer.from([0x81, 0xa2]), e('docType'), e(docType), e('issuerSigned'), issuerSigned,
    e('status'), e(0),
  ]);
}

/** @auth0/mdl (cose-kit + pkijs): issuer signature, certificate chain, digests, issuing_country. */
async function verifyWithAuth0(bytes: Uint8Array, docType: string, rootPem: string) {
  const checks: { status: string; id: string; category: string; reason?: string }[] = [];
  const mdoc = await new Auth0Verifier([rootPem]).verify(wrapAsDeviceResponse(bytes, docType), {
    onCheck: (check) => void checks.push(check as (typeof checks)[number]),
  });
  return { mdoc, checks };
}

function input(
  fixture: IssuerFixture,
  holderKey: HolderKey,
  configuration: MdocConfiguration,
  claims: Record<string, unknown>,
  overrides: Partial<IssueInput<MdocConfiguration>> = {},
): IssueInput<MdocConfiguration> {
  const issuedAt = new Date();
  return {
    configuration,
    claims,
    holderKey,
    signer: fixture.signer,
    issuerIdentifier: 'https://issuer.example',
    issuedAt,
    validUntil: new Date(issuedAt.getTime() + 365 * DAY),
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('mso_mdoc issuance (ISO/IEC 18013-5 IssuerSigned)', () => {
  let issuer: IssuerFixture;
  let holder: HolderKey;
  let pid: Uint8Array;
  let mdl: Uint8Array;

  before(async () => {
    issuer = await makeIssuer();
    holder = await makeHolder();
    pid = fromBase64Url(await issueMdoc(input(issuer, holder, pidConfiguration, pidClaims)));
    mdl = fromBase64Url(await issueMdoc(input(issuer, holder, mdlConfiguration, mdlClaims)));
  });

  for (const [name, doc] of [
    ['PID', () => ({ bytes: pid, docType: PID_NS, elements: Object.keys(pidClaims[PID_NS]).length })],
    [
      'mDL',
      () => ({
        bytes: mdl,
        docType: 'org.iso.18013.5.1.mDL',
        elements: Object.keys(mdlClaims[MDL_NS]).length + Object.keys(mdlClaims[AAMVA_NS]).length,
      }),
    ],
  ] as const) {
    it(`${name}: @animo-id/mdoc verifies the issuer signature, the x5chain against the root and every digest`, async () => {
      const { bytes, docType, elements } = doc();
      const { checks } = await verifyWithAnimo(bytes, docType, issuer.rootDer);
      assert.deepEqual(checks.filter((c) => c.status !== 'PASSED'), []);
      const passed = checks.map((c) => c.check);
      assert.ok(passed.includes('Issuer signature must be valid'));
      assert.ok(passed.includes('Issuer certificate must be valid'));
      assert.equal(passed.filter((c) => c.startsWith('The calculated digest for')).length, elements);
    });

    it(`${name}: @auth0/mdl verifies the issuer signature, the x5chain against the root and every digest`, async () => {
      const { bytes, docType, elements } = doc();
      const { mdoc, checks } = await verifyWithAuth0(bytes, docType, issuer.rootPem);
      const failed = checks.filter((c) => c.status !== 'PASSED');
      // The only failure: an IssuerSigned alone carries no DeviceSigned part (that is the wallet's job).
      assert.deepEqual(failed.map((c) => c.id), ['DOCUMENT_DEVICE_SIGNATURE_PRESENCE']);
      const ids = checks.filter((c) => c.status === 'PASSED').map((c) => c.id);
      for (const id of [
        'ISSUER_CERTIFICATE_VALIDITY',
        'ISSUER_SIGNATURE_VALIDITY',
        'MSO_SIGNED_DATE_WITHIN_CERTIFICATE_VALIDITY',
        'MSO_VALIDITY_AT_VERIFICATION_TIME',
        'ISSUER_AUTH_DIGEST_ALGORITHM_SUPPORTED',
      ]) {
        assert.ok(ids.includes(id), id);
      }
      assert.equal(ids.filter((id) => id === 'ATTRIBUTE_DIGEST_MATCH').length, elements);
      assert.equal(mdoc.documents[0].docType, docType);
    });
  }

  it('@auth0/mdl: issuing_country matches the country of the DS certificate issuer', async () => {
    const { checks } = await verifyWithAuth0(mdl, 'org.iso.18013.5.1.mDL', issuer.rootPem);
    const check = checks.find((c) => c.id === 'ISSUING_COUNTRY_MATCHES_CERTIFICATE');
    assert.equal(check?.status, 'PASSED');
  });

  it('both verifiers reject a credential whose element value was altered after signing', async () => {
    const tampered = Buffer.from(pid);
    const at = tampered.indexOf(Buffer.from('Mustermann'));
    assert.ok(at > 0);
    tampered.write('Musterfrau', at);
    const { checks } = await verifyWithAnimo(tampered, PID_NS, issuer.rootDer);
    assert.deepEqual(
      checks.filter((c) => c.status === 'FAILED').map((c) => c.check),
      [`The calculated digest for ${PID_NS}/family_name attribute must match the digest in the issuerAuth element`],
    );
    const auth0 = await verifyWithAuth0(tampered, PID_NS, issuer.rootPem);
    assert.ok(auth0.checks.some((c) => c.id === 'ATTRIBUTE_DIGEST_MATCH' && c.status === 'FAILED'));
  });

  it('@animo-id/mdoc rejects the chain against a different root', async () => {
    const other = await makeIssuer();
    const { checks } = await verifyWithAnimo(pid, PID_NS, other.rootDer);
    assert.deepEqual(checks.filter((c) => c.status === 'FAILED').map((c) => c.check), ['Issuer certificate must be valid']);
  });

  it('PID: element values have the declared CBOR types', async () => {
    const { document } = await verifyWithAnimo(pid, PID_NS, issuer.rootDer);
    const values = (document as IssuerSignedDocument).getIssuerNameSpace(PID_NS)!;
    assert.equal(values.get('family_name'), 'Mustermann');
    assert.ok(values.get('birth_date') instanceof DateOnly);
    assert.equal(String(values.get('birth_date')), '1964-08-12');
    assert.ok(values.get('expiry_date') instanceof DateOnly);
    assert.ok(values.get('issuance_date') instanceof Date);
    assert.equal((values.get('issuance_date') as Date).toISOString(), '2026-01-01T07:30:00.000Z');
    assert.deepEqual(new Uint8Array(values.get('portrait') as Uint8Array), PORTRAIT);
    assert.equal(values.get('sex'), 2);
    assert.equal(values.get('age_in_years'), 61);
    assert.equal(values.get('age_over_18'), true);
    assert.deepEqual(values.get('nationality'), ['DE']);
    assert.deepEqual(values.get('place_of_birth'), new Map([['country', 'DE'], ['locality', 'Berlin']]));

    // Byte level: tag 1004 (D9 03EC) over the full-date, tag 0 (C0) over a Z date-time without fraction.
    const raw = Buffer.from(pid);
    assert.ok(raw.includes(Buffer.concat([Buffer.from([0xd9, 0x03, 0xec, 0x6a]), Buffer.from('1964-08-12')])));
    assert.ok(raw.includes(Buffer.concat([Buffer.from([0xc0, 0x74]), Buffer.from('2026-01-01T07:30:00Z')])));
    assert.ok(raw.includes(Buffer.concat([bstrHeader(PORTRAIT.length), PORTRAIT])));
  });

  it('mDL: nested driving_privileges dates are full-dates, other members untouched', async () => {
    const { document } = await verifyWithAnimo(mdl, 'org.iso.18013.5.1.mDL', issuer.rootDer);
    const values = document.getIssuerNameSpace(MDL_NS)!;
    const privileges = values.get('driving_privileges') as Map<string, unknown>[];
    assert.equal(privileges.length, 2);
    for (const [i, expected] of mdlClaims[MDL_NS].driving_privileges.entries()) {
      assert.equal(privileges[i].get('vehicle_category_code'), expected.vehicle_category_code);
      assert.ok(privileges[i].get('issue_date') instanceof DateOnly);
      assert.equal(String(privileges[i].get('issue_date')), expected.issue_date);
      assert.equal(String(privileges[i].get('expiry_date')), expected.expiry_date);
    }
    assert.deepEqual(privileges[1].get('codes'), [new Map([['code', 'B96']])]);
    assert.deepEqual(new Uint8Array(values.get('portrait') as Uint8Array), PORTRAIT);
    assert.equal(values.get('height'), 172);
    assert.deepEqual(document.getIssuerNameSpace(AAMVA_NS), new Map<string, unknown>([['DHS_compliance', 'F'], ['organ_donor', 1]]));
  });

  it('MSO: version, digest algorithm, docType, deviceKey = holder key, validity as tdate', async () => {
    for (const [bytes, docType] of [[pid, PID_NS], [mdl, 'org.iso.18013.5.1.mDL']] as const) {
      const { document } = await verifyWithAnimo(bytes, docType, issuer.rootDer);
      const mso = document.issuerSigned.issuerAuth.decodedPayload;
      assert.equal(mso.version, '1.0');
      assert.equal(mso.digestAlgorithm, 'SHA-256');
      assert.equal(mso.docType, docType);
      const deviceKey = mso.deviceKeyInfo!.deviceKey;
      const jwk = holder.jwk as Required<Pick<JWK, 'x' | 'y'>>;
      assert.deepEqual(
        [...deviceKey.entries()],
        [[1, 2], [-1, 1], [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]].map(([k, v]) => [
          k,
          v instanceof Buffer ? new Uint8Array(v) : v,
        ]),
      );
      const { signed, validFrom, validUntil } = mso.validityInfo;
      assert.equal(signed.getUTCMilliseconds(), 0);
      assert.ok(validFrom >= signed && validUntil > validFrom);
    }
    const raw = decodeRaw(pid);
    const validityInfo = raw.mso.get('validityInfo') as Map<string, unknown>;
    assert.deepEqual([...validityInfo.keys()], ['signed', 'validFrom', 'validUntil']);
    // tag 0 decodes to Date in cbor-x; the byte check shows it is tag 0 (C0 74 ...Z) and not tag 1.
    const signedText = `${(validityInfo.get('signed') as Date).toISOString().slice(0, 19)}Z`;
    assert.ok(Buffer.from(pid).includes(Buffer.concat([Buffer.from([0xc0, 0x74]), Buffer.from(signedText)])));
    assert.equal(raw.mso.has('status'), false);
  });

  it('COSE_Sign1: alg -7 protected only, x5chain (DS cert) unprotected, raw 64-byte signature', () => {
    const { issuerAuth } = decodeRaw(pid);
    const [protectedBytes, unprotected, , signature] = issuerAuth;
    assert.deepEqual(Buffer.from(protectedBytes).toString('hex'), 'a10126');
    assert.deepEqual([...unprotected.keys()], [33]);
    assert.deepEqual(new Uint8Array(unprotected.get(33) as Uint8Array), issuer.signer.chainDer[0]);
    assert.equal(signature.length, 64);
    // Untagged: the issuerAuth value starts with the array header 0x84, not tag 18 (0xD2).
    const raw = Buffer.from(pid);
    const at = raw.indexOf(Buffer.concat([plainEncoder.encode('issuerAuth'), Buffer.from([0x84, 0x43, 0xa1, 0x01, 0x26])]));
    assert.ok(at >= 0);
  });

  it('digests are SHA-256 over the tag-24 items exactly as stored; valueDigests sorted by digestID', () => {
    for (const bytes of [pid, mdl]) {
      const raw = decodeRaw(bytes);
      const stored = Buffer.from(bytes);
      const valueDigests = raw.mso.get('valueDigests') as Map<string, Map<number, Uint8Array>>;
      assert.deepEqual([...valueDigests.keys()], [...raw.nameSpaces.keys()]);
      for (const [ns, tags] of raw.nameSpaces) {
        const digests = valueDigests.get(ns)!;
        assert.deepEqual([...digests.keys()], [...digests.keys()].sort((a, b) => a - b));
        for (const [i, tag] of tags.entries()) {
          const wrapped = tag24Bytes(tag.value as Uint8Array);
          assert.ok(stored.includes(wrapped), 'item bytes stored verbatim with a preferred bstr header');
          const digestID = raw.items.get(ns)![i].get('digestID') as number;
          assert.deepEqual(
            new Uint8Array(createHash('sha256').update(wrapped).digest()),
            new Uint8Array(digests.get(digestID)!),
          );
        }
      }
    }
  });

  it('random salts are >= 16 bytes and distinct; digestIDs unique per namespace and permuted', async () => {
    const orders = new Set<string>();
    const salts = new Set<string>();
    for (let run = 0; run < 3; run++) {
      const bytes = fromBase64Url(await issueMdoc(input(issuer, holder, mdlConfiguration, mdlClaims)));
      for (const [, items] of decodeRaw(bytes).items) {
        const ids = items.map((item) => item.get('digestID') as number);
        assert.equal(new Set(ids).size, ids.length, 'unique digestIDs');
        assert.ok(ids.every((id) => Number.isInteger(id) && id >= 0));
        if (items.length > 2) orders.add(ids.join(','));
        for (const item of items) {
          const random = item.get('random') as Uint8Array;
          assert.ok(random instanceof Uint8Array && random.length >= 16);
          salts.add(Buffer.from(random).toString('hex'));
        }
        assert.deepEqual(
          [...items[0].keys()],
          ['digestID', 'random', 'elementIdentifier', 'elementValue'],
        );
      }
    }
    const perCredential = Object.keys(mdlClaims[MDL_NS]).length + Object.keys(mdlClaims[AAMVA_NS]).length;
    assert.equal(salts.size, 3 * perCredential, 'every salt differs');
    assert.ok(orders.size > 1, 'digestID order varies between issuances');
    assert.ok(![...orders].every((o) => o === o.split(',').map((_, i) => i).join(',')), 'not sequential');
  });

  it('validity is clamped to the document signer certificate', async () => {
    const notBefore = new Date(Date.now() + 3600_000);
    const notAfter = new Date(Date.now() + 30 * DAY);
    const shortLived = await makeIssuer({ notBefore, notAfter });
    const bytes = fromBase64Url(await issueMdoc(input(shortLived, holder, pidConfiguration, pidClaims)));
    const validityInfo = decodeRaw(bytes).mso.get('validityInfo') as Map<string, Date>;
    const certNotBefore = shortLived.signer.certificateNotBefore;
    const certNotAfter = shortLived.signer.certificateNotAfter;
    assert.equal(validityInfo.get('validFrom')!.getTime(), Math.ceil(certNotBefore.getTime() / 1000) * 1000);
    assert.equal(validityInfo.get('validUntil')!.getTime(), Math.floor(certNotAfter.getTime() / 1000) * 1000);
    assert.ok(validityInfo.get('signed')! < validityInfo.get('validFrom')!);

    const expired = await makeIssuer({ notBefore: new Date(Date.now() - 3 * DAY), notAfter: new Date(Date.now() - DAY) });
    await assert.rejects(issueMdoc(input(expired, holder, pidConfiguration, pidClaims)), /empty validity/);
  });

  it('status: the MSO carries status.status_list {idx, uri} when a status is allocated', async () => {
    const status = { idx: 4711, uri: 'https://issuer.example/status/1' };
    const bytes = fromBase64Url(await issueMdoc(input(issuer, holder, pidConfiguration, pidClaims, { status })));
    const mso = decodeRaw(bytes).mso;
    assert.deepEqual(mso.get('status'), new Map([['status_list', new Map<string, unknown>([['idx', 4711], ['uri', status.uri]])]]));
    const { checks } = await verifyWithAnimo(bytes, PID_NS, issuer.rootDer);
    assert.deepEqual(checks.filter((c) => c.status !== 'PASSED'), []);
  });

  it('x5chain is an array of bstr when the chain holds more than one certificate', async () => {
    const twoCerts = { ...issuer, signer: { ...issuer.signer, chainDer: [issuer.signer.chainDer[0], issuer.rootDer] } };
    const bytes = fromBase64Url(await issueMdoc(input(twoCerts, holder, pidConfiguration, pidClaims)));
    const x5chain = decodeRaw(bytes).issuerAuth[1].get(33) as Uint8Array[];
    assert.ok(Array.isArray(x5chain));
    assert.deepEqual(x5chain.map((c) => new Uint8Array(c)), [issuer.signer.chainDer[0], issuer.rootDer]);
    const { checks } = await verifyWithAuth0(bytes, PID_NS, issuer.rootPem);
    assert.equal(checks.find((c) => c.id === 'ISSUER_CERTIFICATE_VALIDITY')?.status, 'PASSED');
  });

  describe('claims that cannot be encoded as declared throw MdocEncodingError naming the path', () => {
    const cases: [string, Record<string, unknown>, unknown[]][] = [
      ['full-date with month 13', { [PID_NS]: { ...pidClaims[PID_NS], birth_date: '1964-13-12' } }, [PID_NS, 'birth_date']],
      ['full-date given as date-time', { [PID_NS]: { ...pidClaims[PID_NS], expiry_date: '2031-01-01T00:00:00Z' } }, [PID_NS, 'expiry_date']],
      ['tdate without a time', { [PID_NS]: { ...pidClaims[PID_NS], issuance_date: '2026-01-01' } }, [PID_NS, 'issuance_date']],
      ['bytes that are not base64', { [PID_NS]: { ...pidClaims[PID_NS], portrait: 'not base64!' } }, [PID_NS, 'portrait']],
      ['bytes mixing both alphabets', { [PID_NS]: { ...pidClaims[PID_NS], portrait: 'ab+_' } }, [PID_NS, 'portrait']],
      ['uint that is fractional', { [PID_NS]: { ...pidClaims[PID_NS], sex: 1.5 } }, [PID_NS, 'sex']],
      ['uint that is negative', { [PID_NS]: { ...pidClaims[PID_NS], age_in_years: -1 } }, [PID_NS, 'age_in_years']],
      ['uint given as text', { [PID_NS]: { ...pidClaims[PID_NS], sex: '2' } }, [PID_NS, 'sex']],
      [
        'nested driving_privileges date',
        {
          [MDL_NS]: {
            ...mdlClaims[MDL_NS],
            driving_privileges: [mdlClaims[MDL_NS].driving_privileges[0], { vehicle_category_code: 'B', issue_date: '23.02.2017' }],
          },
        },
        [MDL_NS, 'driving_privileges', 1, 'issue_date'],
      ],
      ['driving_privileges not an array', { [MDL_NS]: { ...mdlClaims[MDL_NS], driving_privileges: { issue_date: '2017-02-23' } } }, [MDL_NS, 'driving_privileges']],
      ['a namespace that is not an object', { [MDL_NS]: ['family_name'] }, [MDL_NS]],
    ];
    for (const [name, claims, path] of cases) {
      it(name, async () => {
        const configuration = (path[0] === MDL_NS ? mdlConfiguration : pidConfiguration) as MdocConfiguration;
        await assert.rejects(issueMdoc(input(issuer, holder, configuration, claims)), (error: unknown) => {
          assert.ok(error instanceof MdocEncodingError);
          assert.deepEqual(error.path, path);
          assert.ok(error.message.includes(JSON.stringify(path)), error.message);
          return true;
        });
      });
    }
  });

  it('tdate: offsets are normalised to Z and fractional seconds dropped', async () => {
    const claims = { [PID_NS]: { ...pidClaims[PID_NS], issuance_date: '2025-12-31T23:59:59.999-02:30' } };
    const bytes = fromBase64Url(await issueMdoc(input(issuer, holder, pidConfiguration, claims)));
    assert.ok(Buffer.from(bytes).includes(Buffer.concat([Buffer.from([0xc0, 0x74]), Buffer.from('2026-01-01T02:29:59Z')])));
  });

  it('deviceKey: P-384 and Ed25519 wallet keys become COSE_Keys; RSA is refused', async () => {
    const p384 = await exportJWK((await generateKeyPair('ES384', { extractable: true })).publicKey);
    const key384 = createCoseKey(p384);
    assert.deepEqual([...key384.keys()], [1, -1, -2, -3]);
    assert.equal(key384.get(-1), 2);
    assert.equal((key384.get(-2) as Uint8Array).length, 48);
    const ed = await exportJWK((await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })).publicKey);
    assert.deepEqual(createCoseKey(ed), new Map<number, unknown>([[1, 1], [-1, 6], [-2, Buffer.from(ed.x!, 'base64url')]]));
    const rsa = await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey);
    assert.throws(() => createCoseKey(rsa), /unsupported/);
    assert.throws(() => createCoseKey({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }), /32 bytes/);
  });
});
