/**
 * What the directory stores take from their surroundings. Everything with side effects outside the
 * process (time, logging, metrics) is injected, so tests can run many stores side by side.
 */

/** Milliseconds since the epoch. */
export type Clock = () => number;

export type LogLevel = 'info' | 'warn' | 'error';
export type DirectoryLogger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/**
 * Cache outcome per lookup, for the "directory cache hits and misses by layer" metric:
 * `memory` = the in-process cache, `redis` = the record was (hit) or was not (miss) in Redis,
 * `http` = pull mode's cache of main API answers (miss: the main API was asked).
 */
export type CacheStats = (layer: 'memory' | 'redis' | 'http', outcome: 'hit' | 'miss') => void;

/** One JSON line per event on stderr (stdout belongs to the decision log). */
export const stderrLogger: DirectoryLogger = (level, message, fields) => {
  process.stderr.write(`${JSON.stringify({ level, component: 'directory', msg: message, ...fields })}\n`);
};
