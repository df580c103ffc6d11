/**
 * Whether a phone wallet can reach and accept the Credential Issuer Identifier. Said in one
 * place, for the start output and the dashboard's offer pages: wallets on phones refuse plain
 * http issuers (OID4VCI 1.0 §12.2.1 wants https), and a loopback host names the phone itself.
 */

export interface Reachability {
  https: boolean;
  /** localhost, 127.0.0.0/8, ::1: only this machine can reach it. */
  loopback: boolean;
  /** Plain sentences, empty when a phone wallet can use the identifier. */
  problems: string[];
  /** How to expose the issuer, when there are problems. */
  advice: string[];
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

export function describeReachability(issuer: string): Reachability {
  const url = new URL(issuer);
  const https = url.protocol === 'https:';
  const loopback = LOOPBACK.test(url.hostname) || url.hostname.endsWith('.localhost');
  const problems: string[] = [];
  if (!https) problems.push(`${issuer} is plain http: wallets on phones refuse issuers that are not https (OID4VCI 1.0 §12.2.1).`);
  if (loopback) problems.push(`${url.hostname} is this machine: a phone that scans the QR code cannot reach it.`);
  const advice = problems.length === 0
    ? []
    : [
        'Put the issuer behind an HTTPS reverse proxy (with TRUST_PROXY=1 it builds its URLs from X-Forwarded-Proto/Host/Prefix),',
        'or serve HTTPS directly with TLS_CERT and TLS_KEY (PEM files) and HOST=0.0.0.0,',
        'and set PUBLIC_URL to the https address the phone uses.',
        "Meanwhile the reference wallet works from this machine: npm run wallet -- '<offer_url>' --insecure",
      ];
  return { https, loopback, problems, advice };
}
