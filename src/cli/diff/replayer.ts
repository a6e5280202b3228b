/**
 * Asks a logged request again of two policies — the active one and a candidate — through the
 * decision core (`createAuthorizer`), exactly as a live decision is made, with what the log
 * recorded held fixed: the clock is the decision's time and multi-tenant is what the decision saw.
 *
 * Offline: no decision ids are minted (every replayed decision has the id `replay`), no observer
 * is attached (nothing is logged or counted), no shadow runs, and the directory is the file given.
 */
import { createAuthorizer, type Authorizer } from '../../authz/authorizer.js';
import type { Decision } from '../../contract/decision.js';
import type { RolloutView, TenancySwitch } from '../../contract/tenancy-switch.js';
import type { DirectoryReader } from '../../directory/types.js';
import { createActivePolicy } from '../../engine/active-policy.js';
import type { PolicyEngine } from '../../engine/wasm-engine.js';
import { replayAuthenticator, replayRequest, type LogEntry } from './log-entry.js';

export interface ReplayDeps {
  active: PolicyEngine;
  candidate: PolicyEngine;
  directory: DirectoryReader;
  defaultOrg: string;
}

export interface Replayed {
  active: Decision;
  candidate: Decision;
}

const ON: RolloutView = { state: 'on', isOnFor: () => true };
const OFF: RolloutView = { state: 'off', isOnFor: () => false };

export function createReplayer(deps: ReplayDeps): (entry: LogEntry) => Promise<Replayed> {
  // Set before each replay and read by the core during it; replays run one at a time.
  let time = 0;
  let rollout = OFF;
  const tenancySwitch: TenancySwitch = {
    isMultiTenant: () => rollout.state !== 'off',
    view: () => rollout,
  };
  const authorizerFor = (engine: PolicyEngine): Authorizer =>
    createAuthorizer({
      tenancy: { default_org: deps.defaultOrg },
      authenticator: replayAuthenticator,
      directory: deps.directory,
      policy: createActivePolicy(engine),
      tenancySwitch,
      now: () => time,
      decisionIds: () => 'replay',
    });
  const active = authorizerFor(deps.active);
  const candidate = authorizerFor(deps.candidate);

  return async function replay(entry) {
    if (!entry.request) throw new TypeError('replay needs an entry with a request');
    time = Date.parse(entry.time);
    rollout = entry.multi_tenant ? ON : OFF;
    const request = replayRequest(entry.request);
    return { active: await active.decide(request), candidate: await candidate.decide(request) };
  };
}
