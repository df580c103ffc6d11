import * as vp from '../schemas/verifier.js';
import { z } from 'zod';
import * as req from '../schemas/admin.js';
import * as res from '../schemas/admin-responses.js';
import * as plans from '../schemas/test-plans.js';

/**
 * OpenAPI 3 description of the admin API, generated from the zod schemas the routes parse
 * with and the response schemas the tests check real responses against. A test walks the
 * registered admin routes and fails when one is undocumented or a documented one is gone.
 */

type Schema = z.ZodType;
const json = (schema: Schema, io: 'input' | 'output' = 'output') => z.toJSONSchema(schema, { io, target: 'openapi-3.0', unrepresentable: 'any' });
const content = (schema: Schema, io?: 'input' | 'output') => ({ 'application/json': { schema: json(schema, io) } });

function queryParameters(schema: z.ZodObject): Record<string, unknown>[] {
  const doc = json(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(doc.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: doc.required?.includes(name) ?? false,
    schema: s,
  }));
}

const sessionId = { name: 'session_id', in: 'path', required: true, schema: { type: 'string' } };
const pathParameter = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const errors = {
  '400': { description: 'The request does not fit the schema; `problems` lists each', content: content(res.zErrorResponse) },
  '401': { description: 'Missing or wrong bearer ADMIN_TOKEN', content: content(res.zErrorResponse) },
};
const notFound = { '404': { description: 'No such session', content: content(res.zErrorResponse) } };

