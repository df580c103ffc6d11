/**
 * Answers in the shape the wallet spoke. Drafts 13–14 (§7.3 there) answered a credential
 * request with `credential` at the top level (draft 14: `credentials` as a plain array for
 * several proofs), the `format`, and a fresh `c_nonce`; 1.0 (§8.3) has `credentials:
 * [{credential}]`. Drafts 13–15 answered a deferred poll that is not ready with the
 * `issuance_pending` error (HTTP 400, optional `interval`); 1.0 (§9.2) with HTTP 202.
 */
import { diagnose } from '../../core/diagnostics.js';
import type { IssuerDeps, ProtocolResponse, Recorder } from '../deps.js';
import { createLegacyCNonce } from './legacy-nonce.js';
import type { WireDraft } from './wire-draft.js';

export async function shapeCredentialResponse(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'config'>,
  draft: WireDraft | null,
  requestedFormat: string | undefined,
  response: ProtocolResponse,
  rec: Recorder,
): Promise<ProtocolResponse> {
  const body = response.body as Record<string, unknown> | undefined;
  if (draft !== 'd14' || !body || !Array.isArray(body.credentials)) return response;
  const { credentials, ...rest } = body as { credentials: { credential: unknown }[] } & Record<string, unknown>;
  const values = credentials.map((c) => c.credential);
  const nonce = await createLegacyCNonce(deps, rec);
  rec.diagnostic(
    diagnose('draft.response.credential', `Answered in the draft 13-14 shape: ${values.length === 1 ? 'credential at the top level' : `credentials as a plain array of ${values.length}`}, format and a fresh c_nonce`, {
      path: 'response.body',
    }),
  );
  const shaped = {
    ...(values.length === 1 ? { credential: values[0] } : { credentials: values }),
    ...(requestedFormat ? { format: requestedFormat } : {}),
    ...rest,
    ...nonce,
  };
  return { ...response, body: shaped };
}

export function createIssuancePending(interval: number, draft: WireDraft, rec: Recorder): ProtocolResponse {
  rec.diagnostic(
    diagnose('draft.deferred.issuance_pending', `Not ready: answered with the issuance_pending error of drafts 13-15 (interval ${interval} s), because the credential request was in a ${draft === 'd14' ? 'draft 13-14' : 'draft 13-15'} shape`, {
      path: 'response.body',
    }),
  );
  return {
    status: 400,
    headers: { 'cache-control': 'no-store' },
    body: { error: 'issuance_pending', error_description: 'The credential is not ready yet; poll again after interval seconds', interval },
  };
}
