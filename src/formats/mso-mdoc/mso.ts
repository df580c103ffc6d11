import { Tag, toCborInteger } from './cbor.js';
import type { CoseKey } from './cose-key.js';

/** valueDigests: NameSpace => { digestID => digest } (ISO 18013-5 §9.1.2.4). */
export type ValueDigests = Map<string, Map<number, Uint8Array>>;

export interface ValidityInput {
  issuedAt: Date;
  validUntil: Date;
  certificateNotBefore: Date;
  certificateNotAfter: Date;
}

export interface ValidityInfo {
  signed: Date;
  validFrom: Date;
  validUntil: Date;
}

function seconds(date: Date, round: (x: number) => number, what: string): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new TypeError(`mso_mdoc: ${what} is not a valid date`);
  return round(ms / 1000);
}

/**
 * validityInfo in whole seconds (tdate has none finer): `signed` = issuance time, `validFrom` not
 * before the document signer certificate's notBefore, `validUntil` not after its notAfter (a verifier
 * rejects an MSO that outlives the certificate that signs it). Throws when nothing is left.
 */
export function computeValidity(input: ValidityInput): ValidityInfo {
  const signed = seconds(input.issuedAt, Math.floor, 'issuedAt');
  const validFrom = Math.max(signed, seconds(input.certificateNotBefore, Math.ceil, 'certificateNotBefore'));
  const validUntil = Math.min(
    seconds(input.validUntil, Math.floor, 'validUntil'),
    seconds(input.certificateNotAfter, Math.floor, 'certificateNotAfter'),
  );
  if (validUntil <= validFrom) {
    throw new Error(
      `mso_mdoc: empty validity: validFrom ${new Date(validFrom * 1000).toISOString()} is not before validUntil ` +
        `${new Date(validUntil * 1000).toISOString()} (document signer certificate valid ` +
        `${input.certificateNotBefore.toISOString()} to ${input.certificateNotAfter.toISOString()})`,
    );
  }
  return { signed: new Date(signed * 1000), validFrom: new Date(validFrom * 1000), validUntil: new Date(validUntil * 1000) };
}

/** tdate: tag 0 over "YYYY-MM-DDTHH:MM:SSZ". */
export function tdate(date: Date): Tag {
  return new Tag(`${date.toISOString().slice(0, 19)}Z`, 0);
}

export interface MsoInput {
  docType: string;
  valueDigests: ValueDigests;
  deviceKey: CoseKey;
  validity: ValidityInfo;
  /** Token Status List reference (draft-ietf-oauth-status-list §6.3.2). */
  status?: { idx: number; uri: string };
}

/** MobileSecurityObject (ISO 18013-5 §9.1.2.4), members in CDDL order. */
export function createMso({ docType, valueDigests, deviceKey, validity, status }: MsoInput): Map<string, unknown> {
  const mso = new Map<string, unknown>([
    ['version', '1.0'],
    ['digestAlgorithm', 'SHA-256'],
    ['valueDigests', valueDigests],
    ['deviceKeyInfo', new Map([['deviceKey', deviceKey]])],
    ['docType', docType],
    [
      'validityInfo',
      new Map([
        ['signed', tdate(validity.signed)],
        ['validFrom', tdate(validity.validFrom)],
        ['validUntil', tdate(validity.validUntil)],
      ]),
    ],
  ]);
  if (status) {
    if (!Number.isSafeInteger(status.idx) || status.idx < 0 || typeof status.uri !== 'string' || !status.uri) {
      throw new TypeError(`mso_mdoc: invalid status list reference ${JSON.stringify(status)}`);
    }
    const statusList = new Map<string, unknown>([
      ['idx', toCborInteger(status.idx)],
      ['uri', status.uri],
    ]);
    mso.set('status', new Map([['status_list', statusList]]));
  }
  return mso;
}
