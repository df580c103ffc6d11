import type { FaultView } from '../../protocol/faults/offer-faults.js';
import { time } from '../components.js';
import { html, type Html } from '../html.js';
import type { PageContext } from '../layout.js';

/**
 * Session page parts for interoperability testing: the switches in effect (fault injection, strict mode), each
 * issued credential with the issuer's self-check of it, and the reference wallet button.
 */

export interface IssuedView {
  credential_configuration_id: string;
  format: string;
  holder_key_thumbprint: string;
  key_source: string;
  credential_sha256: string;
  issued_at: string;
  expires_at: string;
  self_check: { status: 'pass' | 'warn' | 'fail'; checked_at: string; checks: { check: string; status: string; detail: string; spec_ref: string }[] } | null;
  /** The credential's id and its Token Status List state (null without a status entry). */
  credential_id?: string;
  status?: 'valid' | 'revoked' | 'suspended' | null;
}

export function faultList(faults: FaultView[]): Html {
  if (faults.length === 0) return html`<span class="muted" data-testid="faults">none (a well-behaved issuer)</span>`;
  return html`<ul class="faults" data-testid="faults">${faults.map((f) => html`<li data-fault="${f.name}"><code>${f.name}</code> ${f.detail} <span class="scope">${f.scope === 'global' ? 'global (environment)' : 'this offer'}</span></li>`)}</ul>`;
}

/** With a page context (signed-in, not a share link) each credential gets revoke/suspend/reinstate. */
export function issuedSection(issued: IssuedView[], ctx?: PageContext, sessionId?: string): Html {
  if (issued.length === 0) return html``;
  return html`<section data-testid="issued-credentials">
    <h2>Issued credentials <span class="count">${issued.length}</span></h2>
    <p class="muted small">Only digests are kept. After issuing, the issuer re-reads each credential (signature and chain, binding key = proof key,
      distinct disclosure salts, mdoc digests, validity inside the signer certificate, vct / doctype as configured).</p>
    <table><thead><tr><th>Configuration</th><th>Format</th><th>Bound key</th><th>Issued</th><th>Self-check</th><th>Status</th></tr></thead>
    <tbody>${issued.map(
      (c) => html`<tr data-testid="issued-credential">
        <td><code>${c.credential_configuration_id}</code></td><td>${c.format}</td>
        <td class="small"><code>${c.holder_key_thumbprint.slice(0, 16)}…</code> (${c.key_source})</td>
        <td class="small">${time(c.issued_at)}</td>
        <td>${selfCheck(c.self_check)}</td>
        <td>${statusCell(c, ctx, sessionId)}</td>
      </tr>`,
    )}</tbody></table>
  </section>`;
}

function statusCell(c: IssuedView, ctx: PageContext | undefined, sessionId: string | undefined): Html {
  if (!c.status) return html`<span class="muted">no status entry</span>`;
  const label = html`<span data-testid="credential-status" data-status="${c.status}" class="status-${c.status}">${c.status}</span>`;
  if (!ctx || !sessionId || !c.credential_id) return label;
  const actions = (['revoked', 'suspended', 'valid'] as const).filter((s) => s !== c.status);
  return html`${label}
    <form method="post" action="${ctx.base}/ui/sessions/${sessionId}/credentials/${c.credential_id}/status" class="inline" data-testid="status-form">
      <input type="hidden" name="csrf" value="${ctx.csrf}">
      ${actions.map((s) => html`<button type="submit" name="status" value="${s}" data-confirm="${s === 'revoked' ? 'Revoke this credential? Relying parties see it revoked at their next status list fetch; a revocation is final.' : s === 'suspended' ? 'Suspend this credential? Relying parties see it suspended until it is reinstated.' : 'Reinstate this credential as valid?'}">${s === 'valid' ? 'reinstate' : s === 'revoked' ? 'revoke' : 'suspend'}</button>`)}
    </form>`;
}

function selfCheck(sc: IssuedView['self_check']): Html {
  if (!sc) return html`<span class="muted" data-testid="self-check" data-status="pending">pending or not recorded</span>`;
  const notPassed = sc.checks.filter((c) => c.status !== 'pass' && c.status !== 'skip');
  return html`<details data-testid="self-check" data-status="${sc.status}"><summary><span class="selfcheck-${sc.status}">${sc.status}</span>
    <span class="small muted">${sc.checks.filter((c) => c.status === 'pass').length} passed${notPassed.length ? `, ${notPassed.length} not` : ''}</span></summary>
    <ul class="small">${sc.checks.map((c) => html`<li><span class="selfcheck-${c.status === 'skip' ? 'warn' : c.status}">${c.status}</span> <code>${c.check}</code> ${c.detail} <span class="muted">${c.spec_ref}</span></li>`)}</ul>
  </details>`;
}

export function referenceWalletForm(ctx: PageContext, sessionId: string, hasFaults: boolean): Html {
  return html`<form method="post" action="${ctx.base}/ui/sessions/${sessionId}/reference-wallet" class="inline" data-testid="reference-wallet-form">
    <input type="hidden" name="csrf" value="${ctx.csrf}">
    <button type="submit" title="The reference wallet (npm run wallet) redeems a twin of this offer: same configurations, claims and tx_code, pre-authorized. Compare its session with your wallet's.">Run the reference wallet on this offer</button>
    ${hasFaults ? html`<label class="small"><input type="checkbox" name="keep_faults" value="on"> with this offer's fault switches</label>` : ''}
  </form>`;
}
