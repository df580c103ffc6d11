import type { AdminTokenOrigin } from './runtime.js';
import { describeReachability } from './config/reachability.js';

/**
 * What a person needs after `npm start`, in plain words: where the dashboard is, the admin
 * token (in full only on the start that generated it) and where it is kept, the Credential
 * Issuer Identifier, and what to do when phones cannot use it. One URL throughout: the
 * dashboard is served at the identifier, so both are PUBLIC_URL.
 */
export interface StartFacts {
  issuer: string;
  /** host:port the server is bound to (not a URL: PUBLIC_URL is the one URL to use). */
  boundTo: string;
  adminToken: AdminTokenOrigin;
}

export function describeStart(f: StartFacts): string[] {
  const reach = describeReachability(f.issuer);
  const lines = [
    '',
    `issuance-lab is running (bound to ${f.boundTo}).`,
    '',
    `  Dashboard and credential issuer:  ${f.issuer}/`,
    `  Credential Issuer Identifier:     ${f.issuer}`,
    ...adminTokenLines(f.adminToken),
    '',
    '  Open the dashboard, sign in with the admin token, and create an offer for your wallet.',
  ];
  if (reach.problems.length) {
    lines.push('', '  Warning: phone wallets cannot use this issuer as it is:');
    for (const p of reach.problems) lines.push(`    - ${p}`);
    lines.push('  To reach it from a phone:');
    for (const a of reach.advice) lines.push(`    ${a}`);
  }
  lines.push('');
  return lines;
}

function adminTokenLines(o: AdminTokenOrigin): string[] {
  switch (o.kind) {
    case 'generated':
      return [`  Admin token (generated now, shown this once): ${o.token}`, `  Kept in ${o.file} (read it again with: cat ${o.file})`];
    case 'file':
      return [`  Admin token: kept in ${o.file} (cat ${o.file})`];
    case 'database':
      return o.generatedToken
        ? [`  Admin token (generated now, shown this once): ${o.generatedToken}`, '  Kept in the database (every instance on it accepts it); set ADMIN_TOKEN to choose your own']
        : ['  Admin token: kept in the database (shared by every instance on it)'];
    case 'environment':
      return ['  Admin token: the value of ADMIN_TOKEN'];
  }
}

/** One line for a port we cannot listen on, before anything (keys, admin token) is created. */
export function describeListenError(err: NodeJS.ErrnoException, host: string, port: number): string | undefined {
  if (err.code === 'EADDRINUSE') return `Port ${port} on ${host} is already in use (another issuance-lab?): stop that process or start with PORT=<another port>.`;
  if (err.code === 'EACCES') return `Not allowed to listen on port ${port} on ${host}: ports below 1024 need privileges; use PORT=8080 or another port above 1023.`;
  if (err.code === 'EADDRNOTAVAIL') return `Cannot listen on ${host}:${port}: ${host} is not an address of this machine; check HOST.`;
  return undefined;
}
