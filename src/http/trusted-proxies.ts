import proxyAddr from '@fastify/proxy-addr';
import type { TrustProxy } from '../config/config.js';

/**
 * Which peers are reverse proxies whose X-Forwarded-* headers count (TRUST_PROXY). One
 * function serves both uses: Fastify's `trustProxy` (request.ip walks X-Forwarded-For from the
 * right while the address is a trusted proxy, so a value the client put in front of the
 * proxy's own entry is never taken) and urlsFor (X-Forwarded-Proto/Host/Prefix only when the
 * peer that connected is a trusted proxy).
 *
 * `hop` is the position counted from the socket peer (0) towards the client, as in proxy-addr.
 */
export type ProxyTrust = (address: string, hop: number) => boolean;

const compiled = new WeakMap<object, ProxyTrust>();

export function proxyTrustOf(setting: TrustProxy): ProxyTrust | false {
  if (setting === false) return false;
  let trust = compiled.get(setting);
  if (!trust) {
    const hops = 'hops' in setting ? setting.hops : 0;
    trust = 'hops' in setting ? (_address, hop) => hop < hops : proxyAddr.compile([...setting.proxies]);
    compiled.set(setting, trust);
  }
  return trust;
}

/** True when the peer that connected is a trusted proxy, so its X-Forwarded-* headers count. */
export function fromTrustedProxy(setting: TrustProxy, peerAddress: string | undefined): boolean {
  const trust = proxyTrustOf(setting);
  return trust !== false && peerAddress !== undefined && trust(peerAddress, 0);
}

/**
 * A hop count trusts whichever peer connects; that is right only when clients can reach the
 * listening address through the proxy alone. Said at start when the address is not loopback.
 */
export function hopCountWarning(config: { trustProxy: TrustProxy; host: string }): string | undefined {
  const setting = config.trustProxy;
  if (setting === false || !('hops' in setting)) return undefined;
  if (/^(127\.|::1$|localhost$|::ffff:127\.)/.test(config.host)) return undefined;
  return `TRUST_PROXY=${setting.hops} trusts X-Forwarded-For/-Host/-Proto from whatever connects to ${config.host}; unless clients can reach this port only through the proxy, name the proxy instead (TRUST_PROXY=<its address or CIDR>, e.g. 10.0.0.5 or loopback)`;
}
