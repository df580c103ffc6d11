import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { catalogue } from '../../src/core/diagnostics.js';

/**
 * Every catalogue entry is produced by at least one test. Tests assert the code of the
 * diagnostic a request produced (from the session log, an error body or the inspector), so a
 * code that no test file names is a code no test produces. Codes are matched whole: neither
 * `client_attestation.untrusted` inside `client_attestation.untrusted_refused` nor this file
 * counts.
 */

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' ? [] : testFiles(path);
    return path.endsWith('.ts') && path !== SELF ? [path] : [];
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('diagnostics catalogue coverage', () => {
  it('names every catalogue code in at least one test', () => {
    const sources = testFiles(TEST_DIR).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
    const missing: string[] = [];
    for (const code of Object.keys(catalogue)) {
      const whole = new RegExp(`(?<![A-Za-z0-9_.])${escape(code)}(?![A-Za-z0-9_.])`);
      if (!sources.some((s) => whole.test(s.text))) missing.push(code);
    }
    assert.deepEqual(missing, [], `catalogue codes no test produces (${missing.length}): add a test that triggers each and asserts its code`);
  });

  it('counts a code only as a whole word (a longer code does not cover a shorter one)', () => {
    const whole = (code: string) => new RegExp(`(?<![A-Za-z0-9_.])${escape(code)}(?![A-Za-z0-9_.])`);
    assert.ok(!whole('client_attestation.untrusted').test("l.data.code === 'client_attestation.untrusted_refused'"));
    assert.ok(whole('client_attestation.untrusted').test("codes.includes('client_attestation.untrusted')"));
    assert.ok(!whole('offer.expired').test("'x.offer.expired'"));
    assert.ok(relative(TEST_DIR, SELF).startsWith('docs'), 'this file is not counted as a source');
  });
});
