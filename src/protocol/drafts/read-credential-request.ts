/**
 * The draft shapes of a credential request, in the order a request is read: the singular
 * `proof` (drafts 13–15), then a format-based credential name (drafts 13–14). What comes out
 * is the 1.0 request the rest of the endpoint checks, and the draft to answer in.
 */
import type { CredentialRequest } from '../../schemas/credential-request.js';
import type { AccessTokenRecord, SessionRecord } from '../../store/store.js';
import type { IssuerDeps, Recorder } from '../deps.js';
import { readFormatRequest } from './format-request.js';
import { readSingularProof } from './singular-proof.js';
import { olderDraft, strictModeOf, type WireDraft } from './wire-draft.js';

export interface SpokenRequest {
  request: CredentialRequest;
  /** null: 1.0. */
  draft: WireDraft | null;
  /** The format the wallet named (drafts 13–14), echoed in a draft-shaped response. */
  requestedFormat?: string;
}

export function readDraftShapes(
  deps: Pick<IssuerDeps, 'config' | 'configurations'>,
  session: SessionRecord,
  token: AccessTokenRecord,
  request: CredentialRequest,
  rec: Recorder,
): SpokenRequest {
  const strict = strictModeOf(deps, session);
  const proof = readSingularProof(request, strict, rec);
  const named = readFormatRequest(deps, token, proof.request, strict, rec);
  const draft = olderDraft(proof.draft, named.draft);
  return { request: named.request, draft, ...(named.draft ? { requestedFormat: request.format } : {}) };
}
