import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type {
  AuthorizationCodeRecord,
  AuthorizationRequestRecord,
  OAuthStore,
  RefreshTokenRecord,
} from '../oauth-records.js';
import type { NewRecord } from '../store.js';
import type { OAuthAuthorizationCodesTable, OAuthAuthorizationRequestsTable, OAuthRefreshTokensTable } from './oauth-tables.js';
import type { Database } from './tables.js';

/**
 * Kysely implementation of `OAuthStore`, for both dialects. Single-use artefacts (request_uri,
 * consent decision, code, refresh token rotation) are consumed by one conditional
 * UPDATE … RETURNING; the jti cache by one INSERT … ON CONFLICT. These answer at once (no
 * group commit): the protocol must know the outcome before it replies. New authorization
 * requests, codes and refresh tokens are rows of a request's write (`created`, StoreWrites.created).
 */
export function createOAuthStore(db: Kysely<Database>, created: (record: NewRecord) => Promise<void>): OAuthStore {
  return {
    authorizations: {
      async getIssuerState(hash) {
        const row = await db.selectFrom('oauth_issuer_states').selectAll().where('issuer_state_hash', '=', hash).executeTakeFirst();
        return row ? { issuerStateHash: row.issuer_state_hash, sessionId: row.session_id, expiresAt: Number(row.expires_at) } : null;
      },
      async setSessionGrantType(sessionId, grantType, at) {
        await db.updateTable('sessions').set({ grant_type: grantType, updated_at: at }).where('id', '=', sessionId).where('grant_type', '<>', grantType).execute();
      },
      async createRequest(request) {
        await created({ kind: 'authorization_request', request });
      },
      async useRequestUri(requestUriHash, now, csrfHash, expiresAt) {
        const row = await db
          .updateTable('oauth_authorization_requests')
          .set({ request_uri_used_at: now, csrf_hash: csrfHash, expires_at: expiresAt })
          .where('request_uri_hash', '=', requestUriHash)
          .where('request_uri_used_at', 'is', null)
          .where('request_uri_expires_at', '>', now)
          .returningAll()
          .executeTakeFirst();
        return row ? rowToRequest(row) : null;
      },
      async peekRequestUri(requestUriHash) {
        const row = await db.selectFrom('oauth_authorization_requests').selectAll().where('request_uri_hash', '=', requestUriHash).executeTakeFirst();
        return row ? rowToRequest(row) : null;
      },
      async getRequest(id) {
        const row = await db.selectFrom('oauth_authorization_requests').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? rowToRequest(row) : null;
      },
      async decide(id, csrfHash, now) {
        const row = await db
          .updateTable('oauth_authorization_requests')
          .set({ decided_at: now })
          .where('id', '=', id)
          .where('csrf_hash', '=', csrfHash)
          .where('decided_at', 'is', null)
          .where('expires_at', '>', now)
          .returningAll()
          .executeTakeFirst();
        return row ? rowToRequest(row) : null;
      },
      async createCode(code) {
        await created({ kind: 'authorization_code', code });
      },
      async peekCode(codeHash) {
        const row = await db.selectFrom('oauth_authorization_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
        return row ? rowToCode(row) : null;
      },
      async consumeCode(codeHash, now) {
        const row = await db
          .updateTable('oauth_authorization_codes')
          .set({ consumed_at: now })
          .where('code_hash', '=', codeHash)
          .where('consumed_at', 'is', null)
          .where('expires_at', '>', now)
          .returningAll()
          .executeTakeFirst();
        return row ? rowToCode(row) : null;
      },
    },

    refreshTokens: {
      async create(token) {
        await created({ kind: 'refresh_token', token });
      },
      async peek(tokenHash) {
        const row = await db.selectFrom('oauth_refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
        return row ? rowToRefresh(row) : null;
      },
      async rotate(tokenHash, now) {
        const row = await db
          .updateTable('oauth_refresh_tokens')
          .set({ rotated_at: now })
          .where('token_hash', '=', tokenHash)
          .where('rotated_at', 'is', null)
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', now)
          // A token written just after its family was revoked is revoked too.
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('revoked_grants').select('grant_id').whereRef('revoked_grants.grant_id', '=', 'oauth_refresh_tokens.family_id'))))
          .returningAll()
          .executeTakeFirst();
        return row ? rowToRefresh(row) : null;
      },
      async revokeFamily(familyId, sessionId, reason, now) {
        return db.transaction().execute(async (trx) => {
          // The first revocation's reason and time stand; a later replay adds nothing.
          await trx
            .insertInto('revoked_grants')
            .values({ grant_id: familyId, session_id: sessionId, reason, revoked_at: now })
            .onConflict((oc) => oc.column('grant_id').doNothing())
            .execute();
          const refresh = await trx
            .updateTable('oauth_refresh_tokens')
            .set({ revoked_at: now })
            .where('family_id', '=', familyId)
            .where('revoked_at', 'is', null)
            .returning('token_hash')
            .execute();
          const access = await trx
            .selectFrom('access_tokens')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('grant_id', '=', familyId)
            .where('expires_at', '>', now)
            .executeTakeFirst();
          return { refreshTokens: refresh.length, accessTokens: Number(access?.n ?? 0) };
        });
      },
    },

    replay: {
      async useDpopJti(jkt, jti, expiresAt, now) {
        const id = createHash('sha256').update(`${jkt}\u0000${jti}`).digest('base64url');
        // A row whose window has passed may be taken over; a live one makes the insert a no-op.
        const row = await db
          .insertInto('dpop_jtis')
          .values({ id, expires_at: expiresAt })
          .onConflict((oc) => oc.column('id').doUpdateSet({ expires_at: expiresAt }).where('dpop_jtis.expires_at', '<=', now))
          .returning('id')
          .executeTakeFirst();
        return row !== undefined;
      },
    },

    secrets: {
      async getOrCreate(name, candidate, now) {
        await db.insertInto('server_secrets').values({ name, value: candidate, created_at: now }).onConflict((oc) => oc.column('name').doNothing()).execute();
        const row = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
        return row.value;
      },
    },
  };
}

