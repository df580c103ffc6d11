import type { ClaimsPath, IssuanceSettings, ValueEncoding } from '../../credential-configurations/schema.js';
import { toCborInteger } from './cbor.js';
import { MdocEncodingError, describeValue, encodeTypedValue } from './encode-value.js';

/** One namespace's data elements, ready for CBOR: elementIdentifier -> elementValue. */
export type EncodedNameSpaces = Map<string, Map<string, unknown>>;

type Segment = string | number | null;

/** Encodings as a trie over claims path segments; `null` matches every array item. */
interface EncodingNode {
  type?: ValueEncoding;
  children: Map<Segment, EncodingNode>;
}

const treeCache = new WeakMap<IssuanceSettings['encodings'], EncodingNode>();

function buildEncodingTree(encodings: IssuanceSettings['encodings']): EncodingNode {
  let root = treeCache.get(encodings);
  if (root) return root;
  root = { children: new Map() };
  for (const { path, type } of encodings) {
    if (path.length < 2 || typeof path[0] !== 'string' || typeof path[1] !== 'string') {
      throw new TypeError(`mso_mdoc encoding path ${JSON.stringify(path)} must start with namespace and element`);
    }
    let node = root;
    for (const segment of path) {
      let next = node.children.get(segment);
      if (!next) node.children.set(segment, (next = { children: new Map() }));
      node = next;
    }
    if (node.type && node.type !== type) {
      throw new TypeError(`mso_mdoc encoding path ${JSON.stringify(path)} is declared as ${node.type} and ${type}`);
    }
    node.type = type;
  }
  treeCache.set(encodings, root);
  return root;
}

/** The rule for an array item: the index-specific node and the `null` (every item) node, merged. */
function itemNode(node: EncodingNode, index: number): EncodingNode | undefined {
  const byIndex = node.children.get(index);
  const all = node.children.get(null);
  if (!byIndex || !all) return byIndex ?? all;
  if (byIndex.type && all.type && byIndex.type !== all.type) {
    throw new TypeError(`mso_mdoc encodings declare item ${index} both as ${byIndex.type} and ${all.type}`);
  }
  const children = new Map(all.children);
  for (const [segment, child] of byIndex.children) {
    const other = children.get(segment);
    children.set(segment, other ? mergeNodes(child, other) : child);
  }
  return { type: byIndex.type ?? all.type, children };
}

function mergeNodes(a: EncodingNode, b: EncodingNode): EncodingNode {
  return itemNode({ children: new Map<Segment, EncodingNode>([[0, a], [null, b]]) }, 0) as EncodingNode;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * JSON value -> CBOR-ready value. Objects become `Map`s (string keys, JSON order), integers use the
 * shortest integer form, and a node with a declared encoding is converted by `encodeTypedValue`.
 * Descending an encoding path into a value of the wrong shape is an error, not a silent skip.
 */
function convert(value: unknown, node: EncodingNode | undefined, path: ClaimsPath): unknown {
  if (node?.type) return encodeTypedValue(value, node.type, path);
  const hasRules = node !== undefined && node.children.size > 0;
  if (Array.isArray(value)) {
    if (hasRules && ![...node.children.keys()].some((s) => s === null || typeof s === 'number')) {
      throw new MdocEncodingError(path, `expected an object, got ${describeValue(value)}`);
    }
    return value.map((item, i) => convert(item, node && itemNode(node, i), [...path, i]));
  }
  if (isPlainObject(value)) {
    if (hasRules && ![...node.children.keys()].some((s) => typeof s === 'string')) {
      throw new MdocEncodingError(path, `expected an array, got ${describeValue(value)}`);
    }
    const map = new Map<string, unknown>();
    for (const [key, member] of Object.entries(value)) {
      if (member === undefined) continue;
      map.set(key, convert(member, node?.children.get(key), [...path, key]));
    }
    return map;
  }
  if (hasRules && value !== null) {
    throw new MdocEncodingError(path, `expected an object or array, got ${describeValue(value)}`);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isSafeInteger(value)) return toCborInteger(value);
      if (Number.isFinite(value)) return value;
      break;
    case 'object':
      if (value === null || value instanceof Uint8Array) return value;
      break;
  }
  throw new MdocEncodingError(path, `unsupported value ${describeValue(value)}`);
}

/**
 * `{ namespace: { elementIdentifier: jsonValue } }` -> namespaces of CBOR-ready element values,
 * applying the configuration's `issuance.encodings`. Throws `MdocEncodingError` (with the claims
 * path) for a value that cannot be encoded as declared or a malformed claims object.
 */
export function encodeClaims(
  claims: Record<string, unknown>,
  encodings: IssuanceSettings['encodings'],
): EncodedNameSpaces {
  const root = buildEncodingTree(encodings);
  const nameSpaces: EncodedNameSpaces = new Map();
  for (const [nameSpace, elements] of Object.entries(claims)) {
    if (!isPlainObject(elements)) {
      throw new MdocEncodingError([nameSpace], `a namespace must be an object of data elements, got ${describeValue(elements)}`);
    }
    const nsNode = root.children.get(nameSpace);
    const encoded = new Map<string, unknown>();
    for (const [element, value] of Object.entries(elements)) {
      if (value === undefined) continue;
      encoded.set(element, convert(value, nsNode?.children.get(element), [nameSpace, element]));
    }
    // ISO 18013-5 §8.3.2.1.2.2: NameSpace => [+ IssuerSignedItemBytes] (at least one item).
    if (encoded.size === 0) throw new MdocEncodingError([nameSpace], 'a namespace needs at least one data element');
    nameSpaces.set(nameSpace, encoded);
  }
  if (nameSpaces.size === 0) throw new MdocEncodingError([], 'the claims hold no namespace');
  return nameSpaces;
}
