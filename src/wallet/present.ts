/**
 * The reference wallet presents what it holds (OpenID4VP 1.0): `npm run wallet -- present
 * '<openid4vp url>'`. The request is resolved by `@openid4vc/openid4vp` (signed request object
 * by reference, client_id prefix rules), the stored credentials are matched against the DCQL
 * query with the `dcql` library, each match becomes a presentation (SD-JWT+KB through
 * `@sd-jwt/sd-jwt-vc`, an mdoc DeviceResponse signed over the OpenID4VP handover) that discloses
 * only the requested claims, and the response is sent (encrypted for direct_post.jwt).
 */
import { createHash, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decoder } from 'cbor-x';
import { CompactEncrypt, compactVerify, importJWK, importX509, type JWK } from 'jose';
import type { CallbackContext } from '@openid4vc/oauth2';
import { Openid4vpClient } from '@openid4vc/openid4vp';
import { DcqlQuery } from 'dcql';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { decodeMdocCredential } from '../formats/decode/mso-mdoc.js';
import { decodeSdJwtVc } from '../formats/decode/sd-jwt-vc.js';
import { encodeCbor, tag24 } from '../formats/mso-mdoc/cbor.js';
import { createDeviceAuthenticationBytes, createSessionTranscript, jwkThumbprintBytes } from '../protocol/oid4vp/mdoc-handover.js';
import { loadPrivateKey } from './keys.js';
import type { Reporter } from './report.js';
import type { StoredCredential } from './storage.js';

export interface PresentOptions {
  requestUrl: string;
  storeDir: string;
  reporter: Reporter;
}

export interface PresentSummary {
  client_id: string;
  response_mode: string;
  presented: { credential_query_id: string; format: string; credential_configuration_id: string; disclosed: string[] }[];
  status: number;
  redirect_uri?: string;
  steps: Reporter['steps'];
}

interface Held {
  stored: StoredCredential;
  privateJwk: JWK;
  /** The credential as the dcql library matches it. */
  dcql: Record<string, unknown>;
}

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false } as ConstructorParameters<typeof Decoder>[0]);

export async function presentCredentials(opts: PresentOptions): Promise<PresentSummary> {
  const { reporter } = opts;
  const client = new Openid4vpClient({ callbacks: walletCallbacks(reporter) });
  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: opts.requestUrl });
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params as never });
  const request = resolved.authorizationRequestPayload as Record<string, any>;
  reporter.step('Presentation request resolved', {
    client_id: request.client_id,
    client_id_prefix: resolved.client.prefix,
    signed: resolved.jar !== undefined,
    response_mode: request.response_mode,
    response_uri: request.response_uri,
    detected_version: resolved.version === 100 ? '1.0' : `draft ${resolved.version}`,
  });
  if (!resolved.dcql) throw new Error('the request has no dcql_query (Presentation Exchange requests are not supported by this wallet)');
  const query = DcqlQuery.parse(resolved.dcql.query as DcqlQuery.Input);
  DcqlQuery.validate(query);

  const held = loadHeld(opts.storeDir);
  const match = DcqlQuery.query(query, held.map((h) => h.dcql as never));
  reporter.step('Credentials matched against the DCQL query', {
    held: held.map((h) => h.stored.credential_configuration_id),
    can_be_satisfied: match.can_be_satisfied,
    matches: Object.fromEntries(Object.entries(match.credential_matches).map(([id, m]) => [id, m.success ? m.valid_credentials.map((v) => held[v.input_credential_index].stored.credential_configuration_id) : 'no match'])),
  });
  if (!match.can_be_satisfied) throw new Error('no stored credential satisfies the query (issue one first: npm run wallet -- <offer_url>)');

  const chosen = chooseQueries(query, match);
  const thumbprint = request.response_mode === 'direct_post.jwt' ? jwkThumbprintBytes(request.client_metadata?.jwks?.keys?.[0] ?? {}) : null;
  const vpToken: Record<string, string[]> = {};
  const presented: PresentSummary['presented'] = [];
  for (const id of chosen) {
    const m = match.credential_matches[id] as any;
    const valid = m.valid_credentials[0];
    const h = held[valid.input_credential_index];
    const claimSet = (valid.claims?.valid_claim_sets?.[0]?.output ?? {}) as Record<string, unknown>;
    const cq = query.credentials.find((c) => c.id === id)!;
    if (cq.format === 'mso_mdoc') {
      const transcript = createSessionTranscript({ clientId: request.client_id, nonce: request.nonce, jwkThumbprint: thumbprint, responseUri: request.response_uri ?? request.redirect_uri });
      vpToken[id] = [presentMdoc(h, claimSet as Record<string, Record<string, unknown>>, transcript)];
      presented.push({ credential_query_id: id, format: 'mso_mdoc', credential_configuration_id: h.stored.credential_configuration_id, disclosed: Object.entries(claimSet).flatMap(([ns, els]) => Object.keys(els as object).map((e) => `${ns}/${e}`)) });
    } else {
      vpToken[id] = [await presentSdJwt(h, claimSet, { nonce: request.nonce, aud: request.client_id })];
      presented.push({ credential_query_id: id, format: 'dc+sd-jwt', credential_configuration_id: h.stored.credential_configuration_id, disclosed: leafNames(claimSet) });
    }
  }
  reporter.step('Presentations created (only the requested claims disclosed)', { presented });
  const response = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request as never,
    authorizationResponsePayload: { vp_token: vpToken },
    ...(request.response_mode === 'direct_post.jwt'
      ? { jarm: { encryption: { nonce: request.nonce }, serverMetadata: { authorization_signing_alg_values_supported: ['ES256'], authorization_encryption_alg_values_supported: ['ECDH-ES'], authorization_encryption_enc_values_supported: ['A128GCM', 'A256GCM'] } } }
      : {}),
  });
  const submitted = await client.submitOpenid4vpAuthorizationResponse({ authorizationRequestPayload: request as never, authorizationResponsePayload: response.authorizationResponsePayload, ...(response.jarm ? { jarm: { responseJwt: response.jarm.responseJwt } } : {}) });
  const text = await submitted.response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { body: text.slice(0, 200) };
  }
  reporter.step('Response sent to the verifier', { response_mode: submitted.responseMode, status: submitted.response.status, ...body });
  if (!submitted.response.ok) throw new Error(`the verifier refused the response: ${submitted.response.status} ${String(body.error ?? '')} ${String(body.error_description ?? '')}`.trim());
  return { client_id: request.client_id, response_mode: request.response_mode, presented, status: submitted.response.status, ...(typeof body.redirect_uri === 'string' ? { redirect_uri: body.redirect_uri } : {}), steps: reporter.steps };
}

