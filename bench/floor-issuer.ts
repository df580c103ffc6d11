/**
 * The benchmark's yardstick, not an issuer: the least work the benchmarked flow allows on this
 * machine. It answers the four requests `bench/flows.ts` sends with the same framework
 * (Fastify) and the same cryptography the flow cannot skip — the holder's proof imported and
 * verified (ES256), one ES256 signature over a credential bound to that key — and nothing
 * else: no database, no session log, no status list, no self-check, no diagnostics, codes and
 * nonces in process memory. `npm run bench -- --floor` drives it like the real issuer, so the
 * two figures come from one run on one machine; the gap between them is what the issuer's own
 * work costs. Started as a child process by the benchmark (PORT, PUBLIC_URL), 127.0.0.1 only.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type JsonWebKey } from 'node:crypto';
import Fastify from 'fastify';

const port = Number(process.env.PORT);
const issuer = process.env.PUBLIC_URL ?? `http://localhost:${port}`;
const PRE_AUTHORIZED = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const codes = new Set<string>();
const tokens = new Set<string>();
const nonces = new Set<string>();
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const random = () => randomBytes(24).toString('base64url');

const app = Fastify({ logger: false });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
  done(null, Object.fromEntries(new URLSearchParams(body as string))),
);

app.post('/credential_offers', async (request, reply) => {
  const { credential_configuration_ids: ids } = request.body as { credential_configuration_ids: string[] };
  const code = random();
  codes.add(code);
  return reply.code(201).send({
    credential_offer: { credential_issuer: issuer, credential_configuration_ids: ids, grants: { [PRE_AUTHORIZED]: { 'pre-authorized_code': code } } },
  });
});

app.post('/token', async (request, reply) => {
  const code = (request.body as Record<string, string>)['pre-authorized_code'];
  if (!codes.delete(code)) return reply.code(400).send({ error: 'invalid_grant' });
  const token = random();
  tokens.add(token);
  return reply.header('cache-control', 'no-store').send({ access_token: token, token_type: 'Bearer', expires_in: 300 });
});

app.post('/nonce', async (_request, reply) => {
  const nonce = random();
  nonces.add(nonce);
  return reply.header('cache-control', 'no-store').send({ c_nonce: nonce });
});

app.post('/credential', async (request, reply) => {
  if (!tokens.delete(String(request.headers.authorization).slice('Bearer '.length))) return reply.code(401).send({ error: 'invalid_token' });
  const body = request.body as { credential_configuration_id: string; proofs: { jwt: string[] } };
  const proof = body.proofs.jwt[0];
  const [header, payload, signature] = proof.split('.');
  const { jwk } = JSON.parse(Buffer.from(header, 'base64url').toString());
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const holderKey = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  const valid = verify('sha256', Buffer.from(`${header}.${payload}`), { key: holderKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!valid || claims.aud !== issuer || !nonces.delete(claims.nonce)) return reply.code(400).send({ error: 'invalid_proof' });
  const signingInput = `${b64({ alg: 'ES256', typ: 'dc+sd-jwt' })}.${b64({ iss: issuer, vct: body.credential_configuration_id, cnf: { jwk }, iat: Math.floor(Date.now() / 1000) })}`;
  const credential = `${signingInput}.${sign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}~`;
  return reply.header('cache-control', 'no-store').send({ credentials: [{ credential }] });
});

await app.listen({ port, host: '127.0.0.1' });
console.log(`floor issuer listening on http://127.0.0.1:${port}`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
