import type { MdocConfiguration } from '../../credential-configurations/schema.js';
import type { IssueCredential } from '../types.js';
import { encodeCbor, tag24, type Tag } from './cbor.js';
import { createCoseKey } from './cose-key.js';
import { signCoseSign1 } from './cose-sign1.js';
import { encodeClaims } from './encode-claims.js';
import { createSignedNameSpace } from './issuer-signed.js';
import { computeValidity, createMso, type ValueDigests } from './mso.js';

export { MdocEncodingError } from './encode-value.js';

/**
 * Issue an `mso_mdoc` credential: the base64url (no padding) CBOR IssuerSigned
 * `{nameSpaces, issuerAuth}` (OID4VCI 1.0 Appendix A.2.4; ISO/IEC 18013-5 §8.3.2.1.2.2).
 *
 * Throws `MdocEncodingError` (with the claims path) when a claim cannot be encoded as the
 * configuration's `issuance.encodings` declare, and `Error` for an unusable holder key or a
 * validity window the document signer certificate does not cover.
 */
export const issueMdoc: IssueCredential<MdocConfiguration> = async (input) => {
  const { configuration, signer } = input;
  const elements = encodeClaims(input.claims, configuration.issuance.encodings);
  const deviceKey = createCoseKey(input.holderKey.jwk);
  const validity = computeValidity({
    issuedAt: input.issuedAt,
    validUntil: input.validUntil,
    certificateNotBefore: signer.certificateNotBefore,
    certificateNotAfter: signer.certificateNotAfter,
  });

  const nameSpaces = new Map<string, Tag[]>();
  const valueDigests: ValueDigests = new Map();
  for (const [nameSpace, nsElements] of elements) {
    const { items, digests } = createSignedNameSpace(nsElements);
    nameSpaces.set(nameSpace, items);
    valueDigests.set(nameSpace, digests);
  }

  const mso = createMso({ docType: configuration.doctype, valueDigests, deviceKey, validity, status: input.status });
  // MobileSecurityObjectBytes = #6.24(bstr .cbor MSO); the COSE payload is that whole data item.
  const payload = encodeCbor(tag24(encodeCbor(mso)));
  const issuerAuth = await signCoseSign1({
    alg: signer.alg,
    privateKey: signer.privateKey,
    payload,
    x5chain: signer.chainDer,
  });

  const issuerSigned = new Map<string, unknown>([
    ['nameSpaces', nameSpaces],
    ['issuerAuth', issuerAuth],
  ]);
  const bytes = encodeCbor(issuerSigned);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
};
