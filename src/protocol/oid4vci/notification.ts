/**
 * Notification endpoint, OID4VCI 1.0 §11: the wallet reports what became of the credentials of
 * one credential response. Token (RFC 6750 / RFC 9449 as at the credential endpoint), body,
 * notification_id of this session, then the event: recorded as `notification_received` with the
 * event name, which moves the session (core/session-state.ts). Idempotent: a repeated
 * identical notification answers 204 again and is logged as a repeat.
 */
import { redactSecret, timeOrderedToken } from '../../core/ids.js';
import { fail, truncate } from '../../core/diagnostics.js';
import type { NotificationEvent } from '../../store/notification-records.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../deps.js';
import { jsonBody, requireContentType, type ProtocolRequest } from '../request.js';
import { verifyAccessToken } from '../oauth/access-token.js';

const EVENTS: readonly NotificationEvent[] = ['credential_accepted', 'credential_failure', 'credential_deleted'];
/** §11.1: event_description is printable ASCII without " and \. */
const DESCRIPTION = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

type Deps = Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'serverSecret'>;

/** A new notification_id for one credential response (§8.3); only the credential endpoint calls it. */
export function createNotificationId(deps: Pick<IssuerDeps, 'clock'>, rec: Recorder, sessionId: string, credentialConfigurationId: string, credentialIds: string[]): string {
  const notificationId = `ntf_${timeOrderedToken(16)}`;
  rec.create({ kind: 'notification', notification: { notificationId, sessionId, credentialConfigurationId, credentialIds, createdAt: deps.clock.nowMs() } });
  return notificationId;
}

export async function handleNotificationRequest(deps: Deps, urls: IssuerUrls, http: ProtocolRequest, rec: Recorder): Promise<ProtocolResponse> {
  const token = await verifyAccessToken(deps, http.headers.authorization, rec, { header: http.headers.dpop, method: 'POST', url: urls.endpoint('notification') });
  const request = parseNotificationRequest(http);
  const record = await deps.store.notifications.get(request.notificationId);
  if (!record) fail('notification.id.unknown', `notification_id ${redactSecret(deps.serverSecret, request.notificationId)} was not issued by this issuer`, { path: 'body.notification_id' });
  if (record.sessionId !== token.sessionId) {
    fail('notification.id.foreign', `notification_id ${redactSecret(deps.serverSecret, request.notificationId)} belongs to another session than this access token`, { path: 'body.notification_id' });
  }
  const repeated = record.event === request.event;
  const updated = await deps.store.notifications.recordEvent(record.notificationId, request.event, deps.clock.nowMs());
  const details = {
    event: request.event,
    notification_id: redactSecret(deps.serverSecret, record.notificationId),
    credential_configuration_id: record.credentialConfigurationId,
    credentials: record.credentialIds.length,
    ...(request.description !== undefined ? { event_description: request.description } : {}),
    ...(record.event && !repeated ? { previous_event: record.event } : {}),
    ...(repeated ? { repeated: true } : {}),
  };
  rec.event('notification_received', details);
  const what = request.event === 'credential_accepted' ? 'stored the credential(s)' : request.event === 'credential_deleted' ? 'reports the user ended issuance (credential_deleted)' : 'could not store the credential(s) (credential_failure)';
  rec.log(request.event === 'credential_accepted' ? 'info' : 'warning', repeated ? `Notification repeated (idempotent, §11): ${request.event}` : `Wallet ${what}`, {
    ...details,
    notifications_so_far: updated?.eventCount,
  });
  return { status: 204, headers: { 'cache-control': 'no-store' } };
}

function parseNotificationRequest(http: ProtocolRequest): { notificationId: string; event: NotificationEvent; description?: string } {
  requireContentType(http);
  const body = jsonBody(http, 'notification.request.malformed');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('notification.request.malformed', 'The body is not a JSON object', { path: 'body' });
  const b = body as Record<string, unknown>;
  if (typeof b.notification_id !== 'string' || b.notification_id === '') {
    fail('notification.request.malformed', b.notification_id === undefined ? 'notification_id is missing' : 'notification_id is not a non-empty string', { path: 'body.notification_id', found: Object.keys(b) });
  }
  const event = b.event;
  if (typeof event !== 'string' || !(EVENTS as readonly string[]).includes(event)) {
    const near = typeof event === 'string' ? EVENTS.find((e) => e.toLowerCase() === event.toLowerCase().trim()) : undefined;
    fail('notification.request.malformed', event === undefined ? 'event is missing' : `event ${truncate(event, 40)} is not one of ${EVENTS.join(', ')}${near ? ` (case-sensitive: did you mean ${near}?)` : ''}`, {
      path: 'body.event',
      found: event ?? null,
      expected: EVENTS.join(', '),
    });
  }
  const description = b.event_description;
  if (description !== undefined && (typeof description !== 'string' || !DESCRIPTION.test(description))) {
    fail('notification.request.malformed', 'event_description must be printable ASCII without " and \\ (§11.1)', { path: 'body.event_description' });
  }
  return { notificationId: b.notification_id, event: event as NotificationEvent, ...(description !== undefined ? { description: description as string } : {}) };
}
