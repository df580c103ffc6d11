/**
 * The SessionTranscript of an mdoc presented over OpenID4VP redirects (OpenID4VP 1.0 App.
 * B.2.6.1) and the DeviceAuthentication bytes the device signs (ISO/IEC 18013-5 §9.1.3.4).
 * Shared by the verifier and the reference wallet, so both compute it from the same stored
 * request values (client_id, nonce, encryption key thumbprint, response_uri).
 */
import { createHash } from 'node:crypto';
import { encodeCbor, tag24, type Tag } from '../../formats/mso-mdoc/cbor.js';

export interface HandoverInput {
  clientId: string;
  nonce: string;
  /** RFC 7638 SHA-256 thumbprint (32 raw bytes) of the verifier's response encryption JWK; null when unencrypted. */
  jwkThumbprint: Uint8Array | null;
  responseUri: string;
}

/** SessionTranscript = [null, null, ["OpenID4VPHandover", sha256(cbor(OpenID4VPHandoverInfo))]]. */
export function createSessionTranscript(h: HandoverInput): unknown[] {
  const info = encodeCbor([h.clientId, h.nonce, h.jwkThumbprint, h.responseUri]);
  return [null, null, ['OpenID4VPHandover', new Uint8Array(createHash('sha256').update(info).digest())]];
}

/** DeviceAuthenticationBytes = #6.24(bstr .cbor ["DeviceAuthentication", SessionTranscript, DocType, DeviceNameSpacesBytes]). */
export function createDeviceAuthenticationBytes(sessionTranscript: unknown[], docType: string, deviceNameSpacesBytes: Tag): Uint8Array {
  return encodeCbor(tag24(encodeCbor(['DeviceAuthentication', sessionTranscript, docType, deviceNameSpacesBytes])));
}

/** RFC 7638 thumbprint of an EC public JWK as raw bytes (the handover wants bstr, not base64url). */
export function jwkThumbprintBytes(jwk: { kty?: string; crv?: string; x?: string; y?: string }): Uint8Array {
  return new Uint8Array(createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest());
}
