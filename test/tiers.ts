/**
 * The two test tiers. `npm run test:unit` runs the unit tier: it needs nothing but Node (no Redis,
 * no OPA, no nginx or caddy, no Prometheus or promtool; the default policy comes from the committed
 * prebuilt bundle). The integration tier is every test file named below: each needs one of those
 * (listed beside it). `npm test` runs both.
 *
 * Invariant: every test file is in exactly one tier. The unit tier is every test file that is not
 * listed here, so a new test lands in the unit tier (and fails there loudly if it needs a service),
 * never in no tier; test/tiers.test.ts fails on an entry here that names no test file.
 */

/** Where vitest finds test files (both tiers together). */
export const TEST_FILES = ['test/**/*.test.ts', 'src/**/*.test.ts'];

/** Test files that need a service or a tool other than Node, by what they need. */
const NEEDS: Record<string, readonly string[]> = {
  'Redis (the shared one at 127.0.0.1:6379, or redis-server processes it starts)': [
    'test/audit/audit-redis.test.ts',
    'test/chaos/chaos-smoke.test.ts',
    'test/directory/directory-api-redis.test.ts',
    'test/directory/read-your-writes-redis.test.ts',
    'test/directory/redis-cluster.test.ts',
    'test/directory/redis-cluster-stall.test.ts',
    'test/directory/redis-durability.test.ts',
    'test/directory/redis-failover.test.ts',
    'test/directory/redis-rewind.property.test.ts',
    'test/directory/redis-seed-interrupted.test.ts',
    'test/directory/redis-seed-replicas.test.ts',
    'test/directory/redis-seed.test.ts',
    'test/directory/redis-store.test.ts',
    'test/directory/redis-unavailable.test.ts',
    'test/directory/revocation.test.ts',
    'test/http/redis-down.test.ts',
    'test/observability/metrics-redis.test.ts',
    'test/redis/connections.test.ts',
    'test/redis/subscriber-stall.test.ts',
    'test/security/id-entry-points.property.test.ts',
    'test/security/redis-seed.property.test.ts',
    'test/security/redis-write-race.property.test.ts',
    'test/surfaces/surfaces-redis.test.ts',
    'test/tenancy/redis-switch.test.ts',
    'test/tenancy/rollout-e2e.test.ts',
    'test/tenancy/rollout-replicas.test.ts',
    'test/tenancy/replicas.test.ts',
    'test/tenancy/runbook.test.ts',
    'test/tenancy/unanswered-flip.test.ts',
    'test/workers/workers-redis.test.ts',
  ],
  // Redis too: deploy/compose.yaml's loop, its directory in the shared Redis.
  'nginx and caddy (real gateways in front of forward-auth)': [
    'test/deploy/compose-loop.test.ts',
    'test/forward-auth/gateways.test.ts',
    'test/forward-auth/gateways-encoded-params.test.ts',
    'test/forward-auth/gateways-hardening.test.ts',
    'test/security/gateway-identity-headers.property.test.ts',
    'test/http/shutdown-rolling-restart.test.ts',
  ],
  // alert-rules and dashboard also read the metric names from an orgwarden with a Redis directory.
  'Prometheus and promtool (the alert rules, the Grafana dashboard)': [
    'test/tenancy/rollout-cli.test.ts',
    'test/observability/alert-rules.test.ts',
    'test/observability/alerts-e2e.test.ts',
    'test/observability/dashboard.test.ts',
  ],
  'the pinned OPA CLI (compiles policies other than the prebuilt default, or proves the prebuilt one)':
    [
      'test/bundle/prebuilt-bundle.test.ts',
      'test/decision-tables-broken-policies.test.ts',
      'test/engine/fail-closed.test.ts',
      'test/evidence/mutation-run.test.ts',
      'test/bundle/tar.test.ts',
      'test/cli/inventory-command.test.ts',
      'test/cli/diff.test.ts',
      'test/policy-rollout/cli.test.ts',
      'test/policy-rollout/opa-interop.test.ts',
      'test/policy-rollout/reload.test.ts',
      'test/policy-rollout/reproducible-build.test.ts',
      'test/policy-rollout/shadow.test.ts',
      'test/policy-rollout/signature.test.ts',
      'test/policy-rollout/smoke-cases.test.ts',
      'test/policy-rollout/vocabulary-step.test.ts',
      'test/security/bundle-format.property.test.ts',
      'test/security/bundle-revision.property.test.ts',
    ],
  // Debian's chromium package (apt-get install chromium), driven by playwright-core.
  'Chromium (the decision explorer page in a real browser)': ['test/ui/explorer.browser.test.ts'],
  // The docs' copy-paste examples that are shell commands.
  'curl (docs/openapi.md runs as written)': ['test/openapi/openapi-docs.test.ts'],
  // A named pipe, made with mkfifo(1): Node has no API for it.
  'mkfifo (a decision log written to a pipe nobody reads)': [
    'test/observability/decision-log-app.test.ts',
  ],
  // Only Node, but slow: each test starts, kills and restarts sidecar processes from dist/ (built
  // by this tier's global setup), which would take the unit tier past its minute.
  // The whole certification: the pinned OPA (fmt, check, test --coverage), a throw-away instance
  // on a loopback port, and promtool when it is installed.
  'the built orgwarden command with the pinned OPA and a listener (orgwarden certify)': [
    'test/cli/certify.test.ts',
  ],
  'the built orgwarden command, run as real processes': [
    'test/cli/cli.test.ts',
    'test/cli/check-command.test.ts',
    'test/examples/library-example.test.ts',
    'test/examples/client-example.test.ts',
    'test/directory/file-crash.test.ts',
    'test/http/shutdown-process.test.ts',
    'test/workers/workers.test.ts',
    'test/security/workers-kill-switch.property.test.ts',
    // As the node user (uid 1000) when run as root: the laid-out image is read-only to it.
    'test/deploy/image-layout.test.ts',
  ],
  // Only Node, but slow: thousands of requests through a whole running instance (~40 s).
  'a running instance for the whole generated org-boundary suite over HTTP': [
    'test/evidence/boundary-http.test.ts',
  ],
};

/** Every integration-tier test file (paths from the repository root). */
export const INTEGRATION_FILES: readonly string[] = Object.values(NEEDS).flat();
