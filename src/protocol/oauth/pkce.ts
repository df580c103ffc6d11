import { createHash } from 'node:crypto';
import { fail } from '../../core/diagnostics.js';
import { timingSafeEqualText } from '../../crypto/constant-time.js';

/**
 * PKCE (RFC 7636), S256 only: HAIP 1.0 §4 / FAPI 2.0 refuse `plain`, and an absent
 * code_challenge_method means `plain` (§4.3), so it is refused too.
 */

/** Authorization-request side: the challenge and its method (§4.3, §4.4.1). */
export function parseCodeChallenge(params: Record<string, string>): string {
  const challenge = params.code_challenge;
  const method = params.code_challenge_method;
  if (!challenge) {
    fail('authorize.pkce.missing', 'The request has no code_challenge', { path: 'code_challenge', found: Object.keys(params) });
  }
  if (method !== 'S256') {
    fail('authorize.pkce.method_unsupported', method ? `code_challenge_method ${method.slice(0, 20)} is not supported` : 'code_challenge_method is absent, which means plain', {
      path: 'code_challenge_method',
      found: method ?? null,
    });
  }
  // §4.2: BASE64URL of a 32-byte digest is exactly 43 characters, no padding.
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
    fail('authorize.pkce.challenge_malformed', `code_challenge is not 43 base64url characters (got ${challenge.length} characters)`, {
      path: 'code_challenge',
      found: challenge.slice(0, 60),
    });
  }
  return challenge;
}

/** BASE64URL(SHA256(ASCII(verifier))) (§4.2). */
export function createCodeChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Token side: the verifier must be well formed (§4.1) and hash to the challenge (§4.6). */
export function verifyCodeVerifier(verifier: string | undefined, challenge: string): void {
  if (verifier === undefined) fail('token.code_verifier.missing', 'The form has no code_verifier', { path: 'body.code_verifier' });
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) {
    fail('token.code_verifier.malformed', `code_verifier has ${verifier.length} characters or characters outside A-Z a-z 0-9 - . _ ~`, {
      path: 'body.code_verifier',
    });
  }
  if (!timingSafeEqualText(createCodeChallenge(verifier), challenge)) {
    fail('token.code_verifier.mismatch', 'BASE64URL(SHA-256(code_verifier)) does not equal the code_challenge of the authorization request', {
      path: 'body.code_verifier',
    });
  }
}
