import { CompactSign } from 'jose';
import { encodeCbor } from '../../formats/mso-mdoc/cbor.js';
import { signCoseSign1 } from '../../formats/mso-mdoc/cose-sign1.js';
import type { IssuerSigner } from '../../crypto/issuer-keys.types.js';

/**
 * Status List Tokens (draft-ietf-oauth-status-list §5): the same list as a JWT
 * (typ statuslist+jwt) and as a CWT (application/statuslist+cwt), signed with the issuer's key
 * and x5c chain as HAIP §6.1 asks.
 */
export interface StatusListTokenInput {
  uri: string;
  bits: number;
  compressed: Uint8Array;
  issuedAt: number;
  ttlSeconds: number;
  signer: IssuerSigner;
}

export async function createStatusListJwt(input: StatusListTokenInput): Promise<string> {
  const payload = {
    sub: input.uri,
    iat: input.issuedAt,
    exp: input.issuedAt + input.ttlSeconds * 2,
    ttl: input.ttlSeconds,
    status_list: { bits: input.bits, lst: Buffer.from(input.compressed).toString('base64url') },
  };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: input.signer.alg, typ: 'statuslist+jwt', x5c: input.signer.x5c })
    .sign(input.signer.privateKey);
}

// CWT claim keys (RFC 8392 §4, draft §5.2): 2 sub, 6 iat, 4 exp, 65534 ttl, 65533 status_list.
export async function createStatusListCwt(input: StatusListTokenInput): Promise<Uint8Array> {
  const claims = new Map<number, unknown>([
    [2, input.uri],
    [6, input.issuedAt],
    [4, input.issuedAt + input.ttlSeconds * 2],
    [65534, input.ttlSeconds],
    [65533, new Map<string, unknown>([['bits', input.bits], ['lst', new Uint8Array(input.compressed)]])],
  ]);
  const sign1 = await signCoseSign1({
    alg: input.signer.alg,
    privateKey: input.signer.privateKey,
    payload: encodeCbor(claims),
    x5chain: input.signer.chainDer,
    extraProtected: [[16, 'application/statuslist+cwt']],
  });
  return encodeCbor(sign1);
}
