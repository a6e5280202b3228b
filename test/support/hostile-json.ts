/**
 * Structure-aware mutation of JSON request documents, for the hostile-document properties: start
 * from a valid document, apply a few mutations at generated places, and encode the result to the
 * exact bytes sent. Some mutations cannot be expressed as a JavaScript value (duplicate keys,
 * numbers JSON.parse turns into Infinity, nesting deeper than JSON.stringify recurses, bytes that
 * are not UTF-8); they are spliced into the serialisation as raw pieces.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type JsonMutation =
  /** A lone surrogate inserted into a string value, or into a key when `inKey`. */
  | { op: 'lone_surrogate'; at: number; pos: number; unit: string; inKey: boolean }
  | { op: 'insert_text'; at: number; pos: number; text: string }
  | { op: 'replace'; at: number; value: Json }
  | { op: 'disguise'; at: number; disguise: (s: string) => string }
  | { op: 'raw_number'; at: number; text: string }
  | { op: 'deep_nesting'; at: number; depth: number; inObjects: boolean }
  | { op: 'add_key'; at: number; key: string; value: Json }
  | { op: 'duplicate_key'; at: number; first: boolean; value: Json }
  | { op: 'remove_key'; at: number }
  | { op: 'invalid_utf8'; at: number; bytes: number[] };

/** Whole-body damage applied to the encoded bytes. */
export type BodyMutation =
  { op: 'truncate'; at: number } | { op: 'append'; bytes: number[] } | { op: 'none' };

interface Node {
  value: Json;
  parent: Json[] | Record<string, Json> | null;
  key: string | number | null;
}

const PLACEHOLDER = /"\\u0001R(\d+)\\u0001"/g;

/** Applies `mutations` to a copy of `doc` and encodes it, then applies `body`. */
export function hostileBytes(
  doc: Json,
  mutations: readonly JsonMutation[],
  body: BodyMutation = { op: 'none' },
): Buffer {
  const raws: Buffer[] = [];
  const root = { doc: clone(doc) };
  for (const mutation of mutations) apply(root, mutation, raws);
  return damage(encode(root.doc, raws), body);
}

