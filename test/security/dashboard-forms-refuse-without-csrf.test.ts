import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Sqlite from 'better-sqlite3';
import { startInProcess, ADMIN_TOKEN, type InProcessIssuer } from '../hardening/in-process.js';
import { admin, freePort, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * Every form of the signed-in dashboard needs the CSRF token of the sign-in that sent it. The
 * routes are read from the app as registered (every POST under /ui/ except sign-in), so a new
 * form is covered without touching this file. Each is posted over a real socket with a valid
 * form body and the cookie of one sign-in, but with no token, a wrong one, and the token of
 * another sign-in: 403 every time, and the database is row-for-row what it was. The same
 * forms with the right token then get past the check (the walk is not vacuous).
 */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';

/** A form body each known form would act on; a form added later gets a generic one (still must be 403 without the token). */
function formFor(url: string): Record<string, string> {
  if (url.endsWith('/ui/offers')) return { credential_configuration_ids: CONFIG, grant: 'pre_authorized_code', by_reference: 'on' };
  if (url.endsWith('/claims')) return { credential_configuration_id: CONFIG, claims: JSON.stringify({ given_name: 'Mallory', family_name: 'Attacker' }) };
  if (url.endsWith('/status')) return { status: 'revoked' };
  if (url.endsWith('/share')) return { expires_in: '600' };
  if (url.endsWith('/reference-wallet')) return { keep_faults: 'on' };
  return { value: 'x' };
}

describe('every dashboard form refuses a request without the CSRF token of its sign-in', () => {
  let issuer: InProcessIssuer;
  let base: string;
  const ids: Record<string, string> = {};

  /** Every row of every table, hashed: "nothing changed" means this is equal. */
  const snapshot = () => {
    const db = new Sqlite(join(issuer.deps.config.dataDir, 'issuance-lab.sqlite'), { readonly: true });
    try {
      const hash = createHash('sha256');
      const tables = db.prepare(`select name from sqlite_master where type = 'table' order by name`).all() as { name: string }[];
      for (const { name } of tables) hash.update(name).update(JSON.stringify(db.prepare(`select * from "${name}" order by rowid`).all()));
      return hash.digest('hex');
    } finally {
      db.close();
    }
  };

  const signIn = async () => {
    const res = await fetch(`${base}/ui/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${ADMIN_TOKEN}` });
    assert.equal(res.status, 303);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
    // The token the dashboard puts in its forms for this sign-in.
    const page = await (await fetch(`${base}/ui/sessions/${ids.id}`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    assert.ok(csrf, 'the session page carries a CSRF token');
    return { cookie, csrf };
  };

  const post = (url: string, cookie: string, form: Record<string, string>) =>
    fetch(`${base}${url}`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    issuer = await startInProcess({ PUBLIC_URL: base, RATE_LIMIT_PER_MINUTE: '0' });
    await issuer.app.listen({ port, host: '127.0.0.1' });
    // A session with an issued credential, so every form has something real to act on.
    const running = { baseUrl: base, adminToken: ADMIN_TOKEN } as RunningIssuer;
    const offer = await w.createOffer(running);
    const token = await w.redeem(running, offer);
    const key = await w.newHolderKey();
    const proof = await w.signProof(key, { aud: base, nonce: await w.fetchNonce(running) });
    const issued = await w.credentialRequest(running, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
    assert.equal(issued.status, 200, issued.text);
    ids.id = offer.session_id;
    ids.credentialId = (await admin(running, 'GET', `/sessions/${offer.session_id}/credentials`)).body.credentials[0].credential_id;
  });
  after(async () => issuer?.close());

  it('answers 403 to no, a wrong and another sign-in\'s token on every form, and changes nothing; the right token gets past the check', async () => {
    const forms = issuer.routes
      .filter((r) => r.method === 'POST' && r.url.startsWith('/ui/') && r.url !== '/ui/sign-in')
      .map((r) => r.url.replace(/:(\w+)/g, (_m, name: string) => ids[name] ?? 'x'))
      // Sign-out last: the right token ends the sign-in the other forms use.
      .sort((a, b) => Number(a.endsWith('/sign-out')) - Number(b.endsWith('/sign-out')));
    for (const known of ['/ui/offers', '/ui/sign-out', `/ui/sessions/${ids.id}/claims`, `/ui/sessions/${ids.id}/share`, `/ui/sessions/${ids.id}/reference-wallet`, `/ui/sessions/${ids.id}/credentials/${ids.credentialId}/status`]) {
      assert.ok(forms.includes(known), `${known} is among the registered dashboard forms`);
    }

    const mine = await signIn();
    await sleep(5);
    const theirs = await signIn();
    assert.notEqual(mine.cookie, theirs.cookie);
    assert.notEqual(mine.csrf, theirs.csrf);

    const before = snapshot();
    for (const url of forms) {
      for (const [what, csrf] of [['no', undefined], ['a wrong', 'A'.repeat(43)], ["another sign-in's", theirs.csrf]] as const) {
        const res = await post(url, mine.cookie, { ...formFor(url), ...(csrf === undefined ? {} : { csrf }) });
        assert.equal(res.status, 403, `${url} with ${what} CSRF token answered ${res.status}`);
        await res.arrayBuffer();
      }
    }
    assert.equal(snapshot(), before, 'a refused form changed the database');

    for (const url of forms) {
      const res = await post(url, mine.cookie, { ...formFor(url), csrf: mine.csrf });
      // Past the CSRF check the form's own rules apply (claims of a finished session are refused with 400).
      assert.ok(res.status !== 403 && res.status < 500, `${url} with the right CSRF token answered ${res.status}`);
      await res.arrayBuffer();
    }
    assert.notEqual(snapshot(), before, 'the accepted forms changed something');
  });
});