/** One option per credential set (the first that can be met), or every query when there are no sets. */
function chooseQueries(query: DcqlQuery.Output, match: ReturnType<typeof DcqlQuery.query>): string[] {
  if (!query.credential_sets) return query.credentials.map((c) => c.id);
  const ids = new Set<string>();
  for (const set of match.credential_sets ?? []) {
    const option = (set as { matching_options?: string[][] }).matching_options?.[0];
    if (option) option.forEach((id) => ids.add(id));
  }
  return [...ids];
}

function loadHeld(storeDir: string): Held[] {
  const dir = join(storeDir, 'credentials');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    throw new Error(`no credentials under ${dir}: issue one first (npm run wallet -- '<offer_url>' --store ${storeDir})`);
  }
  const keys = new Map<string, JWK>();
  for (const f of readdirSync(join(storeDir, 'keys'))) {
    const jwk = JSON.parse(readFileSync(join(storeDir, 'keys', f), 'utf8')) as JWK;
    if (jwk.kid) keys.set(jwk.kid, jwk);
  }
  const held: Held[] = [];
  for (const f of files) {
    const stored = JSON.parse(readFileSync(join(dir, f), 'utf8')) as StoredCredential;
    const privateJwk = keys.get(stored.key_id);
    if (!privateJwk || typeof stored.credential !== 'string') continue;
    if (stored.format === 'dc+sd-jwt') {
      const sd = decodeSdJwtVc(stored.credential);
      held.push({ stored, privateJwk, dcql: { credential_format: 'dc+sd-jwt', vct: String(sd.issuerJwt.payload.vct), claims: sd.claims, cryptographic_holder_binding: true } });
    } else if (stored.format === 'mso_mdoc') {
      const m = decodeMdocCredential(stored.credential);
      held.push({ stored, privateJwk, dcql: { credential_format: 'mso_mdoc', doctype: m.docType, namespaces: m.namespaces, cryptographic_holder_binding: true } });
    }
  }
  return held;
}

function leafNames(claims: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(claims).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? leafNames(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

/** A disclosure frame that reveals exactly the claims of the chosen claim set. */
function frameFor(claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, v && typeof v === 'object' && !Array.isArray(v) ? frameFor(v as Record<string, unknown>) : true]));
}

