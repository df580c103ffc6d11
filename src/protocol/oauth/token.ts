import { fail } from '../../core/diagnostics.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../deps.js';
import { handlePreAuthorizedCodeGrant } from './grants/pre-authorized-code.js';

/** Token endpoint (RFC 6749 §3.2, OID4VCI 1.0 §6): dispatches to the grant's own module. */
export async function handleTokenRequest(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'configurations'>,
  urls: IssuerUrls,
  form: Record<string, string>,
  rec: Recorder,
): Promise<ProtocolResponse> {
  const grantType = form.grant_type;
  if (!grantType) fail('token.grant_type.missing', 'The form has no grant_type', { path: 'body.grant_type', found: Object.keys(form) });
  switch (grantType) {
    case 'urn:ietf:params:oauth:grant-type:pre-authorized_code':
      return handlePreAuthorizedCodeGrant(deps, urls, form, rec);
    default:
      fail('token.grant_type.unsupported', `grant_type ${grantType.slice(0, 80)} is not supported`, {
        path: 'body.grant_type',
        found: grantType,
        expected: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
      });
  }
}
