/**
 * One mso_mdoc presentation (OpenID4VP 1.0 App. B.2): base64url of a CBOR DeviceResponse with one
 * document (HAIP §5.3.1). Issuer data authentication (ISO/IEC 18013-5 §9.3.1: MSO signature by
 * the x5chain leaf, its chain to a trusted root, value digests, validity, docType) with the
 * issuer's own decoder, then mdoc authentication: the deviceSignature by the MSO deviceKey over
 * DeviceAuthentication with this request's SessionTranscript (B.2.6.1), then the status.
 */
import { verify as nodeVerify, X509Certificate } from 'node:crypto';
import { Decoder, Tag } from 'cbor-x';
import type { DcqlCredentialQuery } from 'dcql';
import { AttesterKeyError, resolveAttesterKey } from '../../crypto/attestation-trust.js';
import { jwsPublicKey } from '../../crypto/jws-signature.js';
import { decodeMdocCredential, type DecodedMdoc } from '../../formats/decode/mso-mdoc.js';
import { encodeCbor } from '../../formats/mso-mdoc/cbor.js';
import { CheckList, type PresentationContext } from './checks.js';
import { createDeviceAuthenticationBytes, createSessionTranscript } from './mdoc-handover.js';
import { checkCredentialStatus, readStatusReference } from './status-check.js';
import type { VerifiedPresentation } from './verify-sd-jwt.js';

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false } as ConstructorParameters<typeof Decoder>[0]);
const MAX_BYTES = 512 * 1024;

export async function verifyMdocPresentation(presentation: unknown, query: DcqlCredentialQuery, ctx: PresentationContext, where: string): Promise<VerifiedPresentation> {
  const checks = new CheckList(where);
  const none = (): VerifiedPresentation => ({ checks, credential: null, issuer: null, trusted: false, status: 'unknown', disclosedPaths: [] });
  if (typeof presentation !== 'string' || !/^[A-Za-z0-9_-]+$/.test(presentation)) {
    checks.fail('vp.mdoc.malformed', 'decode', typeof presentation !== 'string' ? `an mso_mdoc presentation is a base64url string; found ${typeof presentation}` : 'the presentation is not base64url without padding');
    return none();
  }
  let document: Map<unknown, unknown>;
  let docType: string;
  let mdoc: DecodedMdoc;
  try {
    const bytes = Buffer.from(presentation, 'base64url');
    if (bytes.length > MAX_BYTES) throw new Error(`${bytes.length} bytes; at most ${MAX_BYTES} are accepted`);
    const response = decoder.decode(bytes) as unknown;
    if (!(response instanceof Map) || !Array.isArray(response.get('documents'))) throw new Error('not a DeviceResponse map with documents');
    const documents = response.get('documents') as unknown[];
    if (documents.length !== 1) throw new Error(`${documents.length} documents; one DeviceResponse carries one mdoc (HAIP §5.3.1)`);
    if (response.get('status') !== 0) throw new Error(`DeviceResponse status ${String(response.get('status'))} (0 = OK)`);
    document = documents[0] as Map<unknown, unknown>;
    docType = String(document.get('docType'));
    const issuerSigned = document.get('issuerSigned');
    if (!(issuerSigned instanceof Map)) throw new Error('the document has no issuerSigned');
    mdoc = decodeMdocCredential(Buffer.from(encodeCbor(issuerSigned)).toString('base64url'));
  } catch (e) {
    checks.fail('vp.mdoc.malformed', 'decode', `not a DeviceResponse: ${(e as Error).message}`);
    return none();
  }
  checks.pass('decode', `DeviceResponse with ${docType}, ${mdoc.elements.length} element(s)`);

  const wanted = (query.meta as { doctype_value?: string } | undefined)?.doctype_value;
  if (docType !== mdoc.docType) checks.fail('vp.presentation.format_mismatch', 'doctype', `document docType ${docType} differs from the MSO docType ${mdoc.docType}`);
  else if (wanted && docType !== wanted) checks.fail('vp.presentation.format_mismatch', 'doctype', `docType ${docType} is not ${wanted}`, { found: docType });
  else checks.pass('doctype', docType);

  let trusted = false;
  if (!mdoc.signatureValid) checks.fail('vp.mdoc.issuer_auth', 'issuer_signature', 'the issuerAuth COSE_Sign1 does not verify with the x5chain leaf key');
  else {
    checks.pass('issuer_signature', `issuerAuth verifies (COSE alg ${String(mdoc.coseAlg)})`);
    try {
      const key = resolveAttesterKey({ x5c: mdoc.x5chain.map((d) => Buffer.from(d).toString('base64')) }, ctx.trust, ctx.nowMs);
      trusted = key.trusted;
      if (key.trusted) checks.pass('issuer_trust', key.reason);
      else checks.judge(ctx.strict, { warning: 'vp.trust.untrusted_issuer', refused: 'vp.trust.untrusted_issuer_refused' }, 'issuer_trust', key.reason, { found: key.chain });
    } catch (e) {
      checks.fail('vp.mdoc.issuer_auth', 'issuer_trust', e instanceof AttesterKeyError ? `x5chain: ${e.message}` : (e as Error).message);
    }
  }
  const altered = mdoc.elements.filter((e) => !e.digestMatches);
  if (altered.length) checks.fail('vp.mdoc.issuer_auth', 'value_digests', `${altered.length} element(s) do not match their MSO digest: ${altered.map((e) => `${e.namespace}/${e.elementIdentifier}`).join(', ')}`);
  else checks.pass('value_digests', `${mdoc.elements.length} element(s) match the MSO valueDigests`);

  const from = Date.parse(mdoc.validityInfo.validFrom ?? '');
  const until = Date.parse(mdoc.validityInfo.validUntil ?? '');
  if (!(from <= ctx.nowMs + ctx.iatSkewSeconds * 1000) || !(ctx.nowMs < until)) checks.fail('vp.mdoc.validity', 'validity', `validityInfo ${mdoc.validityInfo.validFrom} .. ${mdoc.validityInfo.validUntil} does not cover now`);
  else checks.pass('validity', `valid until ${mdoc.validityInfo.validUntil}`);

  const bound = verifyDeviceSignature(document, docType, mdoc, ctx, checks, query.require_cryptographic_holder_binding !== false);
  const status = await checkCredentialStatus(readStatusReference(mdoc.status), ctx, checks);
  const issuer = mdoc.x5chain.length ? subjectOf(mdoc.x5chain[0]) : null;
  const disclosedPaths = mdoc.elements.map((e) => [e.namespace, e.elementIdentifier]);
  return { checks, credential: { credential_format: 'mso_mdoc', doctype: docType, namespaces: mdoc.namespaces, cryptographic_holder_binding: bound }, issuer, trusted, status, disclosedPaths };
}

