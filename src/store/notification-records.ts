/**
 * Storage contract of notification ids (OID4VCI 1.0 §11): one per credential
 * response, tied to the session and the credentials it delivered, with the last event the
 * wallet reported. Times are epoch milliseconds.
 */

export type NotificationEvent = 'credential_accepted' | 'credential_failure' | 'credential_deleted';

export interface NotificationRecord {
  notificationId: string;
  sessionId: string;
  credentialConfigurationId: string;
  /** Ids of the issued_credentials rows the response carried. */
  credentialIds: string[];
  createdAt: number;
  event: NotificationEvent | null;
  eventAt: number | null;
  /** How many notifications arrived for it (repeats included: the endpoint is idempotent). */
  eventCount: number;
}

export interface NotificationStore {
  notifications: {
    create(record: Pick<NotificationRecord, 'notificationId' | 'sessionId' | 'credentialConfigurationId' | 'credentialIds' | 'createdAt'>): Promise<void>;
    get(notificationId: string): Promise<NotificationRecord | null>;
    /** Records the latest event; returns the updated record, null when the id is unknown. */
    recordEvent(notificationId: string, event: NotificationEvent, at: number): Promise<NotificationRecord | null>;
    listBySession(sessionId: string): Promise<NotificationRecord[]>;
  };
}
