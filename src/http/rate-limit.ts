import { fail } from '../core/diagnostics.js';
import { fingerprintSecret } from '../core/ids.js';
import type { IssuerDeps } from '../protocol/deps.js';

const WINDOW_MS = 60_000;

/**
 * Fixed-window rate limit per client address and scope, counted in the database so the limit
 * holds across instances. Addresses are stored only as keyed fingerprints (an IPv4 address under a
 * bare hash is found by hashing all 2^32). Answers 429 with Retry-After.
 */
export async function enforceRateLimit(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'serverSecret'>,
  scope: string,
  address: string,
  limitPerMinute: number,
): Promise<void> {
  if (limitPerMinute <= 0) return;
  const now = deps.clock.nowMs();
  const count = await hit(deps, scope, address, now);
  if (count > limitPerMinute) {
    const retryAfter = Math.ceil((WINDOW_MS - (now % WINDOW_MS)) / 1000);
    fail('request.rate_limited', `More than ${limitPerMinute} ${scope} requests per minute from this client`, {
      headers: { 'retry-after': String(retryAfter) },
      found: { requests_this_minute: count },
    });
  }
}

/** Counts one request of `address` in `scope`; true while the count is within the limit (0: no limit). */
export async function withinRateLimit(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'serverSecret'>,
  scope: string,
  address: string,
  limitPerMinute: number,
): Promise<boolean> {
  return limitPerMinute <= 0 || (await hit(deps, scope, address, deps.clock.nowMs())) <= limitPerMinute;
}

function hit(deps: Pick<IssuerDeps, 'store' | 'serverSecret'>, scope: string, address: string, now: number): Promise<number> {
  return deps.store.rateLimits.hit(`${scope}:${fingerprintSecret(deps.serverSecret, address)}`, WINDOW_MS, now);
}

/** Wallet endpoints an attacker would hammer: code guessing at the token endpoint, nonce and PAR floods. */
export const RATE_LIMITED_ENDPOINTS = new Set(['token', 'nonce', 'par']);
