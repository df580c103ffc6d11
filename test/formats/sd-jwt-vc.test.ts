import { strict as assert } from 'node:assert';
import { createHash, KeyObject, verify as verifyRaw, webcrypto, X509Certificate } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest as libraryDigest } from '@sd-jwt/crypto-nodejs';
import { issueSdJwtVc } from '../../src/formats/sd-jwt-vc/index.js';
import { buildDisclosureFrame } from '../../src/formats/sd-jwt-vc/disclosure-frame.js';
import type { SdJwtConfiguration } from '../../src/credential-configurations/schema.js';
import type { HolderKey, IssueInput } from '../../src/formats/types.js';
import type { IssuerSigner } from '../../src/crypto/issuer-keys.types.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: an IACA-style root, a document-signer certificate (P-256) and a wallet key.
// ---------------------------------------------------------------------------------------------

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIG = { name: 'ECDSA', hash: 'SHA-256' } as const;

interface IssuerFixture {
  signer: IssuerSigner;
  rootDer: Buffer;
}

async function makeIssuer(cn = 'Test DS'): Promise<IssuerFixture> {
  const subtle = webcrypto.subtle;
  const rootKeys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const dsKeys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notBefore = new Date(Date.now() - 24 * 3600_000);
  const notAfter = new Date(Date.now() + 3 * 365 * 24 * 3600_000);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Test IACA Root, C=DE',
    keys: rootKeys,
    notBefore,
    notAfter,
    signingAlgorithm: SIG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const ds = await x509.X509CertificateGenerator.create({
    subject: `CN=${cn}, C=DE`,
    issuer: root.subject,
    publicKey: dsKeys.publicKey,
    signingKey: rootKeys.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: SIG,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
  const dsDer = new Uint8Array(ds.rawData);
  const publicJwk = await exportJWK(KeyObject.from(dsKeys.publicKey));
  return {
    rootDer: Buffer.from(root.rawData),
    signer: {
      alg: 'ES256',
      privateKey: KeyObject.from(dsKeys.privateKey),
      publicJwk,
      kid: 'ds-1',
      chainDer: [dsDer],
      x5c: [Buffer.from(dsDer).toString('base64')],
      certificateNotBefore: notBefore,
      certificateNotAfter: notAfter,
    },
  };
}

async function makeHolder(): Promise<{ holderKey: HolderKey; publicMembers: JWK }> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const publicMembers = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  // Extra members a wallet proof may carry; they must not reach cnf.jwk.
  return { holderKey: { jwk: { ...jwk, kid: 'wallet-key-1', use: 'sig', alg: 'ES256' } }, publicMembers };
}

const STATUS_URI = 'https://issuer.example/status/1';

const configuration: SdJwtConfiguration = {
  id: 'eu.europa.ec.eudi.pid_vc_sd_jwt',
  format: 'dc+sd-jwt',
  vct: 'urn:eudi:pid:1',
  scope: 'eu.europa.ec.eudi.pid_vc_sd_jwt',
  issuance: {
    validity_days: 365,
    sample_claims: {},
    encodings: [],
    always_disclosed: ['issuing_country', 'issuing_authority'],
  },
};

/** A PID per haip-and-pid.md §3 (SD-JWT claim names), with every JSON type represented. */
const pidClaims = {
  given_name: 'Erika',
  family_name: 'Mustermann',
  birthdate: '1964-08-12',
  birth_family_name: 'Gabler',
  place_of_birth: { country: 'DE', locality: 'Berlin' },
  nationalities: ['DE', 'FR'],
  address: {
    street_address: 'Heidestraße',
    house_number: '17',
    locality: 'Köln',
    postal_code: '51147',
    country: 'DE',
    formatted: 'Heidestraße 17, 51147 Köln, DE',
  },
  sex: 2,
  age_equal_or_over: { '18': true, '21': true, '65': false },
  age_in_years: 61,
  age_birth_year: 1964,
  email: 'erika@example.com',
  phone_number: null,
  date_of_expiry: '2030-01-01',
  issuing_authority: 'DE',
  issuing_country: 'DE',
} satisfies Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// The independent verifier: key from the x5c leaf, chain checked against the root.
// ---------------------------------------------------------------------------------------------

function b64urlJson(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function x5cVerifier(rootDer: Buffer) {
  const root = new X509Certificate(rootDer);
  return (data: string, signature: string): boolean => {
    const header = b64urlJson(data.split('.')[0]);
    if (header.alg !== 'ES256') return false;
    const x5c = header.x5c;
    if (!Array.isArray(x5c) || x5c.length === 0 || typeof x5c[0] !== 'string') return false;
    const leaf = new X509Certificate(Buffer.from(x5c[0], 'base64'));
    if (!leaf.checkIssued(root) || !leaf.verify(root.publicKey)) return false;
    return verifyRaw(
      'sha256',
      Buffer.from(data, 'utf8'),
      { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
  };
}

/** A status list token with the given entries set, signed by the same DS key. */
async function statusListToken(signer: IssuerSigner, invalid: number[] = []): Promise<string> {
  const bytes = Buffer.alloc(128);
  for (const i of invalid) bytes[i >> 3] |= 1 << (i & 7);
  return new SignJWT({
    sub: STATUS_URI,
    status_list: { bits: 1, lst: deflateSync(bytes).toString('base64url') },
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'statuslist+jwt', x5c: signer.x5c })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(signer.privateKey);
}

function verifierInstance(fixture: IssuerFixture, invalid: number[] = []): SDJwtVcInstance {
  return new SDJwtVcInstance({
    hasher: libraryDigest,
    verifier: x5cVerifier(fixture.rootDer),
    statusListFetcher: async (uri) => {
      assert.equal(uri, STATUS_URI);
      return statusListToken(fixture.signer, invalid);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Strict RFC 9901 §7.1 structure checks (the library only does part of these).
// ---------------------------------------------------------------------------------------------

const sha256b64url = (s: string): string => createHash('sha256').update(s).digest('base64url');

interface Parsed {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  disclosures: Array<{ encoded: string; digest: string; decoded: unknown[] }>;
}

function parse(compact: string): Parsed {
  assert.ok(compact.endsWith('~'), 'compact SD-JWT without KB-JWT ends with ~');
  const parts = compact.split('~');
  assert.equal(parts.pop(), '', 'no KB-JWT');
  const [jwt, ...encoded] = parts;
  const [h, p, s] = jwt.split('.');
  assert.ok(h && p && s, 'issuer JWT is a compact JWS');
  return {
    header: b64urlJson(h),
    payload: b64urlJson(p),
    disclosures: encoded.map((e) => ({
      encoded: e,
      digest: sha256b64url(e),
      decoded: JSON.parse(Buffer.from(e, 'base64url').toString('utf8')) as unknown[],
    })),
  };
}

/** Every digest referenced from a structure (`_sd` entries and `{"...": d}` array elements). */
function referencedDigests(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length === 1 && '...' in item) {
        out.push((item as Record<string, string>)['...']);
      } else referencedDigests(item, out);
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '_sd') out.push(...(v as string[]));
      else referencedDigests(v, out);
    }
  }
  return out;
}

/** Number of disclosures the rules demand: SD claims, their members recursively, array items. */
function expectedDisclosureCount(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + 1 + expectedDisclosureCount(v), 0);
  if (value && typeof value === 'object') {
    return Object.values(value).reduce((n: number, v) => n + 1 + expectedDisclosureCount(v), 0);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------

describe('dc+sd-jwt issuance (SD-JWT VC)', () => {
  let fixture: IssuerFixture;
  let holder: Awaited<ReturnType<typeof makeHolder>>;
  let input: IssueInput<SdJwtConfiguration>;
  let credential: string;
  const issuedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const validUntil = new Date(issuedAt.getTime() + 365 * 24 * 3600_000);

  before(async () => {
    fixture = await makeIssuer();
    holder = await makeHolder();
    input = {
      configuration,
      claims: pidClaims,
      holderKey: holder.holderKey,
      signer: fixture.signer,
      issuerIdentifier: 'https://issuer.example',
      issuedAt,
      validUntil,
      status: { idx: 42, uri: STATUS_URI },
    };
    credential = await issueSdJwtVc(input);
  });

  it('verifies with an independent SDJwtVcInstance keyed from the x5c leaf and recovers every claim', async () => {
    const result = await verifierInstance(fixture).verify(credential);
    assert.equal(result.header?.typ, 'dc+sd-jwt');
    assert.equal(result.header?.alg, 'ES256');
    assert.deepEqual(result.header?.x5c, fixture.signer.x5c);
    assert.equal(result.header?.kid, undefined, 'x5c only, no kid (HAIP §6.1.1)');

    const payload = result.payload as Record<string, unknown>;
    assert.equal(payload.vct, 'urn:eudi:pid:1');
    assert.equal(payload.iss, 'https://issuer.example');
    assert.equal(payload.iat, issuedAt.getTime() / 1000);
    assert.equal(payload.nbf, issuedAt.getTime() / 1000);
    assert.equal(payload.exp, validUntil.getTime() / 1000);
    assert.deepStrictEqual(payload.cnf, { jwk: holder.publicMembers });
    assert.deepStrictEqual(payload.status, { status_list: { idx: 42, uri: STATUS_URI } });

    // Every claim comes back with its value and JSON type (number stays number, null stays null, ...).
    const { iss, iat, nbf, exp, vct, cnf, status, ...recovered } = payload;
    void [iss, iat, nbf, exp, vct, cnf, status];
    assert.deepStrictEqual(recovered, pidClaims);
    assert.equal(typeof (recovered.age_equal_or_over as Record<string, unknown>)['18'], 'boolean');
    assert.equal(typeof recovered.age_in_years, 'number');
    assert.ok(Array.isArray(recovered.nationalities));
  });

  it('keeps registered claims and always_disclosed claims plain and discloses everything else', () => {
    const { header, payload, disclosures } = parse(credential);
    assert.equal(header.typ, 'dc+sd-jwt');
    assert.equal(payload._sd_alg, 'sha-256');

    const plain = Object.keys(payload).filter((k) => k !== '_sd' && k !== '_sd_alg').sort();
    assert.deepEqual(plain, ['cnf', 'exp', 'iat', 'iss', 'issuing_authority', 'issuing_country', 'nbf', 'status', 'vct']);
    assert.equal(payload.issuing_country, 'DE');

    const topLevelNames = disclosures.filter((d) => d.decoded.length === 3 && (payload._sd as string[]).includes(d.digest));
    const sdNames = Object.keys(pidClaims).filter((k) => !configuration.issuance.always_disclosed.includes(k));
    assert.deepEqual(topLevelNames.map((d) => d.decoded[1]).sort(), sdNames.sort());
    assert.equal((payload._sd as string[]).length, sdNames.length);

    // Recursive: address members and nationality items are disclosures of their own.
    const address = disclosures.find((d) => d.decoded[1] === 'address');
    assert.ok(address);
    const addressValue = address.decoded[2] as Record<string, unknown>;
    assert.deepEqual(Object.keys(addressValue), ['_sd']);
    assert.equal((addressValue._sd as string[]).length, Object.keys(pidClaims.address).length);
    const nationalities = disclosures.find((d) => d.decoded[1] === 'nationalities');
    assert.ok(nationalities);
    const items = nationalities.decoded[2] as Array<Record<string, string>>;
    assert.equal(items.length, 2);
    for (const item of items) assert.deepEqual(Object.keys(item), ['...']);
    const itemDisclosures = disclosures.filter((d) => items.some((i) => i['...'] === d.digest));
    assert.deepEqual(itemDisclosures.map((d) => d.decoded.length), [2, 2], 'array items are [salt, value]');
    assert.deepEqual(itemDisclosures.map((d) => d.decoded[1]).sort(), ['DE', 'FR']);

    // Count, uniqueness and coverage: every disclosure is referenced exactly once, nothing dangles.
    const sdClaims = Object.fromEntries(Object.entries(pidClaims).filter(([k]) => sdNames.includes(k)));
    assert.equal(disclosures.length, expectedDisclosureCount(sdClaims));
    const referenced = referencedDigests([payload, ...disclosures.map((d) => d.decoded[d.decoded.length - 1])]);
    assert.deepEqual([...referenced].sort(), disclosures.map((d) => d.digest).sort());
    assert.equal(new Set(referenced).size, referenced.length);

    // Salts: 128-bit, all distinct.
    const salts = disclosures.map((d) => d.decoded[0] as string);
    assert.equal(new Set(salts).size, salts.length);
    for (const salt of salts) assert.ok(Buffer.from(salt, 'base64url').length >= 16, `salt ${salt} has >= 128 bits`);
  });

  it('lists every _sd array in sorted order, so the digests do not show the order of the claims', () => {
    const { payload, disclosures } = parse(credential);
    const sdArrays: string[][] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) (k === '_sd' ? sdArrays.push(v as string[]) : collect(v));
      }
    };
    collect([payload, ...disclosures.map((d) => d.decoded[d.decoded.length - 1])]);
    assert.ok(sdArrays.length >= 2, 'the top level and the address have _sd arrays');
    for (const sd of sdArrays) assert.deepEqual(sd, [...sd].sort());
  });

  it('uses fresh salts for every issuance', async () => {
    const again = parse(await issueSdJwtVc(input));
    const first = new Set(parse(credential).disclosures.map((d) => d.decoded[0]));
    for (const d of again.disclosures) assert.ok(!first.has(d.decoded[0]));
  });

  it('fails verification when the payload is tampered with', async () => {
    const [jwt, ...rest] = credential.split('~');
    const [h, p, s] = jwt.split('.');
    const payload = b64urlJson(p);
    payload.vct = 'urn:eudi:pid:de:1';
    const forged = [[h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.'), ...rest].join('~');
    await assert.rejects(verifierInstance(fixture).verify(forged), /Invalid JWT Signature/);
  });

  it('fails verification with a flipped signature or a foreign x5c leaf', async () => {
    const [jwt, ...rest] = credential.split('~');
    const [h, p, s] = jwt.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[10] ^= 1;
    await assert.rejects(
      verifierInstance(fixture).verify([[h, p, sig.toString('base64url')].join('.'), ...rest].join('~')),
      /Invalid JWT Signature/,
    );
    // Same document, signed by an issuer whose chain does not lead to our root.
    const other = await makeIssuer('Other DS');
    const foreign = await issueSdJwtVc({ ...input, signer: other.signer });
    await assert.rejects(verifierInstance(fixture).verify(foreign), /Invalid JWT Signature/);
  });

  it('never accepts a tampered disclosure value', async () => {
    const parsed = parse(credential);
    const given = parsed.disclosures.find((d) => d.decoded[1] === 'given_name');
    assert.ok(given);
    const tampered = Buffer.from(JSON.stringify([given.decoded[0], 'given_name', 'Mallory'])).toString('base64url');
    const forged = credential.replace(given.encoded, tampered);
    assert.notEqual(forged, credential);

    // Library quirk (0.19.0): an unreferenced disclosure is silently ignored rather than rejected.
    // Either way the forged value must not come out as a verified claim ...
    const outcome: Record<string, unknown> | Error = await verifierInstance(fixture)
      .verify(forged)
      .then(
        (result) => result.payload as Record<string, unknown>,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
    if (!(outcome instanceof Error)) {
      assert.notEqual(outcome.given_name, 'Mallory');
      assert.equal(outcome.given_name, undefined, 'the claim behind the tampered disclosure is gone');
      assert.equal(outcome.family_name, 'Mustermann');
    }
    // ... and a strict RFC 9901 §7.1 step 5 check rejects it (digest not referenced).
    const strict = parse(forged);
    const referenced = new Set(referencedDigests([strict.payload, ...strict.disclosures.map((d) => d.decoded.at(-1))]));
    const dangling = strict.disclosures.filter((d) => !referenced.has(d.digest));
    assert.equal(dangling.length, 1);
    assert.equal(dangling[0].encoded, tampered);
  });

  it('carries the status reference the verifier resolves (revoked index fails)', async () => {
    await assert.rejects(verifierInstance(fixture, [42]).verify(credential), /Status is not valid/);
    await verifierInstance(fixture, [41, 43]).verify(credential);
  });

  it('omits status when none is allocated and still verifies', async () => {
    const { status: _unused, ...withoutStatus } = input;
    const compact = await issueSdJwtVc(withoutStatus);
    const { payload } = parse(compact);
    assert.equal(payload.status, undefined);
    const result = await verifierInstance(fixture).verify(compact);
    assert.equal((result.payload as Record<string, unknown>).given_name, 'Erika');
  });

  it('never outlives the document-signer certificate', async () => {
    const compact = await issueSdJwtVc({ ...input, validUntil: new Date(fixture.signer.certificateNotAfter.getTime() + 86_400_000) });
    assert.equal(parse(compact).payload.exp, Math.floor(fixture.signer.certificateNotAfter.getTime() / 1000));
  });

  it('refuses claim sets that would collide with issuer-set or SD-JWT reserved names', async () => {
    await assert.rejects(issueSdJwtVc({ ...input, claims: { ...pidClaims, vct: 'x' } }), /"vct" is set by the issuer/);
    await assert.rejects(issueSdJwtVc({ ...input, claims: { ...pidClaims, cnf: {} } }), /"cnf" is set by the issuer/);
    await assert.rejects(issueSdJwtVc({ ...input, claims: { a: { _sd: [] } } }), /reserved by SD-JWT/);
    await assert.rejects(issueSdJwtVc({ ...input, claims: { a: [{ '...': 'x' }] } }), /reserved by SD-JWT/);
  });

  it('drops undefined members instead of turning them into null disclosures', async () => {
    const compact = await issueSdJwtVc({ ...input, claims: { given_name: 'Erika', nickname: undefined } });
    const { disclosures } = parse(compact);
    assert.deepEqual(disclosures.map((d) => d.decoded[1]), ['given_name']);
  });
});

describe('buildDisclosureFrame', () => {
  it('recurses into objects and arrays (including objects inside arrays)', () => {
    const frame = buildDisclosureFrame(
      { a: 1, vct: 'x', keep: { inner: 1 }, obj: { b: 2, c: { d: 3 } }, arr: ['x', { e: 4 }, [5]] },
      ['keep'],
    );
    assert.deepStrictEqual(frame, {
      _sd: ['a', 'obj', 'arr'],
      obj: { _sd: ['b', 'c'], c: { _sd: ['d'] } },
      arr: { _sd: [0, 1, 2], '1': { _sd: ['e'] }, '2': { _sd: [0] } },
    });
  });

  it('leaves every never-disclosable registered claim plain', () => {
    const frame = buildDisclosureFrame({ iss: 'i', nbf: 1, exp: 2, cnf: {}, vct: 'v', 'vct#integrity': 'h', status: {}, sub: 's' });
    assert.deepStrictEqual(frame, { _sd: ['sub'] });
  });
});
