import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import type { EndpointName, IssuerUrls } from '../protocol/deps.js';

/** Route paths relative to the mount path (the path of PUBLIC_URL). */
export const routePaths: Record<EndpointName, string> = {
  token: '/token',
  nonce: '/nonce',
  credential: '/credential',
  deferred_credential: '/deferred_credential',
  notification: '/notification',
  jwks: '/jwks',
  credential_offer: '/credential_offers',
  session: '/sessions',
  par: '/par',
  authorization: '/authorize',
  status_list: '/status-lists',
};

/** The path every route is served under, e.g. "/tenant/issuer" for PUBLIC_URL https://h/tenant/issuer. */
export function mountPath(config: Pick<Config, 'publicUrl'>): string {
  return config.publicUrl.pathname === '/' ? '' : config.publicUrl.pathname;
}

/**
 * The only source of absolute URLs. Without TRUST_PROXY the identifier is PUBLIC_URL; with it,
 * X-Forwarded-Proto/Host/Prefix of the request say how the wallet reached us.
 */
export function urlsFor(config: Pick<Config, 'publicUrl' | 'trustProxy'>, request?: Pick<FastifyRequest, 'headers'>): IssuerUrls {
  let base = `${config.publicUrl.origin}${mountPath(config)}`;
  if (config.trustProxy && request) {
    const proto = firstValue(request.headers['x-forwarded-proto']);
    const host = firstValue(request.headers['x-forwarded-host']) ?? firstValue(request.headers.host);
    const prefix = (firstValue(request.headers['x-forwarded-prefix']) ?? '').replace(/\/+$/, '');
    if (proto && host && /^https?$/.test(proto) && /^[A-Za-z0-9.\-:[\]]+$/.test(host) && /^(\/[A-Za-z0-9._~\-]+)*$/.test(prefix)) {
      base = `${proto}://${host}${prefix}${mountPath(config)}`;
    }
  }
  return { issuer: base, endpoint: (name) => `${base}${routePaths[name]}` };
}

function firstValue(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(',')[0].trim() || undefined;
}
