import { sign, type KeyObject } from 'node:crypto';
import { encodeCbor } from './cbor.js';

/** Untagged COSE_Sign1 (RFC 9052 §4.2): [protected bstr, unprotected map, payload bstr, signature bstr]. */
export type CoseSign1 = [Uint8Array, Map<number, unknown>, Uint8Array, Uint8Array];

const HEADER_ALG = 1;
const HEADER_X5CHAIN = 33; // RFC 9360 §2

interface SigningAlgorithm {
  /** COSE algorithm (RFC 9053 §2.1). */
  cose: number;
  /** node:crypto digest, null for EdDSA. */
  hash: string | null;
  /** Encoded protected header `{1: alg}`, built once. */
  protectedHeader: Uint8Array;
}

const ALGORITHMS = new Map<string, SigningAlgorithm>(
  (
    [
      ['ES256', -7, 'sha256'],
      ['ES384', -35, 'sha384'],
      ['ES512', -36, 'sha512'],
      ['EdDSA', -8, null],
    ] as const
  ).map(([jose, cose, hash]) => [jose, { cose, hash, protectedHeader: encodeCbor(new Map([[HEADER_ALG, cose]])) }]),
);

const EMPTY = new Uint8Array(0);

function signAsync(hash: string | null, data: Uint8Array, key: KeyObject): Promise<Uint8Array> {
  // With a callback node:crypto signs on the libuv thread pool, leaving the event loop free.
  return new Promise((resolve, reject) => {
    sign(hash, data, { key, dsaEncoding: 'ieee-p1363' }, (error, signature) =>
      error ? reject(error) : resolve(signature),
    );
  });
}

export interface SignCoseSign1Input {
  /** JOSE name of the signing algorithm (IssuerSigner.alg). */
  alg: string;
  privateKey: KeyObject;
  payload: Uint8Array;
  /** DER certificates, document signer first, trust anchor excluded. */
  x5chain: Uint8Array[];
  /** Further protected header parameters besides alg (e.g. 16 = typ for a status list CWT). */
  extraProtected?: [number, unknown][];
}

/**
 * Sign `payload` as a COSE_Sign1: `alg` only in the protected header, `x5chain` (a bstr for one
 * certificate, an array otherwise) in the unprotected header, signature over
 * Sig_structure `["Signature1", protected, h'', payload]` (RFC 9052 §4.4), ECDSA as raw r||s.
 */
export async function signCoseSign1({ alg, privateKey, payload, x5chain, extraProtected }: SignCoseSign1Input): Promise<CoseSign1> {
  const algorithm = ALGORITHMS.get(alg);
  if (!algorithm) throw new TypeError(`mso_mdoc: unsupported issuer signing alg ${alg}`);
  if (x5chain.length === 0) throw new TypeError('mso_mdoc: the issuer certificate chain is empty');
  const hash = algorithm.hash;
  const protectedHeader = extraProtected?.length
    ? encodeCbor(new Map<number, unknown>([[HEADER_ALG, algorithm.cose], ...extraProtected]))
    : algorithm.protectedHeader;
  const unprotected = new Map<number, unknown>([[HEADER_X5CHAIN, x5chain.length === 1 ? x5chain[0] : x5chain]]);
  const toBeSigned = encodeCbor(['Signature1', protectedHeader, EMPTY, payload]);
  const signature = await signAsync(hash, toBeSigned, privateKey);
  return [protectedHeader, unprotected, payload, signature];
}
