import { nowSeconds } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import { RequestRecorder } from '../../session-log/request-recorder.js';
import type { StatusEntryRecord, StatusListRecord } from '../../store/store.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse } from '../deps.js';
import { compressStatusList, packStatusList, STATUS, type StatusBits, type StatusName } from './status-list.js';
import { createStatusListCwt, createStatusListJwt } from './status-list-token.js';
import { slotPermutation, type SlotPermutation } from './slot-permutation.js';

/**
 * Token Status List issuance side: every credential gets its own index (HAIP §6.1: unique,
 * unpredictable; also per batch credential), so the order of issuance leaks nothing. Indexes
 * come from slots this instance claimed in blocks (slot-permutation.ts); a list is retired at
 * half full. Slots claimed but not used when the process stops are simply never used.
 */
const LIST_SIZE = 1 << 16;
const BITS: StatusBits = 2; // 2 bits: valid, revoked, suspended (suspension needs ≥ 2, §7.1)
const MAX_FILL = 0.5;
const TTL_SECONDS = 300;
/** Slots claimed per database round trip: one counter update per this many credentials. */
const SLOT_BLOCK = 32;

export interface StatusReference {
  idx: number;
  uri: string;
}

type AllocationDeps = Pick<IssuerDeps, 'store' | 'clock' | 'serverSecret'>;

/** Slots this instance holds for one database (tenants each have their own). */
interface SlotBlock {
  listId: string;
  next: number;
  end: number;
  permutation: SlotPermutation;
}
const blocks = new WeakMap<IssuerDeps['store'], { block?: SlotBlock; claiming?: Promise<SlotBlock> }>();

/** One permutation per list: its round tables fill up as slots are used, and stay. */
const permutations = new Map<string, SlotPermutation>();
function permutationOf(secret: string, listId: string, size: number): SlotPermutation {
  const key = `${listId}|${secret}`;
  let permutation = permutations.get(key);
  if (!permutation) {
    if (permutations.size >= 64) permutations.delete(permutations.keys().next().value!);
    permutation = slotPermutation(secret, listId, size);
    permutations.set(key, permutation);
  }
  return permutation;
}

async function claimBlock(deps: AllocationDeps): Promise<SlotBlock> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const reserved = await deps.store.statusLists.reserveSlots(MAX_FILL, SLOT_BLOCK);
    if (reserved) {
      const { list, firstSlot } = reserved;
      return { listId: list.id, next: firstSlot, end: firstSlot + SLOT_BLOCK, permutation: permutationOf(deps.serverSecret, list.id, list.size) };
    }
    // Every list is full (or there is none yet): start one. Racing instances may each start
    // one; the newest is used first and the others fill up later.
    await deps.store.statusLists.create({ id: newId('sl'), bits: BITS, size: LIST_SIZE, createdAt: deps.clock.nowMs() });
  }
  throw new Error('Could not claim status list slots after 5 attempts');
}

/**
 * The next free index for one credential, and the status entry that records it. The caller
 * writes the entry with the credential's other rows (Recorder.create).
 */
export async function allocateStatus(
  deps: AllocationDeps,
  urls: IssuerUrls,
  owner: { sessionId: string; credentialId: string },
): Promise<{ reference: StatusReference; entry: StatusEntryRecord }> {
  let state = blocks.get(deps.store);
  if (!state) blocks.set(deps.store, (state = {}));
  let block = state.block;
  while (!block || block.next >= block.end) {
    // One claim at a time per instance: concurrent requests wait for it rather than each
    // claiming a block of their own.
    state.claiming ??= claimBlock(deps).finally(() => (state.claiming = undefined));
    state.block = block = await state.claiming;
  }
  const idx = block.permutation.indexOf(block.next++);
  return {
    reference: { idx, uri: statusListUri(urls, block.listId) },
    entry: { listId: block.listId, idx, ...owner, status: 0, updatedAt: deps.clock.nowMs() },
  };
}

export function statusListUri(urls: IssuerUrls, listId: string): string {
  return `${urls.endpoint('status_list')}/${listId}`;
}

interface CachedList {
  updatedAt: number;
  /** A rotated document signer signs the next token (and so changes the ETag). */
  signerKid: string;
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
  ifNoneMatch?: string,
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
    // The representation depends on Accept (JWT or CWT): a shared cache must key on it.
    vary: 'accept',
    etag: `"${list.id}-${list.updatedAt}-${entry.builtAt}-${wantsCwt ? 'cwt' : 'jwt'}"`,
  };
  // RFC 9110 §13.1.2 / §15.4.5: the client's copy is current, so no body (and no signing).
  if (ifNoneMatch !== undefined && noneMatchHits(ifNoneMatch, headers.etag)) return { status: 304, headers };
  if (wantsCwt) {
    entry.cwt ??= await createStatusListCwt(input);
    return { status: 200, headers: { ...headers, 'content-type': 'application/statuslist+cwt' }, binary: entry.cwt };
  }
  entry.jwt ??= await createStatusListJwt(input);
  return { status: 200, headers: { ...headers, 'content-type': 'application/statuslist+jwt' }, body: entry.jwt };
}

/**
 * If-None-Match evaluation (RFC 9110 §13.1.2): `*`, or a list of entity tags compared with the
 * weak comparison function (§8.8.3.2: equal opaque tags, either or both may be weak).
 */
export function noneMatchHits(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const current = opaque(etag);
  return (header.match(/(?:W\/)?"[^"]*"/g) ?? []).some((tag) => opaque(tag) === current);
}

/** Signed tokens are reused until the list changes, the signer changes or half their lifetime has passed. */
async function cachedList(deps: Pick<IssuerDeps, 'store' | 'keys'>, list: StatusListRecord, now: number): Promise<CachedList> {
  const hit = cache.get(list.id);
  if (hit && hit.updatedAt === list.updatedAt && hit.signerKid === deps.keys.signer.kid && now - hit.builtAt < (TTL_SECONDS * 1000) / 2) return hit;
  const entries = await deps.store.statusLists.nonZeroEntries(list.id);
  const fresh: CachedList = {
    updatedAt: list.updatedAt,
    signerKid: deps.keys.signer.kid,
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
