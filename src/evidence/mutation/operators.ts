/**
 * The mutation operators. Each looks at one line of a policy file (and, for `drop-expr`, the body
 * it belongs to) and proposes single changes to it: the whole new line, or null for "remove the
 * line". An operator never touches a comment, a string inside a comment, or an object key.
 */
import type { RegoLine } from './rego-lines.js';

export const MUTATION_OPERATORS = [
  'drop-not',
  'add-not',
  'flip-eq',
  'flip-lt',
  'flip-gt',
  'drop-expr',
  'swap-literal',
  'flip-bool',
  'bump-number',
] as const;

export type MutationOperator = (typeof MUTATION_OPERATORS)[number];

export interface LineChange {
  /** The new line, or null when the change removes the line. */
  readonly mutated: string | null;
  readonly description: string;
}

/**
 * String literals a mutant may replace, with their replacement: a literal that names a role, a
 * share state, an org status, a principal or decision kind, an org source, an action or a reason
 * becomes another value of the same vocabulary, so the mutant still compiles and means something.
 */
const LITERAL_PARTNERS: Readonly<Record<string, string>> = {
  // roles
  viewer: 'editor',
  editor: 'viewer',
  admin: 'owner',
  owner: 'admin',
  // share states and org statuses
  accepted: 'pending',
  active: 'suspended',
  suspended: 'active',
  pending_deletion: 'active',
  // principal kinds, decision kinds, where the org came from
  session: 'api_token',
  api_token: 'session',
  request: 'job',
  job: 'request',
  event: 'request',
  field: 'token',
  header: 'token',
  cookie: 'token',
  path: 'token',
  // actions the policy names
  'org.ownership.transfer': 'org.members.update_role',
  'org.members.update_role': 'org.members.remove',
  'org.members.remove': 'org.members.update_role',
  'org.members.invite': 'org.members.update_role',
  'events.receive': 'org.read',
  'orgs.list': 'org.read',
  'orgs.create': 'org.read',
  // reasons: every denial becomes access_denied, access_denied and allowed become others
  allowed: 'access_denied',
  access_denied: 'cross_org',
  unauthenticated: 'access_denied',
  invalid_org: 'access_denied',
  feature_disabled: 'access_denied',
  org_suspended: 'access_denied',
  session_required: 'access_denied',
  missing_scope: 'access_denied',
  insufficient_role: 'access_denied',
  owner_required: 'access_denied',
  fresh_session_required: 'access_denied',
  default_org_immutable: 'access_denied',
  owner_role_immutable: 'access_denied',
  owner_transfer_requires_member: 'access_denied',
  target_not_member: 'access_denied',
  invalid_role: 'access_denied',
  cross_org: 'access_denied',
  unknown_action: 'access_denied',
  directory_unavailable: 'access_denied',
  keys_unavailable: 'access_denied',
  policy_error: 'access_denied',
};

/** Every match of `pattern` (global) in the masked code, each replaced by `replace(match)`. */
function tokenSwaps(
  line: RegoLine,
  pattern: RegExp,
  replace: (token: string) => string,
): LineChange[] {
  return [...line.masked.matchAll(pattern)].map((match) => {
    const token = match[0];
    const at = match.index;
    const by = replace(token);
    return {
      mutated: line.text.slice(0, at) + by + line.text.slice(at + token.length),
      description: `${token} → ${by}`,
    };
  });
}

/** A body expression's text and where it starts; null when the line holds none. */
function expressionOf(line: RegoLine): { from: number; text: string } | null {
  if (!line.expression) return null;
  return { from: line.expression.from, text: line.code.slice(line.expression.from) };
}

/**
 * Whether an expression binds a variable (`x := …`, `x = …`, `some …`, `every …`): negating or
 * removing it leaves the variable unbound, which only makes a mutant that does not compile.
 */
function binds(expression: string, masked: string): boolean {
  return /^(some|every)\b/.test(expression) || /:=|(^|[^=!<>:])=($|[^=])/.test(masked);
}

const dropNot = (line: RegoLine): LineChange[] => {
  const expression = expressionOf(line);
  if (!expression?.text.startsWith('not ')) return [];
  const { from } = expression;
  return [
    { mutated: line.text.slice(0, from) + line.text.slice(from + 4), description: 'drop not' },
  ];
};

const addNot = (line: RegoLine): LineChange[] => {
  const expression = expressionOf(line);
  if (!expression || expression.text.startsWith('not ')) return [];
  if (binds(expression.text, line.masked.slice(expression.from))) return [];
  const { from } = expression;
  return [
    { mutated: `${line.text.slice(0, from)}not ${line.text.slice(from)}`, description: 'add not' },
  ];
};

const swapLiteral = (line: RegoLine): LineChange[] =>
  line.strings.flatMap((s): LineChange[] => {
    if (s.end > line.code.length) return [];
    // hasOwn: a literal "__proto__" or "constructor" is no entry of the table.
    const partner = Object.hasOwn(LITERAL_PARTNERS, s.value)
      ? LITERAL_PARTNERS[s.value]
      : undefined;
    // An object key ("role": …) is a field name, not a value of the vocabulary.
    const objectKey = /^\s*:(?!=)/.test(line.code.slice(s.end));
    if (partner === undefined || objectKey) return [];
    return [
      {
        mutated: `${line.text.slice(0, s.start)}"${partner}"${line.text.slice(s.end)}`,
        description: `"${s.value}" → "${partner}"`,
      },
    ];
  });

/** The operators that look at one line alone. */
export const LINE_OPERATORS: Readonly<
  Record<Exclude<MutationOperator, 'drop-expr'>, (line: RegoLine) => LineChange[]>
> = {
  'drop-not': dropNot,
  'add-not': addNot,
  'flip-eq': (line) => tokenSwaps(line, /==|!=/g, (t) => (t === '==' ? '!=' : '==')),
  'flip-lt': (line) => tokenSwaps(line, /<=?/g, (t) => (t === '<' ? '<=' : '<')),
  'flip-gt': (line) => tokenSwaps(line, />=?/g, (t) => (t === '>' ? '>=' : '>')),
  'swap-literal': swapLiteral,
  'flip-bool': (line) =>
    tokenSwaps(line, /\b(true|false)\b/g, (t) => (t === 'true' ? 'false' : 'true')),
  'bump-number': (line) =>
    tokenSwaps(line, /(?<![\w.])\d+(?![\w.])/g, (t) => String(Number(t) + 1)),
};

/**
 * `drop-expr`: removing one expression of a body that has more than one (a body of one expression
 * would become empty, which is no rule). Expressions that bind a variable are kept (see `binds`).
 */
export function dropExpressions(lines: readonly RegoLine[]): Map<number, LineChange[]> {
  const bodies = new Map<number, RegoLine[]>();
  for (const line of lines) {
    if (!line.expression || line.expression.body === line.number) continue;
    const body = bodies.get(line.expression.body) ?? [];
    body.push(line);
    bodies.set(line.expression.body, body);
  }
  const changes = new Map<number, LineChange[]>();
  for (const body of bodies.values()) {
    if (body.length < 2) continue;
    for (const line of body) {
      const expression = expressionOf(line);
      if (!expression || binds(expression.text, line.masked.slice(expression.from))) continue;
      changes.set(line.number, [{ mutated: null, description: 'drop body line' }]);
    }
  }
  return changes;
}
