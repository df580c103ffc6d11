/** Inspection of an mso_mdoc credential (OID4VCI 1.0 App. A.2.4, ISO 18013-5 §9.1.2). */
import { truncate } from '../core/diagnostics.js';
import { coseAlgName, decodeMdocCredential, type DecodedMdoc } from '../formats/decode/mso-mdoc.js';
import { describeCertificateChain } from '../formats/decode/x509.js';
import { jwkThumbprintSync } from '../protocol/oid4vci/proofs/proof-key.js';
import type { CheckList, ResolvedKeyView } from './checks.js';
import type { InspectContext } from './context.js';

const A24 = 'OID4VCI 1.0 Appendix A.2.4';
const ISO = 'ISO/IEC 18013-5 §9.1.2.4';

export function inspectMdocCredential(ctx: InspectContext, value: string, list: CheckList, keys: ResolvedKeyView[]) {
  let mdoc: DecodedMdoc;
  try {
    mdoc = decodeMdocCredential(value);
  } catch (e) {
    list.fail('structure', A24, `not an mso_mdoc credential (base64url CBOR IssuerSigned): ${(e as Error).message}`);
    return undefined;
  }
  list.pass('structure', A24, `IssuerSigned with ${Object.keys(mdoc.namespaces).length} namespace(s), ${mdoc.elements.length} element(s)`);
  for (const note of mdoc.notes) list.warn('wrapping', A24, note);
  list.expect(coseAlgName(mdoc.coseAlg) !== undefined, 'cose_alg', 'RFC 9053 §2.1', { pass: `COSE alg ${mdoc.coseAlg} (${coseAlgName(mdoc.coseAlg)}) in the protected header`, fail: `COSE alg ${truncate(mdoc.coseAlg, 20)} missing or unsupported in the protected header` });
  let chain: ReturnType<typeof describeCertificateChain> = [];
  if (mdoc.x5chain.length === 0) list.fail('x5chain', 'RFC 9360 §2', 'no x5chain (label 33) in the unprotected header: the document signer certificate is missing');
  else {
    try {
      chain = describeCertificateChain(mdoc.x5chain);
      list.pass('x5chain', 'RFC 9360 §2', `x5chain holds ${chain.length} certificate(s); signer ${chain[0].subject}`);
      keys.push({ source: 'x5chain[0]', jwk: chain[0].publicKeyJwk, thumbprint: jwkThumbprintSync(chain[0].publicKeyJwk), certificate: chain[0] });
    } catch (e) {
      list.fail('x5chain', 'RFC 9360 §2', `x5chain is not DER certificates: ${(e as Error).message}`);
    }
  }
  list.expect(mdoc.signatureValid, 'signature', 'RFC 9052 §4.4', { pass: 'issuerAuth signature verifies with the document signer key', fail: 'issuerAuth signature does not verify with the x5chain leaf key' });
  const bad = mdoc.elements.filter((e) => !e.digestMatches);
  list.expect(bad.length === 0, 'digests', 'ISO/IEC 18013-5 §9.1.2.5', { pass: `all ${mdoc.elements.length} element digests match valueDigests`, fail: `digest mismatch for ${bad.map((e) => `${e.namespace}/${e.elementIdentifier}`).join(', ')}` });
  const weak = mdoc.elements.filter((e) => e.randomLength < 16);
  list.expect(weak.length === 0, 'random', 'ISO/IEC 18013-5 §9.1.2.5', { pass: 'every element has random of at least 16 bytes', fail: `${weak.length} element(s) with random shorter than 16 bytes` });
  for (const ns of Object.keys(mdoc.namespaces)) {
    const ids = mdoc.elements.filter((e) => e.namespace === ns).map((e) => e.digestID);
    list.expect(new Set(ids).size === ids.length, `digest_ids.${ns}`, 'ISO/IEC 18013-5 §9.1.2.4', { pass: `digestIDs unique in ${ns}`, fail: `repeated digestIDs in ${ns}` });
  }
  list.expect(mdoc.docType !== 'undefined', 'doctype', ISO, { pass: `docType ${mdoc.docType}`, fail: 'MSO has no docType' });
  const v = mdoc.validityInfo;
  const t = (s?: string) => (s ? Date.parse(s) : NaN);
  list.expect(t(v.validFrom) >= t(v.signed) && t(v.validUntil) > t(v.validFrom), 'validity_order', ISO, { pass: `signed ${v.signed} <= validFrom ${v.validFrom} < validUntil ${v.validUntil}`, fail: `validityInfo out of order: signed ${v.signed}, validFrom ${v.validFrom}, validUntil ${v.validUntil}` });
  if (chain.length) {
    const ds = chain[0];
    list.expect(t(v.validFrom) >= Date.parse(ds.notBefore) && t(v.validUntil) <= Date.parse(ds.notAfter), 'validity_in_certificate', ISO, {
      pass: 'validFrom..validUntil lies inside the document signer certificate validity',
      fail: `validity ${v.validFrom}..${v.validUntil} exceeds the DS certificate ${ds.notBefore}..${ds.notAfter}`,
    });
  }
  if (ctx.ignoreTime) list.skip('valid_now', ISO, 'time checks ignored');
  else list.expect(t(v.validFrom) <= ctx.nowSeconds * 1000 && ctx.nowSeconds * 1000 < t(v.validUntil), 'valid_now', ISO, { pass: 'valid now', fail: `not valid now (${v.validFrom} .. ${v.validUntil})` });
  if (mdoc.deviceKey?.crv) {
    list.pass('device_key', ISO, `deviceKey ${mdoc.deviceKey.kty} ${mdoc.deviceKey.crv}`);
    keys.push({ source: 'deviceKeyInfo.deviceKey', jwk: mdoc.deviceKey, thumbprint: jwkThumbprintSync(mdoc.deviceKey) });
  } else list.fail('device_key', ISO, 'deviceKeyInfo.deviceKey missing or not an EC2/OKP COSE_Key');
  return {
    format: 'mso_mdoc', docType: mdoc.docType, version: mdoc.version, digestAlgorithm: mdoc.digestAlgorithm, validityInfo: v, namespaces: mdoc.namespaces,
    elements: mdoc.elements.map((e) => ({ namespace: e.namespace, element: e.elementIdentifier, digestID: e.digestID, digest_matches: e.digestMatches })),
    deviceKey: mdoc.deviceKeyCose, certificate_chain: chain, ...(mdoc.status ? { status: mdoc.status } : {}),
  };
}
