/**
 * A simple scanner over the policy's Rego tests (`*_test.rego`): which hand-written test cases
 * mention which strings. It is not a Rego parser; it reads the layout `opa fmt` produces:
 *
 * - a top-level block starts with an identifier at column 0 (`test_x if {`, `members_cases := [`,
 *   `managing(action, target) := {`) and runs to the next such line;
 * - a table-driven case is an object with a `"name": "<string>"` key inside a block (the default
 *   pack's tests are lists of such cases, run by one `test_*` rule each);
 * - a `test_*` block without cases is one test.
 *
 * A case or test "mentions" a string when a string literal in it equals the string exactly, or a
 * literal in a rule it refers to does (other blocks of the scanned files, followed transitively;
 * blocks holding cases and `test_*` rules are never followed, so one case does not borrow its
 * neighbours' strings). A mention is evidence that a test names the action or event type, not
 * proof that it exercises it; cases that take the action from shared fixtures are not credited.
 */

export interface RegoSourceFile {
  /** Shown in case names: the file's path relative to the policy dir. */
  readonly file: string;
  readonly text: string;
}

export interface RegoTestCase {
  /** `<file> › <test rule> › <case name>`, or `<file> › <test rule>` for a plain test. */
  readonly name: string;
  /** Every string literal the case holds or reaches through supporting rules (its own name excluded). */
  readonly strings: ReadonlySet<string>;
}

interface Block {
  readonly name: string;
  readonly text: string;
  readonly cases: readonly { name: string; text: string }[];
}

const BLOCK_START = /^(?:default\s+)?([A-Za-z_][A-Za-z0-9_]*)/;
const NOT_BLOCKS = new Set(['package', 'import']);
const CASE_NAME = /"name"\s*:\s*"((?:[^"\\]|\\.)*)"/g;

/** The Rego test cases of `files`, in file order, then source order. */
export function scanRegoTests(files: readonly RegoSourceFile[]): RegoTestCase[] {
  const perFile = files.map((f) => ({ file: f.file, blocks: splitBlocks(stripComments(f.text)) }));
  const support = new Map<string, Block>();
  for (const { blocks } of perFile)
    for (const b of blocks)
      if (b.cases.length === 0 && !b.name.startsWith('test_')) support.set(b.name, b);
  const reach = (text: string) => stringsReached(text, support);

  const out: RegoTestCase[] = [];
  for (const { file, blocks } of perFile) {
    const tests = blocks.filter((b) => b.name.startsWith('test_'));
    for (const block of blocks) {
      if (block.cases.length > 0) {
        // The test rule that runs this list; the list's own name when none refers to it by name.
        const runner = tests.find((t) => identifiers(t.text).has(block.name))?.name ?? block.name;
        for (const c of block.cases) {
          const strings = reach(c.text);
          strings.delete(c.name);
          out.push({ name: `${file} › ${runner} › ${c.name}`, strings });
        }
      } else if (block.name.startsWith('test_') && !refersToCaseList(block, blocks)) {
        out.push({ name: `${file} › ${block.name}`, strings: reach(block.text) });
      }
    }
  }
  return out;
}

function refersToCaseList(test: Block, blocks: readonly Block[]): boolean {
  const ids = identifiers(test.text);
  return blocks.some((b) => b.cases.length > 0 && ids.has(b.name));
}

/** Literals of `text` and of every supporting rule it refers to, transitively. */
function stringsReached(text: string, support: ReadonlyMap<string, Block>): Set<string> {
  const strings = new Set(literals(text));
  const seen = new Set<string>();
  const queue = [...identifiers(text)];
  for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
    const rule = support.get(id);
    if (!rule || seen.has(id)) continue;
    seen.add(id);
    for (const s of literals(rule.text)) strings.add(s);
    queue.push(...identifiers(rule.text));
  }
  return strings;
}

function splitBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let current: { name: string; lines: string[] } | null = null;
  const close = () => {
    if (!current) return;
    const body = current.lines.join('\n');
    blocks.push({ name: current.name, text: body, cases: casesIn(body) });
  };
  for (const line of text.split('\n')) {
    const start = BLOCK_START.exec(line);
    const name = start?.[1];
    if (name !== undefined && !NOT_BLOCKS.has(name)) {
      close();
      current = { name, lines: [line] };
    } else if (name !== undefined) {
      close();
      current = null;
    } else {
      current?.lines.push(line);
    }
  }
  close();
  return blocks;
}

/** Each `"name": "…"` with the innermost object around it. */
function casesIn(text: string): { name: string; text: string }[] {
  const cases: { name: string; text: string }[] = [];
  for (const m of text.matchAll(CASE_NAME)) {
    const open = enclosingBrace(text, m.index);
    const end = open < 0 ? -1 : matchingBrace(text, open);
    if (open < 0 || end < 0) continue;
    cases.push({ name: unescape(m[1] ?? ''), text: text.slice(open, end + 1) });
  }
  return cases;
}

/** The characters of `text[from, to)` outside string literals, with their index. */
function* codeChars(text: string, from: number, to: number): Generator<[string, number]> {
  let inString = false;
  for (let i = from; i < to; i++) {
    const ch = text[i] as string;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else yield [ch, i];
  }
}

function enclosingBrace(text: string, at: number): number {
  const open: number[] = [];
  for (const [ch, i] of codeChars(text, 0, at)) {
    if (ch === '{') open.push(i);
    else if (ch === '}') open.pop();
  }
  return open.at(-1) ?? -1;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (const [ch, i] of codeChars(text, open, text.length)) {
    if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Drops `#` comments (outside string literals), so a commented-out case is no evidence. */
function stripComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let inString = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (inString && ch === '\\') i++;
        else if (ch === '"') inString = !inString;
        else if (ch === '#' && !inString) return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}

function literals(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|`([^`]*)`/g)].map(
    (m) => m[2] ?? unescape(m[1] ?? ''),
  );
}

/** Identifiers outside string literals that are not a field access (`c.name`, `authz.x`). */
function identifiers(text: string): Set<string> {
  const code = text.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, '""');
  return new Set([...code.matchAll(/(?<![.\w])[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => m[0]));
}

function unescape(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}
