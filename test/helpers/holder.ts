import { createHash, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { CompactEncrypt, compactVerify, exportJWK, importJWK, importX509, type JWK } from 'jose';
import { Openid4vpClient } from '@openid4vc/openid4vp';
import type { CallbackContext } from '@openid4vc/oauth2';
import { setGlobalConfig } from '@openid4vc/utils';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest as sdJwtDigest } from '@sd-jwt/crypto-nodejs';
import { cborEncode, DataItem, DeviceResponse, parseIssuerSigned, MDoc, type MdocContext } from '@animo-id/mdoc';
import { credentialRequest, fetchNonce, newHolderKey, redeem, signProof, createOffer, type HolderKey } from './wallet.js';
import type { RunningIssuer } from './server.js';

/**
 * A holder built from real wallet libraries, to drive the verifier: `@openid4vc/openid4vp`
 * resolves the request (JAR signature, client_id prefix rules, x509_san_dns host rule) and
 * builds and sends the response (JWE for direct_post.jwt), `@sd-jwt/sd-jwt-vc` makes the
 * SD-JWT+KB, `@animo-id/mdoc` the DeviceResponse. The credentials come from the issuer under
 * test through its own endpoints.
 */

export interface HeldCredential {
  format: 'dc+sd-jwt' | 'mso_mdoc';
  credential: string;
  key: HolderKey;
  docType?: string;
}

export async function issue(issuer: RunningIssuer, configurationId: string): Promise<HeldCredential & { sessionId: string }> {
  const offer = await createOffer(issuer, { credential_configuration_ids: [configurationId] });
  const token = await redeem(issuer, offer);
  const key = await newHolderKey();
  const proof = await signProof(key, { aud: issuer.baseUrl, nonce: await fetchNonce(issuer) });
  const res = await credentialRequest(issuer, token, { credential_configuration_id: configurationId, proofs: { jwt: [proof] } });
  if (res.status !== 200) throw new Error(`credential: ${res.status} ${res.text}`);
  const mdoc = configurationId.includes('mdoc') || configurationId.includes('mDL');
  return {
    format: mdoc ? 'mso_mdoc' : 'dc+sd-jwt',
    credential: res.body.credentials[0].credential,
    key,
    sessionId: offer.session_id,
    ...(mdoc ? { docType: configurationId.includes('mDL') ? 'org.iso.18013.5.1.mDL' : 'eu.europa.ec.eudi.pid.1' } : {}),
  };
}

export function holderClient(): Openid4vpClient {
  setGlobalConfig({ allowInsecureUrls: true });
  const callbacks: CallbackContext = {
      fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => fetch(input, init),
      hash: (data: Uint8Array, alg: string) => new Uint8Array(createHash(alg.replace('-', '').toLowerCase()).update(data).digest()),
      generateRandom: (n: number) => new Uint8Array(randomBytes(n)),
      // The request object: signature by the x5c leaf (chain trust is the wallet's own policy, not tested here).
      verifyJwt: async (signer: any, jwt: { compact: string }) => {
        if (signer.method !== 'x5c') return { verified: false };
        const pem = new X509Certificate(Buffer.from(signer.x5c[0], 'base64')).toString();
        const key = await importX509(pem, signer.alg);
        try {
          await compactVerify(jwt.compact, key);
          return { verified: true, signerJwk: (await exportJWK(key)) as never };
        } catch {
          return { verified: false };
        }
      },
      getX509CertificateMetadata: (certificate: string) => {
        const san = new X509Certificate(Buffer.from(certificate, 'base64')).subjectAltName ?? '';
        const parts = san.split(',').map((s) => s.trim());
        return { sanDnsNames: parts.filter((p) => p.startsWith('DNS:')).map((p) => p.slice(4)), sanUriNames: parts.filter((p) => p.startsWith('URI:')).map((p) => p.slice(4)) };
      },
      encryptJwe: async (encryptor: any, data: string) => {
        const jwk = encryptor.publicJwk as JWK;
        const jwe = await new CompactEncrypt(new TextEncoder().encode(data))
          .setProtectedHeader({ alg: encryptor.alg, enc: encryptor.enc, ...(jwk.kid ? { kid: jwk.kid } : {}) })
          .encrypt(await importJWK(jwk, encryptor.alg));
        return { jwe, encryptionJwk: jwk as never };
      },
      signJwt: async () => {
        throw new Error('not used');
      },
      decryptJwe: async () => ({ decrypted: false }),
      clientAuthentication: () => undefined,
  };
  return new Openid4vpClient({ callbacks });
}

