/**
 * The sidecar's rollout admin API as `orgwarden rollout` uses it: `GET|PUT /v1/admin/rollout`
 * with the admin token (and the caller token when the sidecar requires one).
 */
import type { RolloutStateName } from '../contract/tenancy-switch.js';
import type { Rollout } from '../tenancy/rollout-state.js';

/** `GET /v1/admin/rollout` (and the answer to a PUT): the state served and the rollout kept. */
export interface RolloutStatus {
  state: RolloutStateName;
  killed: boolean;
  rollout: Rollout;
  changed_by: string | null;
  store: string;
  version: number | null;
  changed?: boolean;
}

/**
 * The body of `PUT /v1/admin/rollout`: a rollout (the sidecar sets `since`), an advance's
 * criteria, and the rollout the decision was made on (the sidecar refuses with 409 when it is no
 * longer the one kept).
 */
export type RolloutWrite = Omit<Rollout, 'since'> & {
  criteria?: 'met' | 'overridden';
  expected_rollout?: Rollout;
};

export interface RolloutAdmin {
  status(): Promise<RolloutStatus>;
  set(write: RolloutWrite): Promise<RolloutStatus>;
}

export function createRolloutAdmin(options: {
  url: string;
  adminToken: string;
  callerToken?: string | undefined;
  fetch?: typeof fetch;
}): RolloutAdmin {
  const fetchFn = options.fetch ?? fetch;
  const target = `${options.url.replace(/\/+$/, '')}/v1/admin/rollout`;
  const headers: Record<string, string> = { authorization: `Bearer ${options.adminToken}` };
  if (options.callerToken !== undefined) headers['x-orgwarden-caller-token'] = options.callerToken;
  async function call(init: RequestInit): Promise<RolloutStatus> {
    let res: Response;
    try {
      res = await fetchFn(target, { ...init, signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      throw new Error(
        `the sidecar at ${target} did not answer: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 300);
      try {
        const body = JSON.parse(text) as { error?: { message?: string } };
        message = body.error?.message ?? message;
      } catch {
        // not JSON: the text as it came
      }
      throw new Error(`the sidecar answered ${res.status}: ${message}`);
    }
    return JSON.parse(text) as RolloutStatus;
  }
  return {
    status: () => call({ headers }),
    set: (write) =>
      call({
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(write),
      }),
  };
}
