/**
 * A reader for the plain YAML that directory files are written in, one org at a time: block
 * mappings and sequences, one-line flow mappings, `[]`, comments, and scalars that YAML can only
 * read as strings (`[A-Za-z0-9_][A-Za-z0-9_.@-]*` that is not a number, bool or null, or quoted
 * without escapes). The general YAML parser builds a syntax tree of the whole file first, which
 * costs seconds and hundreds of megabytes at 100 000 memberships; this reads the same text in one
 * pass and keeps nothing but the values.
 *
 * Invariant: it never guesses. Whatever it does not recognise (an anchor, a tag, a block scalar, a
 * multi-line value, a key outside the directory's fields, a duplicate key, a scalar YAML might read
 * as something other than that exact string) throws `UnsupportedYaml`, and the caller reads the
 * file with the general parser instead, which then reports what is wrong in its usual words. For
 * what it accepts, it yields exactly the values the general parser would.
 */

/** The text is outside the plain subset: read it with the general YAML parser. */
export class UnsupportedYaml extends Error {}

export type PlainValue = string | PlainValue[] | PlainMapping | null;
interface PlainMapping {
  [key: string]: PlainValue;
}

/** The keys a directory document has; any other key (or a prototype name) is left to the general path. */
const KEYS = new Set([
  'id',
  'status',
  'members',
  'shares',
  'user',
  'role',
  'resource',
  'type',
  'target_org',
  'access_role',
  'state',
]);
const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_.@-]*$/;
/** A superset of YAML 1.2 core numbers that start with a digit (ints, 0x, 0o, floats, exponents). */
const NUMBER_LIKE = /^[0-9][0-9a-fA-FoOxXeE._+-]*$/;
const KEYWORDS = new Set(['true', 'false', 'null']);
const QUOTED = /^(?:"[ !#-[\]-~]*"|'[ -&(-~]*')/;
const KEY_LINE = /^([a-z_]+):(?: +|$)/;

/**
 * Calls `onOrg` with each entry of the document's top-level `orgs:` list, in order. Throws
 * UnsupportedYaml when the text is not in the plain subset.
 */
export function readPlainOrgs(text: string, onOrg: (org: PlainValue) => void): void {
  if (text.includes('\r') || text.charCodeAt(0) === 0xfeff) throw new UnsupportedYaml('line ends');
  const lines = new Lines(text);
  lines.skipNeutral();
  if (lines.done() || lines.indent() !== 0 || stripComment(lines.content()) !== 'orgs:')
    throw new UnsupportedYaml('header');
  lines.next();
  lines.skipNeutral();
  if (lines.done() || !isItem(lines.content())) throw new UnsupportedYaml('orgs is not a list');
  const seqIndent = lines.indent();
  while (!lines.done()) {
    if (lines.indent() !== seqIndent || !isItem(lines.content()))
      throw new UnsupportedYaml('after the orgs list');
    onOrg(readItem(lines, seqIndent));
  }
}

/** The lines of the text, walked by index (no array of lines: the text may be tens of megabytes). */
class Lines {
  private start = 0;
  private end = 0;
  private lineIndent = 0;
  constructor(private readonly text: string) {
    this.load();
  }
  private load(): void {
    if (this.start >= this.text.length) return;
    const newline = this.text.indexOf('\n', this.start);
    this.end = newline === -1 ? this.text.length : newline;
    let i = this.start;
    while (i < this.end && this.text.charCodeAt(i) === 32) i += 1;
    this.lineIndent = i - this.start;
  }
  done(): boolean {
    return this.start >= this.text.length;
  }
  indent(): number {
    return this.lineIndent;
  }
  /** The line without its indentation. */
  content(): string {
    return this.text.slice(this.start + this.lineIndent, this.end);
  }
  next(): void {
    this.start = this.end + 1;
    this.load();
    this.skipNeutral();
  }
  /** Skips blank and comment-only lines (a tab anywhere in the indentation is not blank: unsupported). */
  skipNeutral(): void {
    while (!this.done()) {
      const c = this.text.charCodeAt(this.start + this.lineIndent);
      if (this.start + this.lineIndent < this.end && c !== 35 /* # */) return;
      this.start = this.end + 1;
      this.load();
    }
  }
}

const isItem = (content: string) => content === '-' || content.startsWith('- ');

/** One sequence entry at `seqIndent`; leaves `lines` on the first line after it. */
function readItem(lines: Lines, seqIndent: number): PlainValue {
  const content = lines.content();
  let offset = 1;
  while (content.charCodeAt(offset) === 32) offset += 1;
  const rest = content.slice(offset);
  if (rest === '' || rest.startsWith('#')) throw new UnsupportedYaml('empty item');
  if (rest.startsWith('{')) {
    const value = readFlowLine(rest);
    lines.next();
    return value;
  }
  if (KEY_LINE.test(rest)) return readMapping(lines, seqIndent + offset, rest);
  const value = readScalarLine(rest);
  lines.next();
  return value;
}

