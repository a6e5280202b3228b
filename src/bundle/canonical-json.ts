/**
 * The text OPA hashes for a structured bundle file (data.json, .manifest, .signatures.json) when
 * it signs or verifies a bundle, so signatures made by `opa build --signing-key` verify here and
 * ours verify in OPA. OPA decodes the JSON (numbers kept as their literal text) and writes it
 * back with every object's keys sorted (byte order), no whitespace, strings encoded like Go's
 * encoding/json without HTML escaping. Whitespace and key order therefore do not change a digest;
 * any change of a value does.
 *
 * A hand-written reader is needed because JSON.parse loses number literals (`1.0` → `1`).
 * Throws SyntaxError for anything that is not one JSON value.
 */

export function canonicalJson(text: string): string {
  const reader = new Reader(text);
  reader.space();
  const out = reader.value();
  reader.space();
  if (!reader.done()) reader.fail('unexpected data after the JSON value');
  return out;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex -- JSON forbids raw U+0000..U+001F inside a string; the class rejects them
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const MAX_DEPTH = 10_000; // Go's decoder limit

class Reader {
  private at = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  done(): boolean {
    return this.at >= this.text.length;
  }

  fail(message: string): never {
    throw new SyntaxError(`invalid JSON at offset ${this.at}: ${message}`);
  }

  space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text.charAt(this.at)))
      this.at += 1;
  }

  value(): string {
    const c = this.text[this.at];
    if (c === '{') return this.nested(() => this.object());
    if (c === '[') return this.nested(() => this.array());
    if (c === '"') return encodeString(this.string());
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return word;
      }
    }
    return this.match(NUMBER, 'a JSON value');
  }

  private nested(read: () => string): string {
    if (++this.depth > MAX_DEPTH) this.fail('nested too deeply');
    const out = read();
    this.depth -= 1;
    return out;
  }

  private object(): string {
    this.at += 1;
    const entries = new Map<string, string>(); // a repeated key keeps its last value, as in Go
    this.space();
    if (this.text[this.at] === '}') {
      this.at += 1;
      return '{}';
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.space();
      this.expect(':');
      this.space();
      entries.set(key, this.value());
      this.space();
      if (this.text[this.at] === ',') {
        this.at += 1;
        continue;
      }
      this.expect('}');
      break;
    }
    const sorted = [...entries].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return `{${sorted.map(([k, v]) => `${encodeString(k)}:${v}`).join(',')}}`;
  }

  private array(): string {
    this.at += 1;
    const items: string[] = [];
    this.space();
    if (this.text[this.at] === ']') {
      this.at += 1;
      return '[]';
    }
    for (;;) {
      this.space();
      items.push(this.value());
      this.space();
      if (this.text[this.at] === ',') {
        this.at += 1;
        continue;
      }
      this.expect(']');
      break;
    }
    return `[${items.join(',')}]`;
  }

  private string(): string {
    // Lone surrogates (from \ud800 escapes) become U+FFFD, as Go's decoder does.
    return (
      JSON.parse(this.match(STRING, 'a string')) as string & { toWellFormed(): string }
    ).toWellFormed();
  }

  private match(pattern: RegExp, what: string): string {
    pattern.lastIndex = this.at;
    const m = pattern.exec(this.text);
    if (!m) this.fail(`expected ${what}`);
    this.at += m[0].length;
    return m[0];
  }

  private expect(char: string): void {
    if (this.text[this.at] !== char) this.fail(`expected "${char}"`);
    this.at += 1;
  }
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** Go's encoding/json string encoding with SetEscapeHTML(false): <, > and & stay as they are. */
function encodeString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (ch < ' ') out += `\\u00${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else if (ch === '\u2028') out += '\\u2028';
    else if (ch === '\u2029') out += '\\u2029';
    else out += ch;
  }
  return `${out}"`;
}
