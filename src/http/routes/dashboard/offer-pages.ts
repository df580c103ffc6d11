import { parseJsonLimited } from '../../../core/input-limits.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { z } from 'zod';
import { newId } from '../../../core/ids.js';
import { offerFormPage, offerResultPage, type OfferFormValues } from '../../../dashboard/pages/offer.js';
import { AdminRequestError } from '../../../protocol/admin-error.js';
import { createOffer, redactOffer } from '../../../protocol/oid4vci/offer.js';
import { zCreateOfferRequest, type CreateOfferRequest } from '../../../schemas/admin.js';
import { RequestRecorder } from '../../../session-log/request-recorder.js';
import { urlsFor } from '../../urls.js';
import { describeReachability } from '../../../config/reachability.js';
import { field, fields, sendPage, type DashboardContext, type DashboardDeps, type FormBody } from './context.js';

/** Create offer: a plain form posting to the same createOffer the admin API uses; the result shows the QR code. */
export async function offerPages(app: FastifyInstance, deps: DashboardDeps, dash: DashboardContext): Promise<void> {
  const configurations = deps.configurations.ids.map((id) => {
    const c = deps.configurations.byId.get(id)!;
    return { id, format: c.format, name: c.credential_metadata?.display?.[0]?.name };
  });
  const sampleClaims = Object.fromEntries(deps.configurations.ids.map((id) => [id, deps.configurations.byId.get(id)!.issuance.sample_claims]));
  const form = (request: FastifyRequest, values: OfferFormValues, error?: { text: string; problems: string[] }) =>
    offerFormPage(dash.page(request), { configurations, sampleClaims, values, error, metadataWellKnown: deps.config.compat.metadataWellKnown });

  app.get('/ui/offers/new', async (request, reply) => {
    const first = deps.configurations.ids[0];
    return sendPage(
      reply,
      form(request, {
        credential_configuration_ids: [first],
        grant: 'pre_authorized_code',
        tx_code: false,
        tx_code_length: 6,
        tx_code_input_mode: 'numeric',
        deferred: false,
        by_reference: true,
        require_wallet_attestation: false,
        require_key_attestation: false,
        claims: JSON.stringify(sampleClaims[first], null, 2),
        claims_editable: false,
      }),
    );
  });

  app.post('/ui/offers', async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const values = readForm(body);
    let input: CreateOfferRequest;
    try {
      input = zCreateOfferRequest.parse(toRequest(values));
    } catch (e) {
      const problems = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.') || '(form)'}: ${i.message}`) : [(e as Error).message];
      return sendPage(reply, form(request, values, { text: 'The offer cannot be created', problems }), 400);
    }
    const rec = new RequestRecorder(deps.clock, newId('req'), 'credential_offers');
    try {
      const created = await createOffer(deps, urlsFor(deps.config, request), input, rec);
      await rec.flush(deps.store);
      const qrSvg = await QRCode.toString(created.offer_url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return sendPage(
        reply,
        offerResultPage(dash.page(request), { ...created, qrSvg, reach: describeReachability(urlsFor(deps.config, request).issuer), credential_offer: redactOffer(created.credential_offer, deps.serverSecret) }),
        201,
      );
    } catch (e) {
      if (!(e instanceof AdminRequestError)) throw e;
      return sendPage(reply, form(request, values, { text: e.message, problems: e.problems }), e.status);
    }
  });
}

function readForm(body: FormBody): OfferFormValues {
  const on = (name: string) => field(body, name) === 'on';
  return {
    credential_configuration_ids: fields(body, 'credential_configuration_ids'),
    grant: field(body, 'grant') === 'authorization_code' ? 'authorization_code' : 'pre_authorized_code',
    tx_code: on('tx_code'),
    tx_code_length: Number(field(body, 'tx_code_length') ?? 6),
    tx_code_input_mode: field(body, 'tx_code_input_mode') === 'text' ? 'text' : 'numeric',
    deferred: on('deferred'),
    by_reference: on('by_reference'),
    require_wallet_attestation: on('require_wallet_attestation'),
    require_key_attestation: on('require_key_attestation'),
    claims: field(body, 'claims') ?? '',
    claims_editable: on('claims_editable'),
    faults: {
      strict: on('strict'),
      require_dpop: on('require_dpop'),
      require_dpop_nonce: on('require_dpop_nonce'),
      reject_first_nonce: on('reject_first_nonce'),
      single_fetch: on('single_fetch'),
      require_encryption: on('require_encryption'),
      tx_code_failure: (['burn', 'reject_first'] as const).find((o) => o === field(body, 'tx_code_failure')) ?? 'retry',
      expires_in: (field(body, 'expires_in') ?? '').trim(),
    },
  };
}

/** The form as an admin API request. Deferred offers leave claims out: they are supplied later. */
function toRequest(v: OfferFormValues): Record<string, unknown> {
  let claims: unknown;
  if (!v.deferred && v.claims.trim() !== '') {
    try {
      claims = parseJsonLimited(v.claims);
    } catch (e) {
      throw new Error(`claims: not valid JSON (${(e as Error).message})`);
    }
  }
  const txCode = v.tx_code ? { tx_code: { length: v.tx_code_length, input_mode: v.tx_code_input_mode } } : true;
  return {
    credential_configuration_ids: v.credential_configuration_ids,
    grants: v.grant === 'authorization_code' ? { authorization_code: true } : { pre_authorized_code: txCode },
    ...(claims !== undefined ? { claims } : {}),
    ...(v.claims_editable ? { claims_editable: true } : {}),
    ...(v.deferred ? { deferred: true } : {}),
    ...(v.require_wallet_attestation ? { require_wallet_attestation: true } : {}),
    ...(v.require_key_attestation ? { require_key_attestation: true } : {}),
    by_reference: v.by_reference,
    ...faultRequest(v),
  };
}

/** The form's fault switches as admin API members (unset ones left out). */
function faultRequest(v: OfferFormValues): Record<string, unknown> {
  const f = v.faults;
  if (!f) return {};
  return {
    ...(f.strict ? { strict: true } : {}),
    ...(f.require_dpop ? { require_dpop: true } : {}),
    ...(f.require_dpop_nonce ? { require_dpop_nonce: true } : {}),
    ...(f.reject_first_nonce ? { reject_first_nonce: true } : {}),
    ...(f.single_fetch ? { single_fetch: true } : {}),
    ...(f.require_encryption ? { require_encryption: true } : {}),
    ...(f.tx_code_failure !== 'retry' ? { tx_code_failure: f.tx_code_failure } : {}),
    ...(f.expires_in !== '' ? { expires_in: Number(f.expires_in) } : {}),
  };
}
