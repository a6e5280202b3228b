/**
 * Revocations in flight during a fault: acme members removed one by one through the write API
 * (alternating replicas), each remembered with when it was sent and how it was answered, so that
 * - the load's probe for a revoked member expects an allow before the revocation was sent, either
 *   outcome while it is in flight or when it was not acknowledged (503: it may or may not have
 *   been applied), and a deny from `boundMs` after a 200;
 * - at the end, every acknowledged revocation can be checked on every replica;
 * - per replica, how long a revoked member was still allowed after its 200 can be measured.
 */
import type { Probe, Sample } from './load.js';
import type { Replica } from './replica.js';
import { ADMIN_TOKEN, HOME_ORG, revocable, sessionToken } from './world.js';

interface Revocation {
  user: string;
  via: string;
  sentAt: number;
  /** performance.now() when the answer came (null while in flight). */
  answeredAt: number | null;
  /** HTTP status, or 0 when no answer came (reset, timeout). */
  status: number | null;
}

export interface RevocationLog {
  readonly revocations: readonly Revocation[];
  /** Probes for every revocable member, expecting what the log knows when each request is sent. */
  probes(): Promise<Probe[]>;
  /** Revokes the next member through the next replica (alternating); null when none is left. */
  revokeNext(): Promise<Revocation | null>;
  /** Revokes one member every `everyMs` until `until()` is true (or no member is left). */
  revokeWhile(everyMs: number, until: () => boolean): Promise<void>;
  acknowledged(): Revocation[];
  unacknowledged(): Revocation[];
}

/** The load group of a revocable member's probe (it names the member in the row's examples). */
const revokedGroup = (user: string) => `revoked ${user}`;

/** How long a write may wait for an answer before the log counts it as unanswered. */
const WRITE_TIMEOUT_MS = 10_000;

export function revocationLog(
  replicas: readonly Replica[],
  members: number,
  boundMs: number,
): RevocationLog {
  const users = revocable(members);
  const revocations: Revocation[] = [];
  const byUser = new Map<string, Revocation>();
  const expectation = (user: string, sentAt: number) => {
    const r = byUser.get(user);
    if (!r || sentAt < r.sentAt) return 'allow' as const;
    if (r.status !== 200 || r.answeredAt === null) return 'any' as const;
    return sentAt >= r.answeredAt + boundMs ? ('deny' as const) : ('any' as const);
  };
  const revokeNext = async (): Promise<Revocation | null> => {
    const user = users[revocations.length];
    const replica = replicas[revocations.length % replicas.length];
    if (user === undefined || !replica) return null;
    const r: Revocation = {
      user,
      via: replica.name,
      sentAt: performance.now(),
      answeredAt: null,
      status: null,
    };
    revocations.push(r);
    byUser.set(user, r);
    r.status = await fetch(`${replica.url}/v1/directory/orgs/${HOME_ORG}/members/${user}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      signal: AbortSignal.timeout(WRITE_TIMEOUT_MS),
    }).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status;
      },
      () => 0,
    );
    r.answeredAt = performance.now();
    return r;
  };
  return {
    revocations,
    async probes() {
      const now = Date.now();
      return Promise.all(
        users.map(async (user) => ({
          group: revokedGroup(user),
          body: { token: await sessionToken(user, now), org: HOME_ORG, action: 'org.read' },
          expect: (sentAt: number) => expectation(user, sentAt),
        })),
      );
    },
    revokeNext,
    async revokeWhile(everyMs, until) {
      while (!until()) {
        const started = performance.now();
        if ((await revokeNext()) === null) return;
        const rest = everyMs - (performance.now() - started);
        if (rest > 0) await new Promise((r) => setTimeout(r, rest));
      }
    },
    acknowledged: () => revocations.filter((r) => r.status === 200),
    unacknowledged: () => revocations.filter((r) => r.status !== 200),
  };
}

/** One member's decision on acme from one replica, outside the load: `allow`, `deny` or `failed: …`. */
export async function decide(replica: Replica, user: string): Promise<string> {
  const res = await fetch(`${replica.url}/v1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: await sessionToken(user), org: HOME_ORG, action: 'org.read' }),
    signal: AbortSignal.timeout(WRITE_TIMEOUT_MS),
  }).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
  if (typeof res === 'string') return `failed: ${res}`;
  const json = (await res.json().catch(() => null)) as { allow?: unknown } | null;
  if (typeof json?.allow === 'boolean') return json.allow ? 'allow' : 'deny';
  return res.status >= 400 ? 'deny' : `failed: HTTP ${res.status}`;
}

export interface HoldCheck {
  /** "rev-3 via a: allowed on b" for every acknowledged revocation that did not hold. */
  notHeld: string[];
  notes: string[];
}

/** Every acknowledged revocation must deny on every replica; unacknowledged ones may go either way. */
export async function checkAcknowledgedHold(
  replicas: readonly Replica[],
  log: RevocationLog,
): Promise<HoldCheck> {
  const notHeld: string[] = [];
  for (const r of log.acknowledged())
    for (const replica of replicas) {
      const decision = await decide(replica, r.user);
      if (decision !== 'deny')
        notHeld.push(`${r.user} (200 via ${r.via}): ${decision} on ${replica.name}`);
    }
  const unacked = log.unacknowledged();
  const statuses = new Map<string, number>();
  for (const r of unacked)
    statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);
  const applied = await Promise.all(
    unacked.map(async (r) => {
      const [first] = replicas;
      return first ? (await decide(first, r.user)) === 'deny' : false;
    }),
  );
  return {
    notHeld,
    notes: [
      `revocations: ${log.revocations.length} sent, ${log.acknowledged().length} acknowledged (200), ` +
        `${unacked.length} not acknowledged (${[...statuses].map(([s, n]) => `${n}× ${s === '0' ? 'no answer' : s}`).join(', ') || 'none'}; ` +
        `${applied.filter(Boolean).length} of them applied in the end), ` +
        `${notHeld.length} acknowledged revocations did not hold`,
    ],
  };
}

/**
 * Per replica: for each acknowledged revocation, the time from its 200 to the end of the last
 * allow that replica gave the revoked member (0 when it never allowed after the 200).
 */
export function allowedAfterAck(
  samples: readonly Sample[],
  log: RevocationLog,
  target: string,
): number[] {
  return log.acknowledged().map((r) => {
    const answeredAt = r.answeredAt ?? r.sentAt;
    const last = samples
      .filter(
        (s) =>
          s.target === target &&
          s.group === revokedGroup(r.user) &&
          s.outcome === 'allow' &&
          s.sentAt + s.latencyMs > answeredAt,
      )
      .reduce((max, s) => Math.max(max, s.sentAt + s.latencyMs - answeredAt), 0);
    return Math.round(last);
  });
}
