/**
 * The authorization code flow as a native app does it (RFC 8252): a loopback redirect URI on
 * 127.0.0.1, PKCE S256 and PAR when the AS offers it (the library decides from AS metadata),
 * the authorization URL printed for a browser, the redirect caught here, `state` and `iss`
 * (RFC 9207) checked, then the code exchanged (with DPoP when given).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { getAuthorizationServerMetadataFromList, type AuthorizationServerMetadata, type Oauth2Client, type RequestDpopOptions } from '@openid4vc/oauth2';
import { determineAuthorizationServerForCredentialOffer } from '@openid4vc/openid4vci';
import type { CredentialOfferObject, IssuerMetadataResult, Openid4vciClient } from '@openid4vc/openid4vci';
import type { Reporter } from './report.js';

export interface AuthorizationCodeOptions {
  credentialOffer: CredentialOfferObject;
  issuerMetadata: IssuerMetadataResult;
  clientId: string;
  /** Port of the loopback listener; 0 picks a free one. */
  redirectPort: number;
  scope?: string;
  dpop?: RequestDpopOptions;
  reporter: Reporter;
  /** Called with the URL the user must open (the CLI prints it). */
  onAuthorizationUrl: (url: string) => void;
  timeoutMs: number;
}

function listen(port: number): Promise<{ server: Server; port: number; next: Promise<string> }> {
  return new Promise((resolve, reject) => {
    let deliver: (url: string) => void;
    const next = new Promise<string>((r) => (deliver = r));
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://127.0.0.1`);
      if (url.pathname !== '/callback') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><p>issuance-lab reference wallet: authorization received, you can close this window.</p>');
      deliver(`http://127.0.0.1:${(server.address() as { port: number }).port}${req.url}`);
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, next }));
  });
}

export async function authorizeWithCode(client: Openid4vciClient, oauth2: Oauth2Client, opts: AuthorizationCodeOptions) {
  const { server, port, next } = await listen(opts.redirectPort);
  try {
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    const state = randomBytes(16).toString('base64url');
    const grant = opts.credentialOffer.grants?.authorization_code;
    const authorizationServer = determineAuthorizationServerForCredentialOffer({ issuerMetadata: opts.issuerMetadata, grantAuthorizationServer: grant?.authorization_server });
    const asMetadata: AuthorizationServerMetadata = getAuthorizationServerMetadataFromList(opts.issuerMetadata.authorizationServers, authorizationServer);
    // Openid4vciClient.initiateAuthorization (0.4.6) overwrites `state` with undefined; the OAuth 2
    // client forwards it. issuer_state and resource are what the OID4VCI wrapper would add (§5.1.3).
    const init = await oauth2.initiateAuthorization({
      clientId: opts.clientId, redirectUri, state, authorizationServerMetadata: asMetadata,
      resource: opts.issuerMetadata.credentialIssuer.credential_issuer,
      additionalRequestPayload: grant?.issuer_state ? { issuer_state: grant.issuer_state } : {},
      ...(opts.scope ? { scope: opts.scope } : {}), ...(opts.dpop ? { dpop: opts.dpop } : {}),
    });
    if (!('authorizationRequestUrl' in init)) throw new Error('the authorization server asks for a presentation during issuance, which this wallet does not do');
    opts.reporter.step('Authorization request prepared', {
      authorization_server: asMetadata.issuer,
      pushed: asMetadata?.pushed_authorization_request_endpoint !== undefined,
      pkce: init.pkce?.codeChallengeMethod ?? 'none',
      redirect_uri: redirectUri,
      scope: opts.scope,
    });
    opts.onAuthorizationUrl(init.authorizationRequestUrl);
    const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no authorization response within ${opts.timeoutMs / 1000}s`)), opts.timeoutMs).unref());
    const callback = await Promise.race([next, timer]);
    const response = client.parseAndVerifyAuthorizationResponseRedirectUrl({ url: callback, authorizationServerMetadata: asMetadata });
    if (response.state !== state) throw new Error(`the authorization response state ${JSON.stringify(response.state ?? null)} does not match the state sent (possible CSRF)`);
    if (response.error !== undefined) throw new Error(`authorization refused: ${response.error}${response.error_description ? `: ${response.error_description}` : ''}`);
    opts.reporter.step('Authorization response received', { state_matches: true, iss: response.iss ?? '(absent)' });
    const token = await client.retrieveAuthorizationCodeAccessTokenFromOffer({
      credentialOffer: opts.credentialOffer, issuerMetadata: opts.issuerMetadata, authorizationCode: response.code,
      pkceCodeVerifier: init.pkce?.codeVerifier, redirectUri, ...(opts.dpop ? { dpop: opts.dpop } : {}),
    });
    return token;
  } finally {
    server.close();
  }
}
