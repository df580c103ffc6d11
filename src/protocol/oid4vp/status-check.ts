/**
 * Status of a presented credential through its Token Status List (draft-ietf-oauth-status-list
 * -14 as HAIP pins it): the list token is fetched from `status.status_list.uri`, its signature
 * checked against the trusted issuers, `sub` compared with the uri, and the entry at `idx` read.
 *
 * Fetched on every presentation, never from a cache: in this playground a revocation made a
 * moment ago through the issuer's admin API must show on the next presentation. A production
 * verifier caches the token per its `ttl` (and HTTP caching headers) and accepts that a
 * revocation shows only after that time; docs/verifier.md says how.
 */
import { inflateSync } from 'node:zlib';
import { resolveAttesterKey, type TrustList } from '../../crypto/attestation-trust.js';
import { jwsPublicKey, jwsSignatureValid } from '../../crypto/jws-signature.js';
import { decodeJwt } from '../../formats/decode/jwt.js';
import type { CheckList } from './checks.js';

export interface StatusReference {
  idx: number;
  uri: string;
}

export type CredentialStatus = 'valid' | 'revoked' | 'suspended' | 'unknown' | 'none';

const NAMES: Record<number, CredentialStatus> = { 0: 'valid', 1: 'revoked', 2: 'suspended' };

export function readStatusReference(status: unknown): StatusReference | null {
  const list = (status as { status_list?: { idx?: unknown; uri?: unknown } } | undefined)?.status_list;
  if (!list || !Number.isInteger(list.idx) || typeof list.uri !== 'string') return null;
  return { idx: list.idx as number, uri: list.uri };
}

export async function checkCredentialStatus(
  ref: StatusReference | null,
  ctx: { fetch: typeof fetch | null; trust: TrustList; nowMs: number; strict: boolean },
  checks: CheckList,
): Promise<CredentialStatus> {
  if (!ref) {
    checks.skip('status', 'the credential carries no status_list reference');
    return 'none';
  }
  if (!ctx.fetch) {
    checks.skip('status', `index ${ref.idx} of ${ref.uri.slice(0, 120)}: not fetched here (present the credential to a verification request to check its status)`);
    return 'unknown';
  }
  const fetchList = ctx.fetch;
  let value: number;
  try {
    value = await readStatusEntry(ref, { ...ctx, fetch: fetchList });
  } catch (e) {
    const reason = `status list ${ref.uri.slice(0, 120)}: ${(e as Error).message}`;
    checks.judge(ctx.strict, { warning: 'vp.status.unavailable', refused: 'vp.status.unavailable' }, 'status', reason, { found: ref });
    return 'unknown';
  }
  const name = NAMES[value] ?? 'unknown';
  if (value === 0) checks.pass('status', `index ${ref.idx} of ${ref.uri} is VALID`);
  else checks.fail('vp.status.revoked', 'status', `index ${ref.idx} of ${ref.uri} is ${name.toUpperCase()} (0x${value.toString(16).padStart(2, '0')})`, { found: { ...ref, status: value } });
  return name;
}

async function readStatusEntry(ref: StatusReference, ctx: { fetch: typeof fetch; trust: TrustList; nowMs: number }): Promise<number> {
  const response = await ctx.fetch(ref.uri, { headers: { accept: 'application/statuslist+jwt' }, cache: 'no-store', signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const token = (await response.text()).trim();
  const jwt = decodeJwt(token);
  if (jwt.header.typ !== 'statuslist+jwt') throw new Error(`typ is ${String(jwt.header.typ)}, expected statuslist+jwt`);
  const key = resolveAttesterKey(jwt.header, ctx.trust, ctx.nowMs);
  const [h, p, s] = token.split('.');
  if (!key.candidates.some((k) => jwsSignatureValid(`${h}.${p}`, s, String(jwt.header.alg), jwsPublicKey(k as Record<string, unknown>)))) throw new Error('the status list token signature does not verify');
  if (!key.trusted) throw new Error(`the status list token is not signed by a trusted issuer: ${key.reason}`);
  if (jwt.payload.sub !== ref.uri) throw new Error(`sub ${String(jwt.payload.sub)} is not the referenced uri`);
  if (typeof jwt.payload.exp === 'number' && jwt.payload.exp * 1000 < ctx.nowMs) throw new Error('the status list token has expired');
  const list = jwt.payload.status_list as { bits?: number; lst?: string } | undefined;
  if (!list || ![1, 2, 4, 8].includes(list.bits ?? 0) || typeof list.lst !== 'string') throw new Error('status_list is not {bits, lst}');
  const bytes = inflateSync(Buffer.from(list.lst, 'base64url'));
  const bits = list.bits!;
  const byte = Math.floor((ref.idx * bits) / 8);
  if (byte >= bytes.length) throw new Error(`index ${ref.idx} is outside the list (${(bytes.length * 8) / bits} entries)`);
  return (bytes[byte] >> ((ref.idx * bits) % 8)) & ((1 << bits) - 1);
}
