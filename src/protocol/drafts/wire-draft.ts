/**
 * Draft compatibility. Wallets in the field speak OID4VCI drafts 13–15 as well as
 * 1.0; each draft shape is recognised explicitly (its own module and schema), served in lenient
 * mode with a warning naming the draft and the 1.0 section it departs from, and refused in
 * strict mode (STRICT_MODE, or `strict` of the offer). docs/drafts.md has the table.
 */
import type { SessionRecord } from '../../store/store.js';
import type { IssuerDeps } from '../deps.js';

/**
 * The draft a credential request's shape belongs to, when it is not 1.0: `d15` for shapes of
 * drafts 13–15 (singular `proof`), `d14` for shapes of drafts 13–14 (format-based request),
 * which also answer in the draft 14 response shape.
 */
export type WireDraft = 'd15' | 'd14';

export const wireDraftLabel: Record<WireDraft, string> = { d15: 'drafts 13-15', d14: 'drafts 13-14' };

export interface StrictMode {
  on: boolean;
  /** Why, for the reason of a refusal. */
  source: string;
}

export function strictModeOf(deps: Pick<IssuerDeps, 'config'>, session: Pick<SessionRecord, 'options'>): StrictMode {
  if (deps.config.compat.strictMode) return { on: true, source: 'STRICT_MODE' };
  if (session.options.strict === true) return { on: true, source: 'strict of the offer' };
  return { on: false, source: 'lenient' };
}

/** The more specific (older) of two drafts: d14 shapes imply a d14 response. */
export function olderDraft(a: WireDraft | null, b: WireDraft | null): WireDraft | null {
  return a === 'd14' || b === 'd14' ? 'd14' : (a ?? b);
}