const num = (v: number | null): number | null => (v === null ? null : Number(v));

export function codeToRow(c: AuthorizationCodeRecord): OAuthAuthorizationCodesTable {
  return {
    code_hash: c.codeHash,
    session_id: c.sessionId,
    authorization_request_id: c.authorizationRequestId,
    client_id: c.clientId,
    redirect_uri: c.redirectUri,
    code_challenge: c.codeChallenge,
    dpop_jkt: c.dpopJkt,
    credential_configuration_ids: JSON.stringify(c.credentialConfigurationIds),
    details_requested: c.detailsRequested ? 1 : 0,
    scope: c.scope,
    family_id: c.familyId,
    expires_at: c.expiresAt,
    consumed_at: c.consumedAt,
    created_at: c.createdAt,
  };
}

export function refreshTokenToRow(t: RefreshTokenRecord): OAuthRefreshTokensTable {
  return {
    token_hash: t.tokenHash,
    family_id: t.familyId,
    session_id: t.sessionId,
    client_id: t.clientId,
    dpop_jkt: t.dpopJkt,
    credential_configuration_ids: JSON.stringify(t.credentialConfigurationIds),
    details_requested: t.detailsRequested ? 1 : 0,
    scope: t.scope,
    expires_at: t.expiresAt,
    created_at: t.createdAt,
    rotated_at: t.rotatedAt,
    revoked_at: t.revokedAt,
  };
}

export function requestToRow(r: AuthorizationRequestRecord): OAuthAuthorizationRequestsTable {
  return {
    id: r.id,
    request_uri_hash: r.requestUriHash,
    session_id: r.sessionId,
    client_id: r.clientId,
    redirect_uri: r.redirectUri,
    state: r.state,
    code_challenge: r.codeChallenge,
    dpop_jkt: r.dpopJkt,
    credential_configuration_ids: JSON.stringify(r.credentialConfigurationIds),
    details_requested: r.detailsRequested ? 1 : 0,
    scope: r.scope,
    request_uri_expires_at: r.requestUriExpiresAt,
    request_uri_used_at: r.requestUriUsedAt,
    csrf_hash: r.csrfHash,
    expires_at: r.expiresAt,
    decided_at: r.decidedAt,
    created_at: r.createdAt,
  };
}

function rowToRequest(r: Selectable<OAuthAuthorizationRequestsTable>): AuthorizationRequestRecord {
  return {
    id: r.id,
    requestUriHash: r.request_uri_hash,
    sessionId: r.session_id,
    clientId: r.client_id,
    redirectUri: r.redirect_uri,
    state: r.state,
    codeChallenge: r.code_challenge,
    dpopJkt: r.dpop_jkt,
    credentialConfigurationIds: JSON.parse(r.credential_configuration_ids),
    detailsRequested: Number(r.details_requested) === 1,
    scope: r.scope,
    requestUriExpiresAt: num(r.request_uri_expires_at),
    requestUriUsedAt: num(r.request_uri_used_at),
    csrfHash: r.csrf_hash,
    expiresAt: Number(r.expires_at),
    decidedAt: num(r.decided_at),
    createdAt: Number(r.created_at),
  };
}

function rowToCode(r: Selectable<OAuthAuthorizationCodesTable>): AuthorizationCodeRecord {
  return {
    codeHash: r.code_hash,
    sessionId: r.session_id,
    authorizationRequestId: r.authorization_request_id,
    clientId: r.client_id,
    redirectUri: r.redirect_uri,
    codeChallenge: r.code_challenge,
    dpopJkt: r.dpop_jkt,
    credentialConfigurationIds: JSON.parse(r.credential_configuration_ids),
    detailsRequested: Number(r.details_requested) === 1,
    scope: r.scope,
    familyId: r.family_id,
    expiresAt: Number(r.expires_at),
    consumedAt: num(r.consumed_at),
    createdAt: Number(r.created_at),
  };
}

function rowToRefresh(r: Selectable<OAuthRefreshTokensTable>): RefreshTokenRecord {
  return {
    tokenHash: r.token_hash,
    familyId: r.family_id,
    sessionId: r.session_id,
    clientId: r.client_id,
    dpopJkt: r.dpop_jkt,
    credentialConfigurationIds: JSON.parse(r.credential_configuration_ids),
    detailsRequested: Number(r.details_requested) === 1,
    scope: r.scope,
    expiresAt: Number(r.expires_at),
    createdAt: Number(r.created_at),
    rotatedAt: num(r.rotated_at),
    revokedAt: num(r.revoked_at),
  };
}
