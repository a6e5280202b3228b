/**
 * The `certify` section: what `orgwarden certify` holds the configured policy to — the Rego
 * coverage threshold, the alerting rules whose metrics must exist (and their promtool tests), the
 * risk register the report's residual risk comes from, and the time each step may take.
 * Paths resolve against the config file's folder, like every other path.
 */
import { z } from 'zod';
import { configPath, integer, type ConfigContext } from '../contract/config-fields.js';

export function certifyConfigSchema(ctx: ConfigContext) {
  return z
    .strictObject({
      /** Least `opa test --coverage` percentage that passes (0–100). */
      coverage_threshold: z.number().min(0).max(100).default(100),
      /** Prometheus rules file; every metric an expression names must be exported. */
      alert_rules: configPath(ctx).optional(),
      /** promtool unit tests of those rules (`promtool test rules`). */
      alert_rule_tests: configPath(ctx).optional(),
      /** The risk register (markdown) the report's residual risk is read from. */
      risk_register: configPath(ctx).optional(),
      /** The longest one step may run before certification stops as BLOCKED. */
      timeout_s: integer(1, 3600).default(300),
    })
    .prefault({});
}
