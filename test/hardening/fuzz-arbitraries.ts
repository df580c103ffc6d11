import assert from 'node:assert/strict';
import fc from 'fast-check';

/**
 * Shared generators and the tally of the fuzz tests (test/hardening/fuzz*.test.ts): malformed
 * and random DIDs, JWKs, JWT headers and payloads, compact JWTs, and the per-endpoint counts
 * each file prints as its summary line.
 */

export const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

export function createTally() {
  const tally: Record<string, { tried: number; fiveHundreds: number }> = {};
  return {
    tally,
    count(name: string, status: number) {
      tally[name] ??= { tried: 0, fiveHundreds: 0 };
      tally[name].tried++;
      if (status >= 500) tally[name].fiveHundreds++;
    },
    print(file: string) {
      console.log(`fuzz summary (${file}): ${JSON.stringify(tally)}`);
    },
  };
}

export const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export const didish = fc.oneof(
  fc.constant('did:key:z'),
  fc.string().map((s) => `did:key:z${s}`),
  fc.string().map((s) => `did:jwk:${b64(s)}`),
  fc.json().map((j) => `did:jwk:${b64(j)}`),
  fc.string().map((s) => `did:key:zDn${s}#x`),
  fc.string(),
);
export const jwkish = fc.oneof(
  fc.record({ kty: fc.constantFrom('EC', 'OKP', 'RSA', 'oct', 'x'), crv: fc.constantFrom('P-256', 'P-384', 'Ed25519', 'secp256k1', 'nope'), x: fc.string(), y: fc.string(), d: fc.string() }, { requiredKeys: [] }),
  fc.anything(),
);
export const headerish = fc.record(
  {
    alg: fc.constantFrom('ES256', 'none', 'HS256', 'EdDSA', 'RS256', 'ES256K', '', 'x'),
    typ: fc.constantFrom('openid4vci-proof+jwt', 'JWT', 'dpop+jwt', 'oauth-client-attestation+jwt', 'oauth-client-attestation-pop+jwt', 'key-attestation+jwt', 'keyattestation+jwt', ''),
    kid: didish,
    jwk: jwkish,
    x5c: fc.oneof(fc.array(fc.base64String()), fc.anything()),
    crit: fc.array(fc.string()),
    key_attestation: fc.string(),
  },
  { requiredKeys: [] },
);
export const payloadish = fc.record(
  {
    aud: fc.oneof(fc.string(), fc.array(fc.string()), fc.anything()),
    // Dates far outside what a Date can hold (±8.64e15 ms) as well as ordinary ones.
    iat: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constantFrom(1e20, -1e20, 8.64e12 + 0.5)),
    exp: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constantFrom(1e20, -1e20)),
    nbf: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e20, -1e20)),
    nonce: fc.anything(),
    iss: fc.anything(),
    sub: fc.anything(),
    htm: fc.constantFrom('POST', 'GET', ''),
    htu: fc.string(),
    jti: fc.anything(),
    ath: fc.string(),
    cnf: fc.oneof(fc.record({ jwk: jwkish }, { requiredKeys: [] }), fc.anything()),
    attested_keys: fc.oneof(fc.array(jwkish, { maxLength: 3 }), fc.anything()),
  },
  { requiredKeys: [] },
);
/** Compact JWT shapes (random header/payload), plain garbage, deeply nested JSON parts, huge ones. */
export const jwtish = fc.oneof(
  fc.tuple(headerish, payloadish, fc.base64String()).map(([h, p, s]) => `${b64(h)}.${b64(p)}.${s.replace(/=/g, '')}`),
  fc.string(),
  fc.tuple(fc.string(), fc.string(), fc.string()).map((parts) => parts.join('.')),
  fc.integer({ min: 20, max: 3000 }).map((n) => `${b64(`{"alg":"ES256","x":${'['.repeat(n)}${']'.repeat(n)}}`)}.${b64('{}')}.AA`),
  fc.integer({ min: 1, max: 40 }).map((k) => `${b64({ alg: 'ES256', pad: 'x'.repeat(k * 1024) })}.e30.AA`),
  fc.anything(),
);
/** A header-safe JWT-ish string (Node refuses control characters in header values). */
export const headerJwtish = jwtish.map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')).map((v) => v.replace(/[^\x20-\x7e]/g, '').slice(0, 12_000));

/** The property of every endpoint: a spec error (4xx with an `error` member) or success; never a 5xx. */
export async function expectSpecError(tally: ReturnType<typeof createTally>, name: string, res: Response, opts: { html?: boolean } = {}) {
  tally.count(name, res.status);
  const text = await res.text();
  assert.ok(res.status < 500, `${name} answered ${res.status}: ${text.slice(0, 300)}`);
  if (res.status >= 400) {
    const type = res.headers.get('content-type') ?? '';
    if (opts.html && type.startsWith('text/html')) {
      assert.ok(text.length > 0, `${name}: empty error page`);
      return;
    }
    assert.equal(typeof JSON.parse(text).error, 'string', `${name}: ${text.slice(0, 200)}`);
  }
}
