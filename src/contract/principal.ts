/** What authentication proves about the caller. Identity is resolved before authorization. */
export type PrincipalKind = 'session' | 'api_token';

export interface Principal {
  /** `sub`: user id (sessions) or token id (API tokens). */
  id: string;
  kind: PrincipalKind;
  /** API tokens: scopes from the space-separated `scope` claim. Sessions: empty. */
  scopes: string[];
  /**
   * API tokens: the orgs the token is bound to (`org_id` / `org_ids`; neither = [default org]).
   * Sessions: null (sessions are bound by membership, not by the token).
   */
  bound_orgs: string[] | null;
  /** Sessions: `auth_time` claim (seconds since epoch), else null. */
  auth_time: number | null;
}

/** Stable codes for every way authentication fails; they become `detail` of `unauthenticated`. */
export type AuthErrorCode =
  | 'token_missing'
  | 'token_too_large'
  | 'token_malformed'
  | 'algorithm_not_allowed'
  | 'key_not_found'
  | 'keys_unavailable'
  | 'signature_invalid'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_issued_in_future'
  | 'token_too_old'
  | 'claim_missing'
  | 'claim_invalid'
  /** `sub` is a string but not a canonical user id (src/contract/ids.ts). */
  | 'sub_malformed'
  /** `org_id` / `org_ids` name a string that is not an acceptable org id. */
  | 'org_id_malformed'
  /** `auth_time` is later than now plus the clock tolerance. */
  | 'auth_time_in_future'
  | 'header_not_allowed';
