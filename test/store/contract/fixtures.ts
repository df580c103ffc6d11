import { newSortableId } from '../../../src/core/ids.js';
import type { SessionState } from '../../../src/core/session-state.js';
import type { EventEntry, LogEntry, PreAuthorizedGrantRecord, SessionRecord, StoreWrites } from '../../../src/store/store.js';
import { T0, uid } from './harness.js';

export function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const at = overrides.createdAt ?? T0;
  return {
    id: uid('ses'),
    offerId: uid('off'),
    state: 'offer_created' as SessionState,
    grantType: 'pre-authorized_code',
    credentialConfigurationIds: ['eu.europa.ec.eudi.pid_vc_sd_jwt'],
    offer: { credential_issuer: 'http://localhost', grants: {} },
    options: { claims: {}, deferred: false, requireWalletAttestation: false, requireKeyAttestation: false, byReference: true },
    createdAt: at,
    updatedAt: at,
    offerExpiresAt: at + 3600_000,
    offerFetches: 0,
    ...overrides,
  };
}

export function grant(sessionId: string, overrides: Partial<PreAuthorizedGrantRecord> = {}): PreAuthorizedGrantRecord {
  return {
    codeHash: uid('code'),
    sessionId,
    txCodeHash: null,
    txCodeAttempts: 0,
    burnt: false,
    expiresAt: T0 + 600_000,
    consumedAt: null,
    ...overrides,
  };
}

export function log(sessionId: string | null, at = T0, overrides: Partial<LogEntry> = {}): LogEntry {
  return {
    id: newSortableId(at),
    sessionId,
    timestamp: at,
    level: 'info',
    endpoint: 'token',
    requestId: uid('req'),
    message: 'POST token -> 200',
    data: { status: 200, nested: { list: [1, 'two', null], unicode: 'ä€😀' } },
    ...overrides,
  };
}

export function event(sessionId: string, type: string, at = T0): EventEntry {
  return { id: newSortableId(at), sessionId, type, timestamp: at, details: { note: type } };
}

export function writes(overrides: Partial<StoreWrites> = {}): StoreWrites {
  return { logs: [], events: [], transitions: [], issued: [], ...overrides };
}
