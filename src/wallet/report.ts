/**
 * How the wallet tells what it does: numbered steps with details for people, or one JSON
 * summary at the end (`--json`). Secrets (access tokens, codes, tx_codes) are never passed in.
 */

export interface Reporter {
  step(title: string, details?: Record<string, unknown>): void;
  http(method: string, url: string, status: number): void;
  info(line: string): void;
  readonly steps: { title: string; details?: Record<string, unknown> }[];
}

export function createReporter(mode: 'text' | 'json', write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Reporter {
  const steps: Reporter['steps'] = [];
  // Requests are printed under the step they led to, which is announced after them.
  let pending: string[] = [];
  return {
    steps,
    step(title, details) {
      steps.push({ title, ...(details ? { details } : {}) });
      if (mode === 'text') {
        write(`\n==> ${steps.length}. ${title}`);
        for (const line of pending) write(line);
        pending = [];
        if (details) for (const line of JSON.stringify(details, null, 2).split('\n')) write(`    ${line}`);
      }
    },
    http(method, url, status) {
      if (mode === 'text') pending.push(`    ${method} ${url} -> ${status}`);
    },
    info(line) {
      if (mode === 'text') write(`    ${line}`);
    },
  };
}
