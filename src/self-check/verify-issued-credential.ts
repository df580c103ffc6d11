/**
 * The issuer re-reads every credential it issued with the inspector's
 * credential checks — signature against its own key and chain, disclosure salts distinct and
 * referenced, mdoc digests and validityInfo inside the document signer certificate — and adds
 * what only the issuer knows: the binding key is the key the wallet proved, and vct / doctype /
 * credential_definition.type are the configuration's. A failure here is the issuer's bug, not
 * the wallet's; it is shown on the session next to the credential.
 */
import { nowSeconds } from '../core/clock.js';
import type { CredentialConfiguration } from '../credential-configurations/schema.js';
import { CheckList, type InspectorCheck } from '../inspector/checks.js';
import type { InspectContext } from '../inspector/context.js';
import { inspectCredential } from '../inspector/credential.js';
import { checkOwnCredential } from './own-credential-checks.js';
import type { CredentialSelfCheck } from '../store/store.js';
import type { IssuerDeps } from '../protocol/deps.js';

/** What the self-check reads of a configuration: its format and that format's type parameter. */
export type SelfCheckConfiguration = Pick<CredentialConfiguration, 'id' | 'format'> & { vct?: string; doctype?: string; credential_definition?: { type?: string[] } };

export interface IssuedCredentialToCheck {
  configuration: SelfCheckConfiguration;
  /** The credential exactly as it went to the wallet. */
  credential: string;
  /** RFC 7638 thumbprint of the key the wallet proved possession of. */
  holderKeyThumbprint: string;
}

const BINDING_SOURCES = new Set(['cnf.jwk', 'deviceKeyInfo.deviceKey']);

export function verifyIssuedCredential(deps: Pick<IssuerDeps, 'clock' | 'keys'>, item: IssuedCredentialToCheck): CredentialSelfCheck {
  const ctx: InspectContext = {
    nowSeconds: nowSeconds(deps.clock),
    ignoreTime: false,
    expected: {},
    // Proof policy is not used for credentials; the inspector's context wants one.
    proofPolicy: { iatSkewSeconds: 0, maxAgeSeconds: 0, nonceRequired: false },
    issuerJwks: deps.keys.jwks,
    issuerRootPem: deps.keys.rootCertificatePem,
  };
  // This issuer's own chain: read with the key in hand; any other chain: the inspector finds and judges it.
  const inspected = checkOwnCredential(ctx, item.credential) ?? inspectCredential(ctx, item.credential);
  const own = new CheckList('self_check.');
  verifyBinding(own, inspected.keys, item.holderKeyThumbprint);
  verifyConfiguredType(own, item.configuration, inspected.decoded as Record<string, unknown>);
  if (item.configuration.format !== 'mso_mdoc') verifyJwtInsideCertificate(own, deps, inspected.decoded as Record<string, unknown>);

  const checks = [...inspected.checks.checks, ...own.checks].map(compact);
  const status = checks.some((c) => c.status === 'fail') ? 'fail' : checks.some((c) => c.status === 'warn') ? 'warn' : 'pass';
  return { status, checked_at: new Date(deps.clock.nowMs()).toISOString(), checks };
}

function compact(c: InspectorCheck): CredentialSelfCheck['checks'][number] {
  return { check: c.check, status: c.status, detail: c.detail, spec_ref: c.spec_ref };
}

/** §8.3 / App. F.4: each credential is bound to the key of the proof that asked for it. */
function verifyBinding(list: CheckList, keys: { source: string; thumbprint: string }[], expected: string): void {
  const bound = keys.find((k) => BINDING_SOURCES.has(k.source));
  list.expect(bound?.thumbprint === expected, 'binding_key', 'OID4VCI 1.0 §8.3', {
    pass: `the credential is bound to the proof key (thumbprint ${expected})`,
    fail: bound ? `the credential is bound to ${bound.thumbprint}, not to the proof key ${expected}` : 'the credential carries no holder key (cnf.jwk / deviceKey)',
  });
}

/** App. A: the type parameter of the credential is the configuration's. */
function verifyConfiguredType(list: CheckList, c: SelfCheckConfiguration, decoded: Record<string, unknown>): void {
  if (c.format === 'dc+sd-jwt') {
    const vct = (decoded.payload as Record<string, unknown> | undefined)?.vct;
    list.expect(vct === c.vct, 'vct', 'OID4VCI 1.0 Appendix A.3.2', { pass: `vct ${c.vct} as configured`, fail: `vct ${String(vct)} is not the configured ${c.vct}` });
  } else if (c.format === 'mso_mdoc') {
    list.expect(decoded.docType === c.doctype, 'doctype', 'OID4VCI 1.0 Appendix A.2.2', { pass: `docType ${c.doctype} as configured`, fail: `docType ${String(decoded.docType)} is not the configured ${c.doctype}` });
  } else if (c.format === 'jwt_vc_json') {
    const vc = (decoded.payload as Record<string, unknown> | undefined)?.vc as { type?: unknown } | undefined;
    const types = Array.isArray(vc?.type) ? (vc.type as unknown[]) : [];
    const wanted = c.credential_definition?.type ?? [];
    list.expect(wanted.every((t) => types.includes(t)), 'credential_definition.type', 'OID4VCI 1.0 Appendix A.1.1.2', {
      pass: `vc.type includes ${wanted.join(', ')} as configured`,
      fail: `vc.type ${JSON.stringify(types)} lacks some of the configured ${wanted.join(', ')}`,
    });
  }
}

/** issue-credentials.ts caps validity at the signer certificate's notAfter; a JWT must say so too. */
function verifyJwtInsideCertificate(list: CheckList, deps: Pick<IssuerDeps, 'keys'>, decoded: Record<string, unknown>): void {
  const payload = decoded.payload as Record<string, unknown> | undefined;
  const exp = typeof payload?.exp === 'number' ? payload.exp * 1000 : undefined;
  const from = typeof payload?.iat === 'number' ? payload.iat * 1000 : typeof payload?.nbf === 'number' ? payload.nbf * 1000 : undefined;
  const { certificateNotBefore: notBefore, certificateNotAfter: notAfter } = deps.keys.signer;
  if (exp === undefined || from === undefined) return list.fail('validity_in_certificate', 'HAIP 1.0 §6.1.1', 'iat/nbf or exp missing: validity cannot be compared with the signer certificate');
  list.expect(from >= notBefore.getTime() && exp <= notAfter.getTime(), 'validity_in_certificate', 'HAIP 1.0 §6.1.1', {
    pass: 'iat..exp lies inside the signer certificate validity',
    fail: `validity ${new Date(from).toISOString()}..${new Date(exp).toISOString()} exceeds the signer certificate ${notBefore.toISOString()}..${notAfter.toISOString()}`,
  });
}
