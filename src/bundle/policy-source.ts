/**
 * Where a policy comes from: a folder of Rego compiled with the pinned OPA (`dir`) or a prebuilt
 * bundle (`bundle`) — exactly one. Used for `policy` and for `policy.shadow`.
 */
import { configPath, type ConfigContext } from '../contract/config-fields.js';

export function policySourceShape(ctx: ConfigContext) {
  return { dir: configPath(ctx).optional(), bundle: configPath(ctx).optional() };
}

export interface PolicySource {
  dir?: string | undefined;
  bundle?: string | undefined;
}

/** The rule both places keep: exactly one of `dir` and `bundle`. */
export function hasOneSource(source: PolicySource): boolean {
  return (source.dir === undefined) !== (source.bundle === undefined);
}
