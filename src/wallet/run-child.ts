/**
 * Runs the reference wallet CLI (cli.ts) as a child process, the way a user runs it, for the
 * dashboard's "run the reference wallet on this offer" button. A child, not a call: the wallet
 * is a separate client with its own User-Agent, its own library configuration (http:// issuers
 * allowed only for itself) and its own keys, and a wallet bug cannot take the issuer down.
 * The tx_code goes over stdin, never into argv (visible to `ps`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const ROOT = dirname(dirname(dirname(CLI)));

export interface ReferenceRunResult {
  ok: boolean;
  /** The CLI's --json summary (steps, decoded credentials) when it produced one. */
  summary?: Record<string, unknown>;
  error?: string;
  exitCode: number | null;
  timedOut: boolean;
}

export interface ReferenceRunOptions {
  offerUrl: string;
  txCode?: string;
  /** http:// issuer (PUBLIC_URL without TLS): the CLI refuses it unless told. */
  insecure: boolean;
  timeoutMs: number;
  /** Kills the run (the issuer is shutting down). */
  signal?: AbortSignal;
}

export function runReferenceWallet(opts: ReferenceRunOptions): Promise<ReferenceRunResult> {
  const store = mkdtempSync(join(tmpdir(), 'issuance-lab-reference-wallet-'));
  const args = [opts.offerUrl, '--json', '--store', store];
  if (opts.txCode !== undefined) args.push('--tx-code-stdin');
  if (opts.insecure) args.push('--insecure');
  // The credentials are on the session (digests, self-check); the wallet's copies go.
  return runCli(args, opts.txCode !== undefined ? `${opts.txCode}\n` : '', opts).finally(() => rmSync(store, { recursive: true, force: true }));
}

export interface ReferencePresentOptions {
  /** An offer (pre-authorized, no tx_code) of the credentials the wallet is to hold first. */
  offerUrl: string;
  /** The openid4vp:// request to present them to. */
  requestUrl: string;
  insecure: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Issuance into a fresh wallet store, then `present` from it: the dashboard's "present with the
 * reference wallet". The timeout covers both runs.
 */
export async function runReferenceWalletPresentation(opts: ReferencePresentOptions): Promise<{ issuance: ReferenceRunResult; presentation?: ReferenceRunResult }> {
  const store = mkdtempSync(join(tmpdir(), 'issuance-lab-reference-wallet-'));
  const deadline = Date.now() + opts.timeoutMs;
  const insecure = opts.insecure ? ['--insecure'] : [];
  try {
    const issuance = await runCli([opts.offerUrl, '--json', '--store', store, ...insecure], '', opts);
    if (!issuance.ok) return { issuance };
    const presentation = await runCli(['present', opts.requestUrl, '--json', '--store', store, ...insecure], '', { ...opts, timeoutMs: Math.max(1000, deadline - Date.now()) });
    return { issuance, presentation };
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
}

function runCli(cliArgs: string[], stdin: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ReferenceRunResult> {
  const args = ['--import', 'tsx', CLI, ...cliArgs];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(stdin);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    const stop = () => child.kill('SIGKILL');
    opts.signal?.addEventListener('abort', stop, { once: true });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', stop);
      let summary: Record<string, unknown> | undefined;
      try {
        summary = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        summary = undefined;
      }
      const error = timedOut
        ? `the reference wallet did not finish within ${Math.round(opts.timeoutMs / 1000)} s`
        : typeof summary?.error === 'string'
          ? summary.error
          : exitCode === 0
            ? undefined
            : stderr.trim().split('\n').pop() || `exit code ${exitCode}`;
      resolve({ ok: exitCode === 0 && summary?.ok === true, ...(summary ? { summary } : {}), ...(error ? { error } : {}), exitCode, timedOut });
    });
  });
}
