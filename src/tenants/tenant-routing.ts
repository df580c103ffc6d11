/**
 * Which tenant a request is for. A tenant's routes live under `{mount}/{tenant}`, and its
 * metadata also at the path-inserted well-known URLs `/.well-known/{name}{mount}/{tenant}`
 * (OID4VCI 1.0 §12.2.2, RFC 8414 §3.1). Anything else belongs to the deployment's own issuer.
 */
export function tenantOfPath(url: string, mount: string, isTenant: (id: string) => boolean): string | undefined {
  const path = url.split('?')[0];
  const wellKnown = /^\/\.well-known\/[^/]+(\/.*)?$/.exec(path);
  const rest = wellKnown ? (wellKnown[1] ?? '') : path;
  if (mount && !(rest === mount || rest.startsWith(`${mount}/`))) return undefined;
  const segment = rest.slice(mount.length).split('/')[1];
  return segment && isTenant(segment) ? segment : undefined;
}
