import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { catalogue } from '../../src/core/diagnostics.js';
import { DOC_PATH, renderDiagnosticsDoc } from '../../scripts/gen-diagnostics-doc.js';

describe('docs/diagnostics.md', () => {
  it('is exactly what `npm run docs:diagnostics` generates from the catalogue (regenerate it when this fails)', () => {
    assert.equal(readFileSync(DOC_PATH, 'utf8'), renderDiagnosticsDoc());
  });

  it('lists every catalogue code once, with its wire error, status and spec reference', () => {
    const doc = renderDiagnosticsDoc();
    for (const [code, entry] of Object.entries(catalogue)) {
      const rows = doc.split('\n').filter((l) => l.startsWith(`| \`${code}\` |`));
      assert.equal(rows.length, 1, code);
      assert.ok(rows[0].includes(`\`${entry.error}\``) && rows[0].includes(`| ${entry.status} |`), rows[0]);
    }
  });

  it('escapes table syntax inside catalogue texts, so a pipe in help cannot break the table', () => {
    const doc = renderDiagnosticsDoc({
      'x.y.z': { error: 'invalid_request', status: 400, severity: 'error', expected: 'a | b', help: 'line1\nline2', spec_ref: { spec: 'RFC 1', section: '1' } },
    });
    const row = doc.split('\n').find((l) => l.startsWith('| `x.y.z`'))!;
    assert.equal(row, '| `x.y.z` | `invalid_request` | 400 | error | a \\| b | line1 line2 | RFC 1 §1 |');
  });
});
