import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ProtocolError } from '../../src/core/diagnostics.js';
import { fixedClock } from '../../src/core/clock.js';
import { DidResolutionError, resolveDidKey } from '../../src/crypto/did-resolver.js';
import { verifyJwtProof } from '../../src/protocol/oid4vci/proofs/jwt-proof.js';
import { startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';
import { createTally, didish, jwtish, RUNS } from './fuzz-arbitraries.js';

/**
 * Property-based fuzzing: malformed and random input to every wallet-facing endpoint and to the
 * parsers behind them. The property is always the same: a spec error (4xx with an `error`
 * member, or the parser's own error type), never a 5xx, never a crash. Runs are bounded and
 * seeded by fast-check; a failure prints the seed and the shrunk counterexample.
 */

const { tally, count } = createTally();

let issuer: RunningIssuer;
before(async () => {
  // No rate limit: a 429 would count as a spec error and hide what the endpoint itself answers.
  issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
  console.log(`fuzz summary: ${JSON.stringify(tally)}`);
});

describe('fuzzing the parsers', () => {
  it('resolveDidKey throws only DidResolutionError', () => {
    fc.assert(
      fc.property(didish, (did) => {
        count('parser:did', 0);
        try {
          resolveDidKey(did);
        } catch (e) {
          assert.ok(e instanceof DidResolutionError, String(e));
        }
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it('verifyJwtProof rejects only with ProtocolError', async () => {
    const clock = fixedClock(Date.now());
    const policy = { issuerIdentifier: 'https://issuer.example', allowedAlgs: ['ES256'], iatSkewSeconds: 60, maxAgeSeconds: 300, nonceRequired: true, anonymousGrant: true };
    await fc.assert(
      fc.asyncProperty(jwtish, async (jwt) => {
        count('parser:jwt_proof', 0);
        try {
          await verifyJwtProof({ clock }, jwt as string, policy, 'body.proofs.jwt[0]');
        } catch (e) {
          assert.ok(e instanceof ProtocolError, String(e));
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('fuzzing the endpoints', () => {
  async function expectSpecError(name: string, res: Response) {
    count(name, res.status);
    assert.ok(res.status < 500, `${name} answered ${res.status}`);
    if (res.status >= 400) {
      const body = await res.json();
      assert.equal(typeof body.error, 'string');
    } else {
      await res.arrayBuffer();
    }
  }

  it('token endpoint: random forms and content types', async () => {
    const key = fc.constantFrom('grant_type', 'pre-authorized_code', 'tx_code', 'user_pin', 'authorization_details', 'client_id', 'code', 'x');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, fc.oneof(fc.string(), fc.constant('urn:ietf:params:oauth:grant-type:pre-authorized_code')))), fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', ''), async (pairs, type) => {
        const body = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const res = await fetch(`${issuer.baseUrl}/token`, { method: 'POST', headers: type ? { 'content-type': type } : {}, body });
        await expectSpecError('token', res);
      }),
      { numRuns: RUNS },
    );
  });

  it('credential endpoint: random bodies and proofs with a valid token', async () => {
    const offer = await w.createOffer(issuer);
    const token = await w.redeem(issuer, offer);
    const body = fc.oneof(
      fc.record({ credential_configuration_id: fc.oneof(fc.constant('eu.europa.ec.eudi.pid_vc_sd_jwt'), fc.string()), proofs: fc.oneof(fc.record({ jwt: fc.array(jwtish, { maxLength: 12 }) }), fc.anything()) }, { requiredKeys: [] }),
      fc.record({ credential_identifier: fc.string(), proof: fc.anything(), format: fc.string() }, { requiredKeys: [] }),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(body.map((b) => JSON.stringify(b) ?? 'null'), fc.string()), async (raw) => {
        const res = await fetch(`${issuer.baseUrl}/credential`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: raw,
        });
        await expectSpecError('credential', res);
      }),
      { numRuns: RUNS },
    );
  });

  it('credential endpoint: random authorization headers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), async (auth) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (/^[\x20-\x7e]*$/.test(auth)) headers.authorization = auth;
        const res = await fetch(`${issuer.baseUrl}/credential`, { method: 'POST', headers, body: '{}' });
        await expectSpecError('credential_auth', res);
      }),
      { numRuns: RUNS },
    );
  });

  it('offer retrieval and nonce: random ids and bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.string(), async (id, body) => {
        const offer = await fetch(`${issuer.baseUrl}/credential_offers/${encodeURIComponent(id)}`);
        await expectSpecError('credential_offer', offer);
        const nonce = await fetch(`${issuer.baseUrl}/nonce`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await expectSpecError('nonce', nonce);
      }),
      { numRuns: RUNS },
    );
  });
});