async function presentSdJwt(h: Held, claims: Record<string, unknown>, kb: { nonce: string; aud: string }): Promise<string> {
  const key = loadPrivateKey(h.privateJwk);
  const instance = new SDJwtVcInstance({
    hasher: (data: string | ArrayBuffer) => new Uint8Array(createHash('sha256').update(typeof data === 'string' ? data : Buffer.from(data)).digest()),
    saltGenerator: () => randomBytes(16).toString('base64url'),
    kbSigner: (data: string) => sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
    kbSignAlg: 'ES256',
  });
  return instance.present(String(h.stored.credential), frameFor(claims) as never, { kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: kb.aud, nonce: kb.nonce } } });
}

/** DeviceResponse with the requested elements only, deviceSignature over the OpenID4VP handover (App. B.2.6.1). */
function presentMdoc(h: Held, requested: Record<string, Record<string, unknown>>, transcript: unknown[]): string {
  const issuerSigned = decoder.decode(Buffer.from(String(h.stored.credential), 'base64url')) as Map<string, unknown>;
  const nameSpaces = issuerSigned.get('nameSpaces') as Map<string, { value: Uint8Array }[]>;
  const kept = new Map<string, unknown[]>();
  for (const [ns, items] of nameSpaces) {
    const wanted = Object.keys(requested[ns] ?? {});
    const chosen = items.filter((item) => wanted.includes(String((decoder.decode(item.value) as Map<string, unknown>).get('elementIdentifier'))));
    if (chosen.length) kept.set(ns, chosen);
  }
  const docType = decodeMdocCredential(String(h.stored.credential)).docType;
  const deviceNameSpaces = tag24(encodeCbor(new Map()));
  const protectedHeader = encodeCbor(new Map([[1, -7]]));
  const detached = createDeviceAuthenticationBytes(transcript, docType, deviceNameSpaces);
  const toBeSigned = encodeCbor(['Signature1', protectedHeader, new Uint8Array(0), detached]);
  const signature = new Uint8Array(sign('sha256', toBeSigned, { key: loadPrivateKey(h.privateJwk), dsaEncoding: 'ieee-p1363' }));
  const document = new Map<string, unknown>([
    ['docType', docType],
    ['issuerSigned', new Map<string, unknown>([['nameSpaces', kept], ['issuerAuth', issuerSigned.get('issuerAuth')]])],
    ['deviceSigned', new Map<string, unknown>([['nameSpaces', deviceNameSpaces], ['deviceAuth', new Map([['deviceSignature', [protectedHeader, new Map(), null, signature]]])]])],
  ]);
  return Buffer.from(encodeCbor(new Map<string, unknown>([['version', '1.0'], ['documents', [document]], ['status', 0]]))).toString('base64url');
}

function walletCallbacks(reporter: Reporter): CallbackContext {
  return {
    fetch: async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const res = await fetch(input, init);
      reporter.http(init?.method ?? 'GET', typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, res.status);
      return res;
    },
    hash: (data: Uint8Array, alg: string) => new Uint8Array(createHash(alg.replace('-', '').toLowerCase()).update(data).digest()),
    generateRandom: (n: number) => new Uint8Array(randomBytes(n)),
    // The request object's signature by its x5c leaf; which verifiers to trust is a wallet policy this test wallet does not have.
    verifyJwt: async (signer: any, jwt: { compact: string }) => {
      if (signer.method !== 'x5c') return { verified: false };
      const key = await importX509(new X509Certificate(Buffer.from(signer.x5c[0], 'base64')).toString(), signer.alg);
      try {
        await compactVerify(jwt.compact, key);
        return { verified: true, signerJwk: {} as never };
      } catch {
        return { verified: false };
      }
    },
    getX509CertificateMetadata: (certificate: string) => {
      const parts = (new X509Certificate(Buffer.from(certificate, 'base64')).subjectAltName ?? '').split(',').map((s) => s.trim());
      return { sanDnsNames: parts.filter((p) => p.startsWith('DNS:')).map((p) => p.slice(4)), sanUriNames: parts.filter((p) => p.startsWith('URI:')).map((p) => p.slice(4)) };
    },
    encryptJwe: async (encryptor: any, data: string) => {
      const jwk = encryptor.publicJwk as JWK;
      const jwe = await new CompactEncrypt(new TextEncoder().encode(data)).setProtectedHeader({ alg: encryptor.alg, enc: encryptor.enc, ...(jwk.kid ? { kid: jwk.kid } : {}) }).encrypt(await importJWK(jwk, encryptor.alg));
      return { jwe, encryptionJwk: jwk as never };
    },
    signJwt: async () => {
      throw new Error('the reference wallet signs no JWT here');
    },
    decryptJwe: async () => ({ decrypted: false }),
    clientAuthentication: () => undefined,
  } as CallbackContext;
}