export function createOpenApiDocument(serverUrl: string): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'issuance-lab admin API',
      version: '1',
      description:
        'Create credential offers and watch issuance sessions. Every operation needs `Authorization: Bearer ADMIN_TOKEN`. ' +
        'Secrets (pre-authorized codes, tx_codes, access tokens, transaction ids) appear only as `<redacted hmac:…>` (an HMAC under the server secret, so equal secrets match but none can be guessed offline) in logs and exports.',
    },
    servers: [{ url: serverUrl }],
    security: [{ adminToken: [] }],
    components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' } } },
    paths: {
      '/credential_offers': {
        post: {
          operationId: 'createCredentialOffer',
          summary: 'Create a session and its credential offer (OID4VCI 1.0 §4.1)',
          requestBody: { required: true, content: content(req.zCreateOfferRequest, 'input') },
          responses: { '201': { description: 'Offer created; tx_code is returned only here', content: content(res.zCreatedOffer) }, ...errors },
        },
      },
      '/presentation_presets': {
        get: {
          operationId: 'listPresentationPresets',
          summary: 'The verifier presets: named DCQL queries (OpenID4VP 1.0 §6)',
          responses: { '200': { description: 'Presets', content: content(vp.zPresentationPresetList) }, ...errors },
        },
      },
      '/presentation_requests': {
        post: {
          operationId: 'createPresentationRequest',
          summary: 'Create a verification session and its signed presentation request (OpenID4VP 1.0 §5)',
          requestBody: { required: true, content: content(vp.zCreatePresentationRequest, 'input') },
          responses: { '201': { description: 'Request created; request_url is what the QR code holds', content: content(vp.zCreatedPresentationRequest) }, ...errors },
        },
      },
      '/sessions': {
        get: {
          operationId: 'listSessions',
          summary: 'Sessions, newest first, filtered by state, configuration and creation time',
          parameters: queryParameters(req.zSessionQuery),
          responses: { '200': { description: 'One page of sessions', content: content(res.zSessionList) }, ...errors },
        },
      },
      '/sessions/{session_id}': {
        get: {
          operationId: 'getSession',
          summary: 'One session with its events, logs (newest first) and issued credential records',
          parameters: [sessionId],
          responses: { '200': { description: 'The session', content: content(res.zSessionDetail) }, ...errors, ...notFound },
        },
      },
      '/sessions/{session_id}/logs': {
        get: {
          operationId: 'listSessionLogs',
          summary: 'Session log entries, filtered by level, paginated',
          parameters: [sessionId, ...queryParameters(req.zLogQuery)],
          responses: { '200': { description: 'One page of log entries', content: content(res.zLogList) }, ...errors, ...notFound },
        },
      },
      '/sessions/{session_id}/events': {
        get: {
          operationId: 'listSessionEvents',
          summary: 'Session events in order, paginated',
          parameters: [sessionId, ...queryParameters(req.zListQuery)],
          responses: { '200': { description: 'One page of events', content: content(res.zEventList) }, ...errors, ...notFound },
        },
      },
      '/sessions/{session_id}/stream': {
        get: {
          operationId: 'streamSession',
          summary: 'Server-Sent Events: `log`, `event` (JSON of the entry, `id` = entry id) and `state` messages as they are committed',
          description: 'Resume with `Last-Event-ID` or `?after=<entry id>`: missed entries are sent first, then live ones, each once, in order.',
          parameters: [sessionId, ...queryParameters(req.zStreamQuery), { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } }],
          responses: { '200': { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors, ...notFound },
        },
      },
      '/sessions/{session_id}/export': {
        get: {
          operationId: 'exportSession',
          summary: 'Everything about the session in one JSON document, or (format=har) its requests as HAR 1.2 with a cURL line each',
          parameters: [sessionId, ...queryParameters(req.zExportQuery)],
          responses: {
            '200': { description: 'The export (attachment)', content: { 'application/json': { schema: { oneOf: [json(res.zSessionExport), json(res.zHarExport)] } } } },
            ...errors,
            ...notFound,
          },
        },
      },
      '/sessions/{session_id}/claims': {
        post: {
          operationId: 'supplyClaims',
          summary: 'Supply the claims of one configuration (deferred issuance, OID4VCI 1.0 §9)',
          parameters: [sessionId],
          requestBody: { required: true, content: content(req.zSupplyClaimsRequest, 'input') },
          responses: {
            '200': { description: 'Claims stored; waiting deferred transactions can now be collected', content: content(res.zClaimsSupplied) },
            ...errors,
            ...notFound,
            '409': { description: 'The session failed or expired', content: content(res.zErrorResponse) },
          },
        },
      },
      '/sessions/{session_id}/share': {
        post: {
          operationId: 'shareSession',
          summary: 'A read-only link to the session page that expires; it shows no client addresses',
          parameters: [sessionId],
          requestBody: { required: false, content: content(req.zShareRequest, 'input') },
          responses: { '201': { description: 'The link', content: content(res.zShareLink) }, ...errors, ...notFound },
        },
      },
      '/compatibility': {
        get: {
          operationId: 'getCompatibilityMatrix',
          summary: 'Wallet compatibility matrix: wallets (User-Agent, draft spoken) against the steps they passed and failed, from the newest sessions',
          parameters: queryParameters(req.zCompatibilityQuery),
          responses: { '200': { description: 'One row per wallet and draft', content: content(res.zCompatibilityMatrix) }, ...errors },
        },
      },
      '/tenants': {
        get: {
          operationId: 'listTenants',
          summary: "The deployment's tenants (operator API: the deployment's ADMIN_TOKEN); admin tokens are never listed",
          responses: { '200': { description: 'Every tenant, from TENANTS_FILE and from this API', content: content(res.zTenantList) }, ...errors },
        },
        post: {
          operationId: 'createTenant',
          summary: 'Start a tenant: a credential issuer of its own at PUBLIC_URL/{tenant_id}; recorded only once it has started',
          requestBody: { required: true, content: content(req.zCreateTenantRequest, 'input') },
          responses: {
            '201': { description: "Started; the tenant's admin token is in this answer only", content: content(res.zCreatedTenant) },
            ...errors,
            '409': { description: 'A tenant with this id exists', content: content(res.zErrorResponse) },
          },
        },
      },
      '/tenants/{tenant_id}': {
        delete: {
          operationId: 'deleteTenant',
          summary: 'Stop a tenant and delete it with its data: sessions, keys, admin token (its SQLite files, or its PostgreSQL schema)',
          parameters: [{ name: 'tenant_id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '204': { description: 'Deleted' },
            ...errors,
            '404': { description: 'No such tenant', content: content(res.zErrorResponse) },
            '409': { description: 'The tenant is defined in TENANTS_FILE', content: content(res.zErrorResponse) },
          },
        },
      },
      '/test_plans': {
        get: {
          operationId: 'listTestPlans',
          summary: 'Wallet test plans: the shipped ones and the operator\'s (TEST_PLANS_DIR), with their cases',
          responses: { '200': { description: 'Plans', content: content(plans.zTestPlanList) }, ...errors },
        },
      },
      '/test_plans/{plan_id}/runs': {
        post: {
          operationId: 'startTestPlanRun',
          summary: 'Start a run: one offer (session) per case; tx_codes and the wallet run link are returned only here',
          parameters: [pathParameter('plan_id')],
          requestBody: { required: false, content: content(plans.zStartRunRequest, 'input') },
          responses: { '201': { description: 'The run', content: content(plans.zStartedRun) }, ...errors, '404': { description: 'No such plan', content: content(res.zErrorResponse) } },
        },
      },
      '/test_plan_runs/{run_id}': {
        get: {
          operationId: 'getTestPlanRun',
          summary: 'A run with the verdict of each case and expectation (pass, fail, warning, not_reached), judged from the case sessions now, with evidence log entry ids',
          parameters: [pathParameter('run_id')],
          responses: { '200': { description: 'The run', content: content(plans.zRunReport) }, ...errors, '404': { description: 'No such run', content: content(res.zErrorResponse) } },
        },
      },
      '/test_plan_runs/{run_id}/export': {
        get: {
          operationId: 'exportTestPlanRun',
          summary: 'The run report as one JSON document, or (format=html) one self-contained HTML page (attachment); nothing in it redeems an offer',
          parameters: [pathParameter('run_id'), ...queryParameters(req.zRunExportQuery)],
          responses: { '200': { description: 'The report', content: { ...content(plans.zRunReport), 'text/html': { schema: { type: 'string' } } } }, ...errors, '404': { description: 'No such run', content: content(res.zErrorResponse) } },
        },
      },
      '/test_plan_runs/{run_id}/share': {
        post: {
          operationId: 'shareTestPlanRun',
          summary: 'A read-only link to the run report that expires (no offers, codes or tx_codes in it)',
          parameters: [pathParameter('run_id')],
          requestBody: { required: false, content: content(req.zShareRequest, 'input') },
          responses: { '201': { description: 'The link', content: content(res.zShareLink) }, ...errors, '404': { description: 'No such run', content: content(res.zErrorResponse) } },
        },
      },
      '/unbound_requests/logs': {
        get: {
          operationId: 'listUnboundRequestLogs',
          summary: 'Log entries of requests that could not be tied to a session (unknown code or token, garbage)',
          parameters: queryParameters(req.zLogQuery),
          responses: { '200': { description: 'One page of log entries', content: content(res.zLogList) }, ...errors },
        },
      },
    },
  };
}