/** JSON text with the raw pieces spliced in where their placeholders stand. */
function encode(value: Json, raws: readonly Buffer[]): Buffer {
  const text = JSON.stringify(value);
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    parts.push(
      Buffer.from(text.slice(last, match.index), 'utf8'),
      raws[Number(match[1])] ?? Buffer.alloc(0),
    );
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

function damage(bytes: Buffer, body: BodyMutation): Buffer {
  if (body.op === 'truncate') return bytes.subarray(0, body.at % (bytes.length + 1));
  if (body.op === 'append') return Buffer.concat([bytes, Buffer.from(body.bytes)]);
  return bytes;
}

function placeholder(raws: Buffer[], raw: Buffer): string {
  raws.push(raw);
  return `\u0001R${raws.length - 1}\u0001`;
}

/** Values from a mutation are cloned in: generated constants are shared between cases and must never change. */
function apply(root: { doc: Json }, m: JsonMutation, raws: Buffer[]): void {
  const nodes = collect(root.doc);
  const strings = nodes.filter((n) => typeof n.value === 'string');
  const objects = nodes.filter((n) => isObject(n.value));
  const keyed = nodes.filter((n) => n.parent !== null && !Array.isArray(n.parent));
  const pick = <T>(list: T[]): T | undefined => list[m.at % Math.max(list.length, 1)];
  const set = (node: Node, value: Json) => {
    if (node.parent === null) root.doc = value;
    else if (Array.isArray(node.parent)) node.parent[node.key as number] = value;
    else setOwn(node.parent, node.key as string, value);
  };
  switch (m.op) {
    case 'lone_surrogate': {
      if (m.inKey) {
        const node = pick(keyed);
        if (node) renameKey(node, insert(node.key as string, m.pos, m.unit));
      } else {
        const node = pick(strings);
        if (node) set(node, insert(node.value as string, m.pos, m.unit));
      }
      return;
    }
    case 'insert_text': {
      const node = pick(strings);
      if (node) set(node, insert(node.value as string, m.pos, m.text));
      return;
    }
    case 'disguise': {
      const node = pick(strings);
      if (node) set(node, m.disguise(node.value as string));
      return;
    }
    case 'replace': {
      set(pick(nodes) as Node, clone(m.value));
      return;
    }
    case 'raw_number': {
      set(pick(nodes) as Node, placeholder(raws, Buffer.from(m.text)));
      return;
    }
    case 'deep_nesting': {
      const node = pick(nodes) as Node;
      const inner = encode(node.value, raws);
      const open = m.inObjects ? '{"a":'.repeat(m.depth) : '['.repeat(m.depth);
      const close = m.inObjects ? '}'.repeat(m.depth) : ']'.repeat(m.depth);
      set(node, placeholder(raws, Buffer.concat([Buffer.from(open), inner, Buffer.from(close)])));
      return;
    }
    case 'add_key': {
      const node = pick(objects);
      if (node) setOwn(node.value as Record<string, Json>, m.key, clone(m.value));
      return;
    }
    case 'duplicate_key': {
      const node = pick(keyed);
      if (!node) return;
      const parent = node.parent as Record<string, Json>;
      // The duplicate's key is spliced in raw; JSON readers keep the last of two equal keys.
      const dup = placeholder(raws, Buffer.from(JSON.stringify(node.key)));
      const entries = Object.entries(parent);
      for (const key of Object.keys(parent)) Reflect.deleteProperty(parent, key);
      if (m.first) setOwn(parent, dup, clone(m.value));
      for (const [key, value] of entries) setOwn(parent, key, value);
      if (!m.first) setOwn(parent, dup, clone(m.value));
      return;
    }
    case 'remove_key': {
      const node = pick(keyed);
      if (node) Reflect.deleteProperty(node.parent as Record<string, Json>, node.key as string);
      return;
    }
    case 'invalid_utf8': {
      const node = pick(strings);
      if (node)
        set(
          node,
          placeholder(
            raws,
            Buffer.concat([
              Buffer.from('"'),
              Buffer.from(node.value as string),
              Buffer.from(m.bytes),
              Buffer.from('"'),
            ]),
          ),
        );
      return;
    }
  }
}

/** Every node of the tree, the root first. Iterative: documents may already be deep. */
function collect(doc: Json): Node[] {
  const out: Node[] = [];
  const pending: Node[] = [{ value: doc, parent: null, key: null }];
  while (pending.length > 0) {
    const node = pending.pop() as Node;
    out.push(node);
    if (Array.isArray(node.value))
      node.value.forEach((value, i) =>
        pending.push({ value, parent: node.value as Json[], key: i }),
      );
    else if (isObject(node.value))
      for (const [key, value] of Object.entries(node.value))
        pending.push({ value, parent: node.value, key });
  }
  return out;
}

function renameKey(node: Node, to: string): void {
  const parent = node.parent as Record<string, Json>;
  const entries = Object.entries(parent);
  for (const key of Object.keys(parent)) Reflect.deleteProperty(parent, key);
  for (const [key, value] of entries) setOwn(parent, key === node.key ? to : key, value);
}

function insert(text: string, pos: number, piece: string): string {
  const i = pos % (text.length + 1);
  return text.slice(0, i) + piece + text.slice(i);
}

/** Defines an own, enumerable property: `__proto__` becomes a key like any other, as in JSON.parse. */
function setOwn(obj: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clone(value: Json): Json {
  if (Array.isArray(value)) return value.map(clone);
  if (isObject(value)) {
    const out: Record<string, Json> = {};
    for (const [key, inner] of Object.entries(value)) setOwn(out, key, clone(inner));
    return out;
  }
  return value;
}
