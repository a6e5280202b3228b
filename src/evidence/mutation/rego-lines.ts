/**
 * A line-level reading of one Rego file, just enough for the mutation operators: which lines are
 * code (not comments, not `package`/`import`), where a line's string literals and trailing comment
 * are, and which lines are the expressions of a rule body. It is not a parser: it relies on the
 * house style `opa fmt` enforces (one expression per body line, a body opened by `if {` at the end
 * of its head line and closed by a line starting with `}`).
 */

interface StringSpan {
  /** Index of the opening quote in the line. */
  readonly start: number;
  /** Index just past the closing quote. */
  readonly end: number;
  /** The characters between the quotes, as written (escapes not decoded). */
  readonly value: string;
}

export interface RegoLine {
  /** 1-based line number. */
  readonly number: number;
  readonly text: string;
  /** The text before a trailing comment, trailing space removed; '' for comment or blank lines. */
  readonly code: string;
  /** `code` with every string literal's contents replaced by `_`: operators search this. */
  readonly masked: string;
  readonly strings: readonly StringSpan[];
  /** Code a mutant may change: not blank, not a comment, not `package` or `import`. */
  readonly mutable: boolean;
  /**
   * The expression this line holds in a rule body: `{from, body}` where `from` is its index in the
   * line and `body` identifies the body (the line number that opened it; for a one-line rule
   * `head if expr`, the line itself). Null when the line is no body expression.
   */
  readonly expression: { readonly from: number; readonly body: number } | null;
}

interface Block {
  kind: 'body' | 'value';
  opened: number;
}

/** Splits a line into code and comment and finds its string literals (`"…"` and `` `…` ``). */
function scanLine(text: string): { code: string; strings: StringSpan[] } {
  const strings: StringSpan[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === '#') return { code: text.slice(0, i).trimEnd(), strings };
    if (ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < text.length && text.charAt(j) !== ch) j += ch === '"' && text[j] === '\\' ? 2 : 1;
      const end = Math.min(j + 1, text.length);
      strings.push({ start: i, end, value: text.slice(i + 1, j) });
      i = end;
      continue;
    }
    i += 1;
  }
  return { code: text.trimEnd(), strings };
}

function maskStrings(code: string, strings: readonly StringSpan[]): string {
  let out = code;
  for (const s of strings) {
    if (s.start >= code.length) break;
    const inner = Math.max(0, Math.min(s.end, code.length) - s.start - 2);
    out = out.slice(0, s.start + 1) + '_'.repeat(inner) + out.slice(s.start + 1 + inner);
  }
  return out;
}

/** Brackets opened minus closed, string contents masked. */
function bracketBalance(masked: string): number {
  let depth = 0;
  for (const ch of masked) {
    if ('([{'.includes(ch)) depth += 1;
    else if (')]}'.includes(ch)) depth -= 1;
  }
  return depth;
}

/** Index just past the last top-level ` if ` of a head line, or -1. */
function topLevelIf(masked: string): number {
  let depth = 0;
  let found = -1;
  for (let i = 0; i < masked.length; i += 1) {
    const ch = masked.charAt(i);
    if ('([{'.includes(ch)) depth += 1;
    else if (')]}'.includes(ch)) depth -= 1;
    else if (depth === 0 && masked.startsWith(' if ', i)) found = i + 4;
  }
  return found;
}

const HEADER = /^\s*(package|import)\b/;
const OPENS_BODY = /(\bif|^\s*every\b.*)\s*\{$/;

export function readRegoLines(source: string): RegoLine[] {
  const stack: Block[] = [];
  // Brackets left open by a line that opens no block (a list or call spread over lines): the
  // lines until they close continue one expression and are none of their own.
  let carry = 0;
  return source.split('\n').map((text, index): RegoLine => {
    const number = index + 1;
    const { code, strings } = scanLine(text);
    const masked = maskStrings(code, strings);
    const mutable = code.trim() !== '' && !HEADER.test(code);
    const trimmed = masked.trim();
    if (trimmed.startsWith('}')) stack.pop();
    const top = stack[stack.length - 1];
    const balanced = bracketBalance(trimmed.startsWith('}') ? trimmed.slice(1) : trimmed) === 0;
    let expression: RegoLine['expression'] = null;
    const continued = carry > 0;
    if (continued) {
      carry = Math.max(0, carry + bracketBalance(trimmed));
      return { number, text, code, masked, strings, mutable, expression: null };
    }
    if (mutable && top?.kind === 'body' && !trimmed.startsWith('}') && balanced) {
      expression = { from: text.length - text.trimStart().length, body: top.opened };
    } else if (mutable && stack.length === 0 && !trimmed.endsWith('{')) {
      const from = topLevelIf(masked);
      if (from !== -1) expression = { from, body: number };
    }
    // Blocks opened on this line (a head ending in `if {` or `every … {` opens a body; any other
    // `{` left open opens a value, e.g. an object literal); brackets closed on it pop nothing more.
    const open = bracketBalance(trimmed.startsWith('}') ? trimmed.slice(1) : trimmed);
    if (open > 0 && trimmed.endsWith('{'))
      stack.push({ kind: OPENS_BODY.test(trimmed) ? 'body' : 'value', opened: number });
    else if (open > 0) carry = open;
    return { number, text, code, masked, strings, mutable, expression };
  });
}
