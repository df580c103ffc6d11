/**
 * Decoding (not verifying) of compact JWS/JWT, shared by the reference wallet, the inspector
 * and the metadata self-check. Verification stays with the caller, which knows the key.
 */
import { parseJsonLimited } from '../../core/input-limits.js';

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** base64url signature part. */
  signature: string;
  /** `header.payload`, the JWS signing input (RFC 7515 §5.1). */
  signingInput: string;
}

export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

function decodeJsonPart(part: string, name: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new DecodeError(`the ${name} is not base64url`);
  let value: unknown;
  try {
    value = parseJsonLimited(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new DecodeError(`the ${name} is not base64url-encoded JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DecodeError(`the ${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

export function decodeJwt(compact: string): DecodedJwt {
  const parts = compact.trim().split('.');
  if (parts.length !== 3) throw new DecodeError(`a compact JWS has 3 dot-separated parts, found ${parts.length}`);
  return {
    header: decodeJsonPart(parts[0], 'header'),
    payload: decodeJsonPart(parts[1], 'payload'),
    signature: parts[2],
    signingInput: `${parts[0]}.${parts[1]}`,
  };
}

/** True for three base64url parts whose first decodes to a JSON object (cheap kind detection). */
export function looksLikeJwt(text: string): boolean {
  try {
    decodeJwt(text);
    return true;
  } catch {
    return false;
  }
}
