/**
 * The AuthZEN Policy Decision Point metadata (Authorization API 1.0, section 10), served at
 * `/.well-known/authzen-configuration`. `policy_decision_point` is the configured base URL
 * (`authzen.base_url`), which a PEP compares with the identifier it derived the well-known URL
 * from; the endpoints are that base followed by the specification's default paths. Only the
 * endpoints orgwarden serves are listed: the search APIs are absent, which tells a PEP they are
 * not supported.
 */
export const EVALUATION_PATH = '/access/v1/evaluation';
export const EVALUATIONS_PATH = '/access/v1/evaluations';
export const METADATA_PATH = '/.well-known/authzen-configuration';

export interface AuthzenMetadata {
  policy_decision_point: string;
  access_evaluation_endpoint: string;
  access_evaluations_endpoint: string;
}

export function authzenMetadata(baseUrl: string): AuthzenMetadata {
  return {
    policy_decision_point: baseUrl,
    access_evaluation_endpoint: `${baseUrl}${EVALUATION_PATH}`,
    access_evaluations_endpoint: `${baseUrl}${EVALUATIONS_PATH}`,
  };
}
