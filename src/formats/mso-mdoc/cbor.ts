import { Encoder, Tag, type Options } from 'cbor-x';

/**
 * The one CBOR encoder of the mdoc format, built once per process.
 *
 * - `useRecords: false` + `useTag259ForMaps: false`: JS `Map`s become plain CBOR maps (no tag 259),
 *   so integer labels (COSE headers, COSE_Key, digestIDs) stay integers.
 * - `mapsAsObjects: false`: should anything decode with it, maps stay `Map`s with integer keys.
 * - `tagUint8Array: false`: a `Uint8Array` is a bare bstr, never tag 64.
 * - `variableMapSize: true`: map headers use the shortest length form (RFC 8949 §4.2.1 preferred
 *   serialization); strings, byte strings, arrays and integers already do. Nothing here produces
 *   indefinite lengths (no iterables other than arrays/Maps are passed in).
 *
 * The encoder returns a fresh view per call (cbor-x does not overwrite earlier results).
 */
const options: Options & { useTag259ForMaps: boolean } = {
  useRecords: false,
  useTag259ForMaps: false,
  mapsAsObjects: false,
  tagUint8Array: false,
  variableMapSize: true,
  pack: false,
  bundleStrings: false,
  structuredClone: false,
};
const encoder = new Encoder(options);

export { Tag };

export function encodeCbor(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/** RFC 8949 §3.4.5.1 encoded CBOR data item: #6.24(bstr .cbor X). */
export function tag24(encoded: Uint8Array): Tag {
  return new Tag(encoded, 24);
}

/**
 * An integer as cbor-x must see it to write the preferred (shortest) integer form: cbor-x writes JS
 * numbers outside the 32-bit range as float64, so those become `bigint` (major type 0/1, 8 bytes).
 */
export function toCborInteger(value: number): number | bigint {
  return value > 0xffffffff || value < -0x100000000 ? BigInt(value) : value;
}
