/**
 * Decoding of an OID4VCI `mso_mdoc` credential: base64url of CBOR IssuerSigned (OID4VCI 1.0
 * App. A.2.4, ISO 18013-5 §8.3.2.1.2.2). Returns namespaces and elements, the MSO (docType,
 * validityInfo, deviceKey), the x5chain, and facts to judge: per-element digest match, issuer
 * signature. Every wrapper mistake gets its own message, since that is what goes wrong in the field.
 */
import { createHash, hash as oneShotHash, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { Decoder, Encoder, Tag } from 'cbor-x';
import type { JWK } from 'jose';
import { valueDepth } from '../../core/input-limits.js';
import { DecodeError } from './jwt.js';
import { parseCertificate } from './x509.js';

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false } as ConstructorParameters<typeof Decoder>[0]);
const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false, variableMapSize: true, useTag259ForMaps: false } as ConstructorParameters<typeof Encoder>[0]);

export interface DecodedElement {
  namespace: string;
  elementIdentifier: string;
  digestID: number;
  /** JSON view: full-date as "YYYY-MM-DD", tdate ISO, bstr as {bytes_base64url}. */
  value: unknown;
  randomLength: number;
  /** SHA per MSO digestAlgorithm over the tag-24 item, compared with valueDigests. */
  digestMatches: boolean;
}

export interface DecodedMdoc {
  docType: string;
  version: unknown;
  digestAlgorithm: string;
  validityInfo: { signed?: string; validFrom?: string; validUntil?: string; expectedUpdate?: string };
  deviceKey?: JWK;
  deviceKeyCose: unknown;
  elements: DecodedElement[];
  namespaces: Record<string, Record<string, unknown>>;
  /** COSE alg from the protected header (e.g. -7). */
  coseAlg: unknown;
  x5chain: Uint8Array[];
  /** Whether the COSE_Sign1 signature verifies with the x5chain leaf key. */
  signatureValid: boolean;
  /** Which wrappers were seen (tag 18 on COSE_Sign1, …): legal but worth showing. */
  notes: string[];
  status?: unknown;
}

const COSE_ALGS: Record<number, { hash: string | null; name: string }> = { [-7]: { hash: 'sha256', name: 'ES256' }, [-35]: { hash: 'sha384', name: 'ES384' }, [-36]: { hash: 'sha512', name: 'ES512' }, [-8]: { hash: null, name: 'EdDSA' }, [-9]: { hash: 'sha256', name: 'ESP256' } };
const DIGESTS: Record<string, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

const get = (m: unknown, k: unknown): unknown => (m instanceof Map ? m.get(k) : undefined);

/** A tag-1 date of 1e300 s decodes to an invalid Date, whose toISOString throws. */
const isoOrInvalid = (d: Date) => (Number.isNaN(d.getTime()) ? 'invalid date (out of range)' : d.toISOString());

/** CBOR → JSON-friendly view for printing and the inspector. */
export function toJsonView(value: unknown): unknown {
  if (value instanceof Date) return isoOrInvalid(value);
  if (value instanceof Uint8Array) return { bytes_base64url: Buffer.from(value).toString('base64url'), length: value.length };
  if (value instanceof Tag) return value.tag === 1004 || value.tag === 0 ? value.value : { tag: value.tag, value: toJsonView(value.value) };
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), toJsonView(v)]));
  if (Array.isArray(value)) return value.map(toJsonView);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function coseKeyToJwk(key: unknown): JWK | undefined {
  if (!(key instanceof Map)) return undefined;
  const b64 = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64url') : undefined);
  const crvs: Record<number, string> = { 1: 'P-256', 2: 'P-384', 3: 'P-521', 6: 'Ed25519' };
  if (key.get(1) === 2) return { kty: 'EC', crv: crvs[key.get(-1) as number], x: b64(key.get(-2)), y: b64(key.get(-3)) };
  if (key.get(1) === 1) return { kty: 'OKP', crv: crvs[key.get(-1) as number], x: b64(key.get(-2)) };
  return undefined;
}

/**
 * Input limits: a credential with a portrait is some tens of KiB and nests ~8 levels
 * (IssuerSigned → nameSpaces → items → tag 24 → element → value); anything far beyond is refused
 * before the recursive walks below (toJsonView, digest checks) see it.
 */
