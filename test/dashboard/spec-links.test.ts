import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catalogue, diagnose, type DiagnosticCode } from '../../src/core/diagnostics.js';
import { specUrl } from '../../src/dashboard/components.js';

/** Spec references on the pages link to the section: issuance and presentation specs, RFCs. */
describe('specUrl', () => {
  it('links OID4VCI and OID4VP sections and appendices, and RFC sections', () => {
    assert.equal(specUrl('OID4VCI 1.0 §8.3.1.2'), 'https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#section-8.3.1.2');
    assert.equal(specUrl('OID4VP 1.0 §8.3.1'), 'https://openid.net/specs/openid-4-verifiable-presentations-1_0.html#section-8.3.1');
    assert.equal(specUrl('OID4VP 1.0 Appendix B.3.6'), 'https://openid.net/specs/openid-4-verifiable-presentations-1_0.html#appendix-B.3.6');
    assert.equal(specUrl('RFC 9901 §7.3'), 'https://www.rfc-editor.org/rfc/rfc9901#section-7.3');
    assert.equal(specUrl('ISO/IEC 18013-5 §9.1.2.4'), undefined, 'no public anchor: shown as text');
  });

  it('gives every OID4VP code of the catalogue a link', () => {
    const vp = Object.keys(catalogue).filter((c) => diagnose(c as DiagnosticCode, 'x').spec_ref.startsWith('OID4VP'));
    assert.ok(vp.length > 20);
    for (const code of vp) assert.ok(specUrl(diagnose(code as DiagnosticCode, 'x').spec_ref), code);
  });
});
