#!/usr/bin/env node
// Dependency checks for CI (.ci/run), one policy for both:
// - `npm audit --omit=dev --audit-level=high`: known advisories (high, critical) in what
//   `npm start` loads;
// - `npm audit signatures`: every installed package carries the registry's signature (and its
//   provenance attestation where it has one).
// A finding fails the run. When the service does not answer (these machines reach the registry's
// tarballs but get 405 from the advisory endpoint, and no sigstore host), one line says the check
// was unavailable and why, and the run goes on: an unreachable service is not a clean bill.
import { spawnSync } from 'node:child_process';

const NETWORK = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|CERT_\w+|UNABLE_TO_\w+)\b/;

function npm(args) {
  const r = spawnSync('npm', args, { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
  return { rc: r.status ?? 1, out: r.stdout ?? '', err: `${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`, timedOut: r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGTERM' };
}

/** The first line that says what went wrong, without npm's prefixes. */
function reasonOf(text) {
  const lines = text.split('\n').map((l) => l.replace(/^npm (error|warn|ERR!|WARN)\s*/, '').trim()).filter(Boolean);
  const pick = (re) => lines.find((l) => re.test(l));
  return (pick(/request to .* failed/) ?? pick(/\b[45]\d\d\b/) ?? pick(/\bE[A-Z]{3,}\b/) ?? lines[0] ?? 'no answer').replace(/^network /, '');
}

let failed = false;

// Advisories: --json tells a report (metadata.vulnerabilities) from an error of the endpoint.
{
  const r = npm(['audit', '--omit=dev', '--audit-level=high', '--json']);
  let report;
  try {
    report = JSON.parse(r.out);
  } catch {
    report = undefined;
  }
  const counts = report?.metadata?.vulnerabilities;
  if (r.timedOut) console.log('dependency audit unavailable: npm audit did not answer within 180 s');
  else if (counts && r.rc === 0) console.log(`dependency audit: no high or critical advisories in production dependencies (${counts.total ?? 0} lower)`);
  else if (counts) {
    console.log(`dependency audit: ${counts.high ?? 0} high and ${counts.critical ?? 0} critical advisories in production dependencies`);
    process.stdout.write(npm(['audit', '--omit=dev', '--audit-level=high']).out);
    failed = true;
  } else console.log(`dependency audit unavailable: ${report?.message ?? reasonOf(r.err)}`);
}

// Registry signatures: no JSON on failure, so a network error (or a 4xx/5xx from the registry's
// key endpoint) with no verdict about packages is "unavailable".
{
  const r = npm(['audit', 'signatures']);
  const text = `${r.out}\n${r.err}`;
  const verdict = /invalid|missing|tampered|untrusted/i.test(r.out);
  if (r.timedOut) console.log('dependency signatures unavailable: npm audit signatures did not answer within 180 s');
  else if (r.rc === 0) console.log(`dependency signatures: ${r.out.trim().split('\n')[0] || 'verified'}`);
  else if (!verdict && (NETWORK.test(text) || /\b(40[0-9]|5\d\d)\b/.test(r.err))) console.log(`dependency signatures unavailable: ${reasonOf(r.err)}`);
  else {
    process.stdout.write(r.out);
    process.stderr.write(r.err);
    failed = true;
  }
}

process.exit(failed ? 1 : 0);