export interface PresentOptions {
  /** Claim names (top level) the SD-JWT presentation discloses, default: those the query asks. */
  disclose?: Record<string, unknown>;
  nonce?: string;
  aud?: string;
  noKeyBinding?: boolean;
  iat?: number;
}

/** SD-JWT+KB with @sd-jwt/sd-jwt-vc: disclosures per the frame, KB-JWT signed by the holder key. */
export async function presentSdJwt(held: HeldCredential, frame: Record<string, unknown>, kb: { nonce: string; aud: string; iat?: number } | null): Promise<string> {
  const instance = new SDJwtVcInstance({
    hasher: sdJwtDigest,
    saltGenerator: () => randomBytes(16).toString('base64url'),
    kbSigner: async (data: string) => {
      const sig = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, held.key.privateKey, new TextEncoder().encode(data));
      return Buffer.from(sig).toString('base64url');
    },
    kbSignAlg: 'ES256',
  });
  if (!kb) {
    const presented = await instance.present(held.credential, frame as never);
    return presented;
  }
  return instance.present(held.credential, frame as never, { kb: { payload: { iat: kb.iat ?? Math.floor(Date.now() / 1000), aud: kb.aud, nonce: kb.nonce } } });
}

/**
 * The OpenID4VP 1.0 SessionTranscript (App. B.2.6.1), computed here independently of the
 * verifier's code, as @animo-id/mdoc takes it: SessionTranscriptBytes, the tag-24 data item.
 */
export function sessionTranscriptBytes(input: { clientId: string; nonce: string; jwkThumbprint: Uint8Array | null; responseUri: string }): Uint8Array {
  const info = cborEncode([input.clientId, input.nonce, input.jwkThumbprint, input.responseUri]);
  const handover = ['OpenID4VPHandover', new Uint8Array(createHash('sha256').update(info).digest())];
  return cborEncode(DataItem.fromData([null, null, handover]));
}

/** DeviceResponse with @animo-id/mdoc: the requested elements, signed by the holder key over the transcript. */
export async function presentMdoc(held: HeldCredential, elements: Record<string, string[]>, transcript: Uint8Array): Promise<string> {
  const document = parseIssuerSigned(new Uint8Array(Buffer.from(held.credential, 'base64url')), held.docType);
  const mdoc = new MDoc([document]);
  const jwk = await exportJWK(held.key.privateKey);
  const pd = {
    id: 'request',
    input_descriptors: [
      {
        id: held.docType!,
        format: { mso_mdoc: { alg: ['ES256'] } },
        constraints: {
          limit_disclosure: 'required' as const,
          fields: Object.entries(elements).flatMap(([ns, names]) => names.map((n) => ({ path: [`$['${ns}']['${n}']`], intent_to_retain: false }))),
        },
      },
    ],
  };
  const response = await DeviceResponse.from(mdoc)
    .usingPresentationDefinition(pd)
    .usingSessionTranscriptBytes(transcript)
    .authenticateWithSignature({ ...jwk, alg: 'ES256' } as never, 'ES256')
    .sign(animoSigningContext());
  return Buffer.from(response.encode()).toString('base64url');
}

export function jwkThumbprint(jwk: { kty?: string; crv?: string; x?: string; y?: string }): Uint8Array {
  return new Uint8Array(createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest());
}

function animoSigningContext(): Pick<MdocContext, 'crypto' | 'cose'> {
  return {
    crypto: {
      random: (n: number) => new Uint8Array(randomBytes(n)),
      digest: ({ digestAlgorithm, bytes }: { digestAlgorithm: string; bytes: Uint8Array }) => new Uint8Array(createHash(digestAlgorithm.replace('-', '').toLowerCase()).update(bytes).digest()),
      calculateEphemeralMacKeyJwk: () => {
        throw new Error('not used');
      },
    },
    cose: {
      sign1: {
        sign: async ({ sign1, jwk }: any) => {
          const key = await webcrypto.subtle.importKey('jwk', { ...jwk, alg: undefined }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
          return new Uint8Array(await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, sign1.getRawSigningData().data));
        },
        verify: () => {
          throw new Error('not used');
        },
      },
      mac0: {
        sign: () => {
          throw new Error('not used');
        },
        verify: () => {
          throw new Error('not used');
        },
      },
    },
  } as unknown as Pick<MdocContext, 'crypto' | 'cose'>;
}

export { DataItem };
