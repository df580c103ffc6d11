import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import type { EndpointName, IssuerUrls } from '../protocol/deps.js';
import { fromTrustedProxy } from './trusted-proxies.js';

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
  vp_request: '/oid4vp/requests',
  vp_response: '/oid4vp/response',
  vp_result: '/oid4vp/result',
};

/** The path every route is served under, e.g. "/tenant/issuer" for PUBLIC_URL https://h/tenant/issuer. */
export function mountPath(config: Pick<Config, 'publicUrl'>): string {
  return config.publicUrl.pathname === '/' ? '' : config.publicUrl.pathname;
}

/**
 * The only source of absolute URLs. The identifier is PUBLIC_URL, unless the peer that
 * connected is a proxy TRUST_PROXY trusts: then X-Forwarded-Proto/Host/Prefix say how the wallet
 * reached us. Of a list, the last value counts: the one the nearest proxy set, not one the
 * client sent in front of it.
 */
export function urlsFor(
  config: Pick<Config, 'publicUrl' | 'trustProxy'>,
  request?: Pick<FastifyRequest, 'headers'> & { socket?: { remoteAddress?: string } },
): IssuerUrls {
  let base = `${config.publicUrl.origin}${mountPath(config)}`;
  if (request && fromTrustedProxy(config.trustProxy, request.socket?.remoteAddress)) {
    const proto = lastValue(request.headers['x-forwarded-proto']);
    const host = lastValue(request.headers['x-forwarded-host']) ?? lastValue(request.headers.host);
    const prefix = (lastValue(request.headers['x-forwarded-prefix']) ?? '').replace(/\/+$/, '');
    if (proto && host && /^https?$/.test(proto) && /^[A-Za-z0-9.\-:[\]]+$/.test(host) && /^(\/[A-Za-z0-9._~\-]+)*$/.test(prefix)) {
      base = `${proto}://${host}${prefix}${mountPath(config)}`;
    }
  }
  return { issuer: base, endpoint: (name) => `${base}${routePaths[name]}` };
}

function lastValue(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  return s?.split(',').pop()?.trim() || undefined;
}
