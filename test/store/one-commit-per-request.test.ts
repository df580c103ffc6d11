import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import type { AddressInfo } from 'node:net';
import { sqliteFileOf } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { ADMIN_TOKEN, startInProcess, type InProcessIssuer } from '../hardening/in-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { freePort, type RunningIssuer } from '../helpers/server.js';
import { createOffer, credentialRequest, fetchNonce, newHolderKey, redeem, signProof } from '../helpers/wallet.js';
import { authorizationCodeOffer, authorizationParams, CLIENT_ID, codeTokenForm, newPkce, obtainCode, postForm } from '../helpers/oauth.js';
import { openAuthorization, parseConsentForm, submitConsent } from '../helpers/consent-page.js';

/**
 * One request, one commit: everything a request creates reaches the database in the one
 * store.write of its recorder, or not at all. The real store is wrapped to count its writes
 * and, on demand, to fail them as a full disk would; the rows are then counted in the
 * database itself (SQLite file, PostgreSQL server), not through the store under test.
 */

interface Backend {
  name: string;
  open(): Promise<{ env: Record<string, string>; count(table: string, dataDir: string): Promise<number>; close(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    async open() {
      return {
        env: {},
        async count(table, dataDir) {
          const db = new Sqlite(sqliteFileOf(dataDir), { readonly: true });
          try {
            return Number((db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n);
          } finally {
            db.close();
          }
        },
        async close() {},
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const db: TestDatabase = await createTestDatabase('one-commit');
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      return {
        env: { DATABASE_URL: db.url },
        async count(table) {
          return Number((await client.query(`select count(*) as n from ${table}`)).rows[0].n);
        },
        async close() {
          await client.end();
          await db.drop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`one commit per request on ${backend.name}`, () => {
    let inProcess: InProcessIssuer;
    let issuer: RunningIssuer;
    let database: Awaited<ReturnType<Backend['open']>>;
    type Batch = Parameters<Store['write']>[0];
    const writes: { count: number; fail: (batch: Batch) => boolean } = { count: 0, fail: () => false };

    before(async () => {
      database = await backend.open();
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      inProcess = await startInProcess({ PUBLIC_URL: baseUrl, RATE_LIMIT_PER_MINUTE: '0', ...database.env }, (deps) => {
        const real = deps.store;
        const counted = new Proxy(real, {
          get(target, prop, receiver) {
            if (prop === 'write') {
              return async (batch: Batch) => {
                writes.count++;
                if (writes.fail(batch)) throw new Error('disk full (test)');
                return target.write(batch);
              };
            }
            const value = Reflect.get(target, prop, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
        return { ...deps, store: counted };
      });
      await inProcess.app.listen({ host: '127.0.0.1', port });
      assert.equal((inProcess.app.server.address() as AddressInfo).port, port);
      issuer = { baseUrl, localUrl: baseUrl, adminToken: ADMIN_TOKEN } as RunningIssuer;
    });
    after(async () => {
      await inProcess?.close();
      await database?.close();
    });

    const count = (table: string) => database.count(table, inProcess.deps.config.dataDir);

    /** Runs the request with the store's writes failing (all, or those `fail` picks) or not. */
    async function during<T>(fail: boolean | ((batch: Batch) => boolean), request: () => Promise<T>): Promise<{ result: T; writes: number }> {
      writes.count = 0;
      writes.fail = typeof fail === 'function' ? fail : () => fail;
      try {
        return { result: await request(), writes: writes.count };
      } finally {
        writes.fail = () => false;
      }
    }

    const offerBody = { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], grants: { pre_authorized_code: true, authorization_code: true } };

    it('an offer with an authorization_code grant: session, code and issuer_state in one commit', async () => {
      const before = { sessions: await count('sessions'), states: await count('oauth_issuer_states') };
      const failed = await during(true, () => fetch(`${issuer.baseUrl}/credential_offers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(offerBody),
      }));
      assert.equal(failed.result.status, 500);
      assert.equal(failed.writes, 1);
      assert.equal(await count('sessions'), before.sessions, 'no session without its commit');
      assert.equal(await count('oauth_issuer_states'), before.states, 'no issuer_state without its session');

      const ok = await during(false, () => createOffer(issuer, offerBody));
      assert.ok(ok.result.credential_offer.grants.authorization_code.issuer_state);
      assert.equal(ok.writes, 1, 'one store.write for the whole request');
      assert.equal(await count('sessions'), before.sessions + 1);
      assert.equal(await count('oauth_issuer_states'), before.states + 1);
    });

    it('a deferred credential request: the transaction lands with its credential_deferred event', async () => {
      const offer = await createOffer(issuer, { deferred: true });
      const token = await redeem(issuer, offer);
      const key = await newHolderKey();
      const proven = async () => signProof(key, { aud: issuer.baseUrl, nonce: await fetchNonce(issuer) });
      const ask = (proof: string) => credentialRequest(issuer, token, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: [proof] } });
      const before = await count('deferred_transactions');
      const firstProof = await proven();
      const failed = await during(true, () => ask(firstProof));
      assert.equal(failed.result.status, 500, failed.result.text);
      assert.equal(await count('deferred_transactions'), before, 'no transaction without its event');

      const secondProof = await proven();
      const ok = await during(false, () => ask(secondProof));
      assert.equal(ok.result.status, 202, ok.result.text);
      assert.equal(ok.writes, 1, 'one store.write for the whole request');
      assert.equal(await count('deferred_transactions'), before + 1);
    });

    it('a pushed authorization request: the request row lands with its log entry', async () => {
      const offer = await authorizationCodeOffer(issuer);
      const par = () => postForm(`${issuer.baseUrl}/par`, authorizationParams(offer.credential_offer.grants.authorization_code.issuer_state, newPkce().challenge));
      const before = await count('oauth_authorization_requests');
      const failed = await during(true, par);
      assert.equal(failed.result.status, 500);
      assert.equal(await count('oauth_authorization_requests'), before, 'no authorization request without its commit');

      const ok = await during(false, par);
      assert.equal(ok.result.status, 201, JSON.stringify(ok.result.body));
      assert.equal(ok.writes, 1, 'one store.write for the whole request');
      assert.equal(await count('oauth_authorization_requests'), before + 1);
    });

    it('a token response with a refresh token: access and refresh token in one commit', async () => {
      const tokens = async () => {
        const { code, pkce } = await obtainCode(issuer);
        return () => postForm(`${issuer.baseUrl}/token`, codeTokenForm(code, pkce.verifier));
      };
      const before = { access: await count('access_tokens'), refresh: await count('oauth_refresh_tokens') };
      const first = await tokens();
      const failed = await during(true, first);
      assert.equal(failed.result.status, 500);
      assert.equal(await count('oauth_refresh_tokens'), before.refresh, 'no refresh token without its access token');
      assert.equal(await count('access_tokens'), before.access);

      const second = await tokens();
      const ok = await during(false, second);
      assert.equal(ok.result.status, 200, JSON.stringify(ok.result.body));
      assert.ok(ok.result.body.refresh_token);
      assert.equal(ok.writes, 1, 'one store.write for the whole request');
      assert.equal(await count('oauth_refresh_tokens'), before.refresh + 1);
      assert.equal(await count('access_tokens'), before.access + 1);
    });

    it('a consent: the authorization code lands with its authorization_granted event', async () => {
      const consentPage = async () => {
        const offer = await authorizationCodeOffer(issuer);
        const par = await postForm(`${issuer.baseUrl}/par`, authorizationParams(offer.credential_offer.grants.authorization_code.issuer_state, newPkce().challenge));
        assert.equal(par.status, 201);
        const url = `${issuer.baseUrl}/authorize?${new URLSearchParams({ client_id: CLIENT_ID, request_uri: par.body.request_uri })}`;
        const page = await openAuthorization(url);
        assert.equal(page.status, 200);
        return { url, form: parseConsentForm(page.html) };
      };
      const granting = (batch: Batch) => batch.events.some((e) => e.type === 'authorization_granted');
      const before = await count('oauth_authorization_codes');
      const first = await consentPage();
      const failed = await during(granting, () => submitConsent(first.url, first.form));
      assert.equal(failed.result.status, 500);
      assert.equal(await count('oauth_authorization_codes'), before, 'no authorization code without its event');

      const second = await consentPage();
      const ok = await during(false, () => submitConsent(second.url, second.form));
      assert.ok(new URL(ok.result.location!).searchParams.get('code'), `a redirect with a code: ${ok.result.status}`);
      assert.equal(ok.writes, 1, 'one store.write for the whole request');
      assert.equal(await count('oauth_authorization_codes'), before + 1);
    });
  });
}
