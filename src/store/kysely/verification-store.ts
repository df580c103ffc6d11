import { sql, type Kysely, type Selectable } from 'kysely';
import type { PresentationRequestRecord, VerificationStore } from '../verification-records.js';
import type { Database, PresentationRequestsTable } from './tables.js';

/** Kysely implementation of `VerificationStore` for both dialects; rows are created through the group commit. */
export function createVerificationStore(db: Kysely<Database>): VerificationStore {
  const by = async (column: 'session_id' | 'request_token_hash' | 'state_hash' | 'encryption_kid' | 'response_code_hash', value: string) => {
    const row = await db.selectFrom('presentation_requests').selectAll().where(column, '=', value).executeTakeFirst();
    return row ? toRecord(row) : null;
  };
  const increment = async (sessionId: string, column: 'fetches' | 'responses') => {
    const row = await db
      .updateTable('presentation_requests')
      .set({ [column]: sql<number>`${sql.ref(column)} + 1` })
      .where('session_id', '=', sessionId)
      .returning(column)
      .executeTakeFirst();
    return row ? Number((row as Record<string, unknown>)[column]) : null;
  };
  return {
    presentations: {
      get: (id) => by('session_id', id),
      getByRequestToken: (hash) => by('request_token_hash', hash),
      getByState: (hash) => by('state_hash', hash),
      getByEncryptionKid: (kid) => by('encryption_kid', kid),
      getByResponseCode: (hash) => by('response_code_hash', hash),
      recordFetch: (id) => increment(id, 'fetches'),
      recordResponse: (id) => increment(id, 'responses'),
      async answer(sessionId, responseCodeHash, now) {
        // One conditional update: of two concurrent responses exactly one wins.
        const row = await db
          .updateTable('presentation_requests')
          .set({ answered_at: now, response_code_hash: responseCodeHash })
          .where('session_id', '=', sessionId)
          .where('answered_at', 'is', null)
          .where('expires_at', '>', now)
          .returning('session_id')
          .executeTakeFirst();
        return row !== undefined;
      },
      async saveResult(sessionId, result) {
        await db.updateTable('presentation_requests').set({ result_json: JSON.stringify(result) }).where('session_id', '=', sessionId).execute();
      },
    },
  };
}

export function presentationRequestToRow(r: PresentationRequestRecord): PresentationRequestsTable {
  return {
    session_id: r.sessionId,
    request_token_hash: r.requestTokenHash,
    state_hash: r.stateHash,
    encryption_kid: r.encryptionKid,
    response_code_hash: r.responseCodeHash,
    nonce: r.nonce,
    client_id: r.clientId,
    options_json: JSON.stringify(r.options),
    dcql_query_json: JSON.stringify(r.dcqlQuery),
    encryption_key_json: r.encryptionKey ? JSON.stringify(r.encryptionKey) : null,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
    fetches: r.fetches,
    responses: r.responses,
    answered_at: r.answeredAt,
    result_json: r.result ? JSON.stringify(r.result) : null,
  };
}

function toRecord(r: Selectable<PresentationRequestsTable>): PresentationRequestRecord {
  return {
    sessionId: r.session_id,
    requestTokenHash: r.request_token_hash,
    stateHash: r.state_hash,
    encryptionKid: r.encryption_kid,
    responseCodeHash: r.response_code_hash,
    nonce: r.nonce,
    clientId: r.client_id,
    options: JSON.parse(r.options_json),
    dcqlQuery: JSON.parse(r.dcql_query_json),
    encryptionKey: r.encryption_key_json ? JSON.parse(r.encryption_key_json) : null,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    fetches: Number(r.fetches),
    responses: Number(r.responses),
    answeredAt: r.answered_at === null ? null : Number(r.answered_at),
    result: r.result_json ? JSON.parse(r.result_json) : null,
  };
}