export const MAX_CBOR_BYTES = 256 * 1024;
export const MAX_CBOR_DEPTH = 64;

function decodeBytes(bytes: Uint8Array, what: string): unknown {
  if (bytes.length > MAX_CBOR_BYTES) throw new DecodeError(`${what} is ${bytes.length} bytes of CBOR; at most ${MAX_CBOR_BYTES} are accepted`);
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch (e) {
    throw new DecodeError(`${what} is not CBOR: ${(e as Error).message}`);
  }
  if (valueDepth(value, MAX_CBOR_DEPTH) > MAX_CBOR_DEPTH) throw new DecodeError(`${what} is CBOR nested deeper than ${MAX_CBOR_DEPTH} levels`);
  return value;
}

export interface MdocDecodeOptions {
  /**
   * The key to verify issuerAuth with, chosen by the caller from the x5chain: the issuer checking
   * its own credential holds the key of its own chain (undefined: not one it holds, and the
   * signature counts as not verified). Without it the x5chain leaf is parsed for its key.
   */
  signerKey?: (x5chain: Uint8Array[]) => KeyObject | undefined;
  /** false: element values and namespaces are not converted for display (the check needs neither). */
  values?: boolean;
}

export function decodeMdocCredential(credential: string, options: MdocDecodeOptions = {}): DecodedMdoc {
  const withValues = options.values !== false;
  const text = credential.trim();
  if (!/^[A-Za-z0-9_-]+$/.test(text)) {
    throw new DecodeError(/[+/=]/.test(text) ? 'the credential is standard base64 (has +, / or =); OID4VCI App. A.2.4 wants base64url without padding' : /^[0-9a-f]+$/i.test(text) ? 'looks like hex' : 'the credential is not base64url');
  }
  const notes: string[] = [];
  const issuerSigned = decodeBytes(Buffer.from(text, 'base64url'), 'the credential');
  if (!(issuerSigned instanceof Map)) throw new DecodeError('the CBOR is not a map (IssuerSigned is {nameSpaces, issuerAuth})');
  if (issuerSigned.has('documents') || issuerSigned.has('docType')) {
    throw new DecodeError(`the CBOR is a ${issuerSigned.has('documents') ? 'DeviceResponse' : 'Document'}, not an IssuerSigned (OID4VCI App. A.2.4)`);
  }
  let auth = issuerSigned.get('issuerAuth');
  if (auth instanceof Tag && auth.tag === 18) {
    notes.push('issuerAuth is tagged COSE_Sign1 (tag 18); IssuerSigned normally carries it untagged');
    auth = auth.value;
  }
  if (!Array.isArray(auth) || auth.length !== 4) throw new DecodeError('issuerAuth is not a COSE_Sign1 array [protected, unprotected, payload, signature]');
  const [protectedBytes, unprotected, payloadBytes, signature] = auth as [Uint8Array, Map<number, unknown>, Uint8Array, Uint8Array];
  const protectedMap = protectedBytes.length ? decodeBytes(protectedBytes, 'the protected header') : new Map();
  const coseAlg = get(protectedMap, 1);
  const x5 = get(unprotected, 33) ?? get(protectedMap, 33);
  const x5chain = x5 instanceof Uint8Array ? [x5] : Array.isArray(x5) ? (x5 as Uint8Array[]) : [];
  let msoTag = decodeBytes(payloadBytes, 'the COSE payload');
  if (!(msoTag instanceof Tag && msoTag.tag === 24)) notes.push('the COSE payload is not #6.24-wrapped MobileSecurityObjectBytes');
  const mso = msoTag instanceof Tag && msoTag.tag === 24 ? decodeBytes(msoTag.value as Uint8Array, 'the MSO') : msoTag;
  if (!(mso instanceof Map)) throw new DecodeError('the MSO is not a CBOR map');

  const digestAlgorithm = String(mso.get('digestAlgorithm'));
  const hash = DIGESTS[digestAlgorithm] ?? 'sha256';
  const valueDigests = mso.get('valueDigests');
  const elements: DecodedElement[] = [];
  const namespaces: Record<string, Record<string, unknown>> = {};
  const nameSpaces = issuerSigned.get('nameSpaces');
  if (nameSpaces instanceof Map) {
    for (const [ns, items] of nameSpaces) {
      namespaces[ns] = {};
      for (const wrapped of Array.isArray(items) ? items : []) {
        const isTag24 = wrapped instanceof Tag && wrapped.tag === 24;
        const item = isTag24 ? decodeBytes(wrapped.value as Uint8Array, `an item of ${ns}`) : wrapped;
        const digestID = Number(get(item, 'digestID'));
        const digest = isTag24 ? tag24Digest(hash, wrapped.value as Uint8Array) : undefined;
        const expected = get(get(valueDigests, ns), digestID);
        const elementIdentifier = String(get(item, 'elementIdentifier'));
        const value = withValues ? toJsonView(get(item, 'elementValue')) : undefined;
        if (withValues) namespaces[ns][elementIdentifier] = value;
        const random = get(item, 'random');
        elements.push({
          namespace: ns, elementIdentifier, digestID, value,
          randomLength: random instanceof Uint8Array ? random.length : 0,
          digestMatches: !!digest && expected instanceof Uint8Array && Buffer.from(expected).equals(digest),
        });
      }
    }
  }
  const validity = mso.get('validityInfo');
  const iso = (k: string) => (get(validity, k) instanceof Date ? isoOrInvalid(get(validity, k) as Date) : get(validity, k) === undefined ? undefined : String(toJsonView(get(validity, k))));
  const deviceKeyCose = get(get(mso, 'deviceKeyInfo'), 'deviceKey');
  return {
    docType: String(mso.get('docType')),
    version: mso.get('version'),
    digestAlgorithm,
    validityInfo: { signed: iso('signed'), validFrom: iso('validFrom'), validUntil: iso('validUntil'), ...(iso('expectedUpdate') ? { expectedUpdate: iso('expectedUpdate') } : {}) },
    deviceKey: coseKeyToJwk(deviceKeyCose),
    deviceKeyCose: toJsonView(deviceKeyCose),
    elements,
    namespaces,
    coseAlg,
    x5chain,
    signatureValid: x5chain.length > 0 && verifySign1(coseAlg, protectedBytes, payloadBytes, signature, options.signerKey ? options.signerKey(x5chain) : x5chain[0]),
    notes,
    ...(mso.has('status') ? { status: toJsonView(mso.get('status')) } : {}),
  };
}

