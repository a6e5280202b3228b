/**
 * Closed label sets that components report in and metrics count by. Every value a component can
 * report is listed here, so metrics can create each series at zero and map anything else to `other`.
 */

/** Forward-auth refusals before any decision: the request could not be mapped to one. */
export const REQUEST_REFUSALS = [
  'invalid_request',
  'invalid_path',
  'unknown_route',
  'org_mismatch',
] as const;
export type RequestRefusal = (typeof REQUEST_REFUSALS)[number];

/**
 * Directory cache layers: `memory` = the in-process cache, `redis` = the record was (hit) or was
 * not (miss) in Redis, `http` = pull mode's cache of main API answers (miss: the main API was asked).
 */
export const CACHE_LAYERS = ['memory', 'redis', 'http'] as const;
type CacheLayer = (typeof CACHE_LAYERS)[number];
export const CACHE_OUTCOMES = ['hit', 'miss'] as const;
type CacheOutcome = (typeof CACHE_OUTCOMES)[number];

/** Cache outcome per lookup, for the "directory cache hits and misses by layer" metric. */
export type CacheStats = (layer: CacheLayer, outcome: CacheOutcome) => void;
