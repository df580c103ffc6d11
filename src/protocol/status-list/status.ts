import { randomInt } from 'node:crypto';
import { nowSeconds } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import { RequestRecorder } from '../../session-log/request-recorder.js';
import type { StatusListRecord } from '../../store/store.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse } from '../deps.js';
import { compressStatusList, packStatusList, STATUS, type StatusBits, type StatusName } from './status-list.js';
import { createStatusListCwt, createStatusListJwt } from './status-list-token.js';

/**
 * Token Status List issuance side: every credential gets an index at a random place in the
 * current list (HAIP §6.1: unique, unpredictable; also per batch credential), so the order of
 * issuance leaks nothing. A list is retired at half full, which keeps random picks cheap.
 */
const LIST_SIZE = 1 << 16;
const BITS: StatusBits = 2; // 2 bits: valid, revoked, suspended (suspension needs ≥ 2, §7.1)
const MAX_FILL = 0.5;
const TTL_SECONDS = 300;

export interface StatusReference {
  idx: number;
  uri: string;
}

export async function allocateStatus(
  deps: Pick<IssuerDeps, 'store' | 'clock'>,
  urls: IssuerUrls,
  owner: { sessionId: string; credentialId: string },
): Promise<StatusReference> {
  const now = deps.clock.nowMs();
  for (let attempt = 0; attempt < 50; attempt++) {
    let list = await deps.store.statusLists.current(MAX_FILL);
    if (!list) {
      const id = newId('sl');
      await deps.store.statusLists.create({ id, bits: BITS, size: LIST_SIZE, createdAt: now });
      list = { id, bits: BITS, size: LIST_SIZE, allocated: 0, updatedAt: now };
    }
    const idx = randomInt(list.size);
    if (await deps.store.statusLists.tryAllocate({ listId: list.id, idx, ...owner, updatedAt: now })) {
      return { idx, uri: statusListUri(urls, list.id) };
    }
  }
  throw new Error('Could not allocate a status list index after 50 attempts');
}

export function statusListUri(urls: IssuerUrls, listId: string): string {
  return `${urls.endpoint('status_list')}/${listId}`;
}

interface CachedList {
  updatedAt: number;
  builtAt: number;
  compressed: Buffer;
  jwt?: string;
  cwt?: Uint8Array;
}
const cache = new Map<string, CachedList>();

/**
 * Serves a Status List Token (draft-ietf-oauth-status-list §8): JWT by default, CWT when the
 * Accept header asks for application/statuslist+cwt. Cached per list until its next change.
 */
export async function handleStatusListRequest(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'keys'>,
  urls: IssuerUrls,
  listId: string,
  accept: string | undefined,
): Promise<ProtocolResponse & { binary?: Uint8Array }> {
  const list = await deps.store.statusLists.get(listId);
  if (!list) return { status: 404, body: { error: 'not_found', error_description: 'No such status list' } };
  const wantsCwt = (accept ?? '').includes('application/statuslist+cwt');
  const entry = await cachedList(deps, list, deps.clock.nowMs());
  const input = {
    uri: statusListUri(urls, list.id),
    bits: list.bits,
    compressed: entry.compressed,
    issuedAt: nowSeconds(deps.clock),
    ttlSeconds: TTL_SECONDS,
    signer: deps.keys.signer,
  };
  const headers = {
    'cache-control': `public, max-age=${TTL_SECONDS}`,
    'access-control-allow-origin': '*',
    etag: `"${list.id}-${list.updatedAt}-${entry.builtAt}-${wantsCwt ? 'cwt' : 'jwt'}"`,
  };
  if (wantsCwt) {
    entry.cwt ??= await createStatusListCwt(input);
    return { status: 200, headers: { ...headers, 'content-type': 'application/statuslist+cwt' }, binary: entry.cwt };
  }
  entry.jwt ??= await createStatusListJwt(input);
  return { status: 200, headers: { ...headers, 'content-type': 'application/statuslist+jwt' }, body: entry.jwt };
}

/** Signed tokens are reused until the list changes or half their lifetime has passed. */
async function cachedList(deps: Pick<IssuerDeps, 'store'>, list: StatusListRecord, now: number): Promise<CachedList> {
  const hit = cache.get(list.id);
  if (hit && hit.updatedAt === list.updatedAt && now - hit.builtAt < (TTL_SECONDS * 1000) / 2) return hit;
  const entries = await deps.store.statusLists.nonZeroEntries(list.id);
  const fresh: CachedList = {
    updatedAt: list.updatedAt,
    builtAt: now,
    compressed: compressStatusList(packStatusList(list.size, list.bits as StatusBits, entries)),
  };
  cache.set(list.id, fresh);
  return fresh;
}

/**
 * Revoke, suspend or reinstate one credential; the change is an event and a log entry on its
 * session. Null when the credential has no status entry (or, with `sessionId`, is not that
 * session's).
 */
export async function changeCredentialStatus(
  deps: Pick<IssuerDeps, 'store' | 'clock'>,
  credentialId: string,
  status: StatusName,
  via: string,
  sessionId?: string,
) {
  if (sessionId) {
    const owned = await deps.store.statusLists.entriesBySession(sessionId);
    if (!owned.some((e) => e.credentialId === credentialId)) return null;
  }
  const entry = await deps.store.statusLists.setStatus(credentialId, STATUS[status], deps.clock.nowMs());
  if (!entry) return null;
  const rec = new RequestRecorder(deps.clock, newId('req'), via);
  rec.bindSession(entry.sessionId);
  rec.event('credential_status_changed', { credential_id: credentialId, status, idx: entry.idx });
  rec.log('info', `Credential ${credentialId} is now ${status}`, { credential_id: credentialId, status_list_id: entry.listId, idx: entry.idx });
  await rec.flush(deps.store);
  return entry;
}