/**
 * Digest of an IssuerSignedItemBytes, #6.24(bstr): the tag and the byte string's head in
 * preferred (shortest) form, then the bytes — what re-encoding the wrapper would give, without
 * copying the item into an encoder buffer.
 */
function tag24Digest(hash: string, inner: Uint8Array): Buffer {
  const n = inner.length;
  const head = n < 24 ? [0xd8, 0x18, 0x40 + n]
    : n < 0x100 ? [0xd8, 0x18, 0x58, n]
      : n < 0x10000 ? [0xd8, 0x18, 0x59, n >> 8, n & 0xff]
        : [0xd8, 0x18, 0x5a, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  const bytes = Buffer.concat([Uint8Array.from(head), inner]);
  return typeof oneShotHash === 'function' ? oneShotHash(hash, bytes, 'buffer') : createHash(hash).update(bytes).digest();
}

/** Sig_structure ["Signature1", protected, h'', payload] (RFC 9052 §4.4), ECDSA raw r||s. */
function verifySign1(alg: unknown, protectedBytes: Uint8Array, payload: Uint8Array, signature: Uint8Array, signer: Uint8Array | KeyObject | undefined): boolean {
  const spec = COSE_ALGS[alg as number];
  if (!spec || !signer) return false;
  try {
    const key: KeyObject = signer instanceof Uint8Array ? parseCertificate(signer).publicKey : signer;
    const toBeSigned = encoder.encode(['Signature1', protectedBytes, new Uint8Array(0), payload]);
    return nodeVerify(spec.hash, toBeSigned, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

export function coseAlgName(alg: unknown): string | undefined {
  return COSE_ALGS[alg as number]?.name;
}
