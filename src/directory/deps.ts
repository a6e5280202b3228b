/**
 * What the directory stores take from their surroundings. Everything with side effects outside the
 * process (time, logging, metrics) is injected, so tests can run many stores side by side. The
 * logger is the one `Logger` (contract/logger.ts); cache stats report in the closed label sets of
 * contract/metric-labels.ts.
 */
import { stderrLogger } from '../contract/logger.js';

/** Milliseconds since the epoch. */
export type Clock = () => number;

/** The fallback when no logger is given: one JSON line per event on stderr (stdout belongs to the decision log). */
export const directoryStderrLogger = stderrLogger('directory');