/** A block mapping whose entries sit at `indent`; `first` is its first entry when it follows `- `. */
function readMapping(lines: Lines, indent: number, first?: string): PlainMapping {
  const mapping: PlainMapping = {};
  let entry: string | undefined = first;
  for (;;) {
    if (entry === undefined) {
      if (lines.done() || lines.indent() < indent) return mapping;
      if (lines.indent() > indent) throw new UnsupportedYaml('continued value');
      entry = lines.content();
      if (isItem(entry)) return mapping; // a list at the parent's level ends this mapping
    }
    const match = KEY_LINE.exec(entry);
    const key = match?.[1];
    if (match === null || key === undefined || !KEYS.has(key) || Object.hasOwn(mapping, key))
      throw new UnsupportedYaml('key');
    const rest = stripComment(entry.slice(match[0].length));
    lines.next();
    mapping[key] = rest === '' ? readNested(lines, indent) : readInline(rest);
    entry = undefined;
  }
}

/** The value of `key:` with nothing after it: a deeper block, a list at the key's level, or null. */
function readNested(lines: Lines, keyIndent: number): PlainValue {
  if (lines.done() || lines.indent() < keyIndent) return null;
  const content = lines.content();
  if (lines.indent() === keyIndent) return isItem(content) ? readList(lines, keyIndent) : null;
  if (isItem(content)) return readList(lines, lines.indent());
  if (KEY_LINE.test(content)) return readMapping(lines, lines.indent());
  throw new UnsupportedYaml('nested value');
}

function readList(lines: Lines, indent: number): PlainValue[] {
  const list: PlainValue[] = [];
  while (!lines.done() && lines.indent() === indent && isItem(lines.content()))
    list.push(readItem(lines, indent));
  if (!lines.done() && lines.indent() > indent) throw new UnsupportedYaml('continued list');
  return list;
}

/** A value after `key: ` on the same line (comment already stripped). */
function readInline(rest: string): PlainValue {
  if (rest.startsWith('{')) return readFlowLine(rest);
  if (rest === '[]') return [];
  return scalar(rest);
}

/** A one-line flow mapping, optionally followed by a comment. */
function readFlowLine(text: string): PlainMapping {
  const flow = { text, at: 0 };
  const value = readFlowMapping(flow);
  if (stripComment(text.slice(flow.at)) !== '') throw new UnsupportedYaml('after a flow mapping');
  return value;
}

function readFlowMapping(flow: { text: string; at: number }): PlainMapping {
  const mapping: PlainMapping = {};
  flow.at += 1; // '{'
  skipSpaces(flow);
  if (flow.text[flow.at] === '}') {
    flow.at += 1;
    return mapping;
  }
  for (;;) {
    const match = /^([a-z_]+): +/.exec(flow.text.slice(flow.at));
    const key = match?.[1];
    if (match === null || key === undefined || !KEYS.has(key) || Object.hasOwn(mapping, key))
      throw new UnsupportedYaml('flow key');
    flow.at += match[0].length;
    if (flow.text[flow.at] === '{') mapping[key] = readFlowMapping(flow);
    else {
      const token = /^(?:"[^"]*"|'[^']*'|[^,}\s]+)/.exec(flow.text.slice(flow.at))?.[0];
      if (token === undefined) throw new UnsupportedYaml('flow value');
      mapping[key] = scalar(token);
      flow.at += token.length;
    }
    skipSpaces(flow);
    const next = flow.text[flow.at];
    flow.at += 1;
    if (next === '}') return mapping;
    if (next !== ',') throw new UnsupportedYaml('flow separator');
    skipSpaces(flow);
    if (flow.text[flow.at] === '}') throw new UnsupportedYaml('trailing comma');
  }
}

function skipSpaces(flow: { text: string; at: number }): void {
  while (flow.text.charCodeAt(flow.at) === 32) flow.at += 1;
}

function readScalarLine(rest: string): string {
  return scalar(stripComment(rest));
}

/** A scalar YAML reads as exactly this string, or UnsupportedYaml. */
function scalar(token: string): string {
  const quoted = QUOTED.exec(token)?.[0];
  if (quoted?.length === token.length) return token.slice(1, -1);
  if (
    !PLAIN.test(token) ||
    KEYWORDS.has(token.toLowerCase()) ||
    (token.charCodeAt(0) <= 57 && NUMBER_LIKE.test(token))
  )
    throw new UnsupportedYaml('scalar');
  return token;
}

/** The text before a comment (` #`) and without trailing spaces; a `#` elsewhere stays (and is refused). */
function stripComment(text: string): string {
  const hash = text.search(/(?:^| )#/);
  return (hash === -1 ? text : text.slice(0, hash)).trimEnd();
}