function verifyDeviceSignature(document: Map<unknown, unknown>, docType: string, mdoc: DecodedMdoc, ctx: PresentationContext, checks: CheckList, required: boolean): boolean {
  const deviceSigned = document.get('deviceSigned');
  const nameSpacesBytes = deviceSigned instanceof Map ? deviceSigned.get('nameSpaces') : undefined;
  const deviceAuth = deviceSigned instanceof Map ? deviceSigned.get('deviceAuth') : undefined;
  let sign1 = deviceAuth instanceof Map ? deviceAuth.get('deviceSignature') : undefined;
  if (sign1 instanceof Tag && sign1.tag === 18) sign1 = sign1.value;
  if (!(nameSpacesBytes instanceof Tag) || !Array.isArray(sign1) || sign1.length !== 4) {
    const what = deviceAuth instanceof Map && deviceAuth.has('deviceMac') ? 'deviceMac (OpenID4VP 1.0 gives no reader key for a MAC; sign instead)' : 'no deviceSigned.nameSpaces / deviceAuth.deviceSignature';
    if (required) checks.fail('vp.mdoc.device_signature', 'device_signature', what);
    else checks.skip('device_signature', `${what}; the query allows presentations without holder binding`);
    return false;
  }
  const [protectedBytes, , payload, signature] = sign1 as [Uint8Array, unknown, unknown, Uint8Array];
  const transcript = createSessionTranscript({ clientId: ctx.clientId, nonce: ctx.nonce, jwkThumbprint: ctx.encryptionJwkThumbprint, responseUri: ctx.responseUri });
  const detached = createDeviceAuthenticationBytes(transcript, docType, nameSpacesBytes);
  let ok = false;
  try {
    const alg = (decoder.decode(protectedBytes) as Map<number, unknown>).get(1);
    if (alg === -7 && mdoc.deviceKey) {
      const toBeSigned = encodeCbor(['Signature1', protectedBytes, new Uint8Array(0), payload instanceof Uint8Array ? payload : detached]);
      ok = (payload === null || payload === undefined) && nodeVerify('sha256', toBeSigned, { key: jwsPublicKey(mdoc.deviceKey as Record<string, unknown>), dsaEncoding: 'ieee-p1363' }, signature);
    }
  } catch {
    ok = false;
  }
  if (ok) checks.pass('device_signature', 'deviceSignature by the MSO deviceKey over this request SessionTranscript (OpenID4VPHandover)');
  else checks.fail('vp.mdoc.device_signature', 'device_signature', 'the deviceSignature does not verify over DeviceAuthentication with this request SessionTranscript (client_id, nonce, encryption key thumbprint, response_uri)');
  return ok;
}

function subjectOf(der: Uint8Array): string | null {
  try {
    return new X509Certificate(der).subject.split('\n').join(', ');
  } catch {
    return null;
  }
}
