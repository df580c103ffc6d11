/**
 * Which parts of an SD-JWT VC claim set become Disclosures, as a disclosure frame for
 * @sd-jwt/core's `pack` (`{ _sd: [names or array indices], <member>: <sub-frame> }`).
 *
 * Rules (SD-JWT VC draft -13 §3.2.2, HAIP §6.1, config `issuance.always_disclosed`):
 * - `iss`, `nbf`, `exp`, `cnf`, `vct`, `vct#integrity`, `status` are never selectively disclosable;
 * - top-level names in `always_disclosed` stay plain, together with everything inside them;
 * - every other claim is disclosable; inside it, object members are disclosable recursively and
 *   array elements individually (so a verifier can be shown one nationality, or only the
 *   locality of an address).
 */

/** Registered SD-JWT VC claims that MUST NOT be selectively disclosable. */
export const NEVER_DISCLOSABLE: ReadonlySet<string> = new Set([
  'iss',
  'nbf',
  'exp',
  'cnf',
  'vct',
  'vct#integrity',
  'status',
]);

/** A node of the frame: `_sd` lists the disclosable members (names, or indices for arrays). */
export interface DisclosureFrameNode {
  _sd?: Array<string | number>;
  [member: string]: DisclosureFrameNode | Array<string | number> | undefined;
}

/** Names the SD-JWT encoding itself uses (RFC 9901 §4.2.4.1, §4.2.4.2); claims may not use them. */
const SD_JWT_RESERVED = new Set(['_sd', '_sd_alg', '...']);

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

/** Frame for a value below the top level: everything inside is disclosable. */
function frameForValue(value: Record<string, unknown> | unknown[], path: string): DisclosureFrameNode {
  const node: DisclosureFrameNode = {};
  if (Array.isArray(value)) {
    const sd: number[] = [];
    value.forEach((item, index) => {
      sd.push(index);
      if (isContainer(item)) node[String(index)] = frameForValue(item, `${path}[${index}]`);
    });
    node._sd = sd;
    return node;
  }
  const sd: string[] = [];
  for (const [name, item] of Object.entries(value)) {
    if (SD_JWT_RESERVED.has(name)) throw new TypeError(`claim ${path}.${name}: "${name}" is reserved by SD-JWT`);
    sd.push(name);
    if (isContainer(item)) node[name] = frameForValue(item, `${path}.${name}`);
  }
  node._sd = sd;
  return node;
}

/** Checks a plain (always disclosed) subtree for names that would corrupt the SD-JWT encoding. */
function assertNoReservedNames(value: unknown, path: string): void {
  if (!isContainer(value)) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertNoReservedNames(item, `${path}[${index}]`));
    return;
  }
  for (const [name, item] of Object.entries(value)) {
    if (SD_JWT_RESERVED.has(name)) throw new TypeError(`claim ${path}.${name}: "${name}" is reserved by SD-JWT`);
    assertNoReservedNames(item, `${path}.${name}`);
  }
}

/**
 * Builds the disclosure frame for a claim set (JSON values only; see `jsonClaims`).
 * Top-level claims in NEVER_DISCLOSABLE or `alwaysDisclosed` stay plain.
 */
export function buildDisclosureFrame(
  claims: Record<string, unknown>,
  alwaysDisclosed: Iterable<string> = [],
): DisclosureFrameNode {
  const plain = new Set(alwaysDisclosed);
  const frame: DisclosureFrameNode = {};
  const sd: string[] = [];
  for (const [name, value] of Object.entries(claims)) {
    if (SD_JWT_RESERVED.has(name)) throw new TypeError(`claim "${name}" is reserved by SD-JWT`);
    if (NEVER_DISCLOSABLE.has(name) || plain.has(name)) {
      assertNoReservedNames(value, name);
      continue;
    }
    sd.push(name);
    if (isContainer(value)) frame[name] = frameForValue(value, name);
  }
  frame._sd = sd;
  return frame;
}
