/**
 * The JSON bodies orgwarden's HTTP API answers with, as a test reads them: one shape holding the
 * fields the decision, batch, surface, directory and management routes send, each optional
 * because each route sends only some. It types what the wire carries, not what the code promises:
 * a test names the field it expects, and a missing field reads as undefined and fails that
 * assertion as a wrong value would.
 */

/** The `error` object of a refused API request (see docs/api.md). */
interface ApiError {
  code: string;
  message: string;
  /** The refined code when `code` is the public one it maps to. */
  reason?: string;
  /** Further fields some errors carry (`step` of a rejected policy, ...). */
  [field: string]: string | undefined;
}

export interface ResponseBody {
  // a decision (and each item of a batch)
  allow?: boolean;
  reason?: string;
  status?: number;
  decision_id?: string;
  detail?: string;
  effective_org?: string;
  role?: string;
  spoof?: boolean;
  multi_tenant?: boolean;
  policy_revision?: string;
  // a refusal
  error?: ApiError;
  // POST /v1/authorize/batch
  results?: ResponseBody[];
  // POST /v1/events/filter
  allowed?: string[];
  denied?: { id: string; reason: string }[];
  // GET /v1/features
  orgs?: { id: string; role: string }[];
  // POST /v1/jobs/authorize
  principal?: { id: string; kind: string };
  // the directory API and its seed
  revision?: number | string;
  members?: { user: string; role: string }[];
  written?: number;
  // the policy shadow admin route
  shadow?: Record<string, unknown>;
}

/** A forward-auth answer's body: the refusal code as a string, and its message. */
export interface ForwardAuthBody {
  error?: string;
  message?: string;
  /** Set by the test upstream behind a gateway when a request got through. */
  upstream?: boolean;
}
