/** Builds the decision log the config asks for (`decision_log`), or none with `sink: none`. */
import type { Writable } from 'node:stream';
import type { DecisionLogConfig } from './config.js';
import { createDecisionLog, type DecisionLog } from './decision-log.js';
import { fileSink, streamSink } from './decision-log-sink.js';
import { errorFields } from './logger.js';
import { type Logger } from '../contract/logger.js';
import type { DecisionLogCounters } from './metrics.js';

/** How long stopping the app waits for the sink to confirm what is still buffered. */
export const DECISION_LOG_CLOSE_TIMEOUT_MS = 2000;

export interface OpenDecisionLogDeps {
  counters: DecisionLogCounters;
  logger: Logger;
  /** The stream of `sink: stdout`. */
  stdout: Writable;
  random?: () => number;
}

export async function openDecisionLog(
  config: DecisionLogConfig,
  deps: OpenDecisionLogDeps,
): Promise<DecisionLog | null> {
  if (config.sink === 'none') return null;
  if (config.sink === 'file' && config.file === undefined)
    throw new TypeError('decision_log.file is required with sink: file');
  const sink =
    config.sink === 'file'
      ? await fileSink(config.file as string)
      : streamSink(deps.stdout, { end: false });
  const { logger } = deps;
  return createDecisionLog(
    {
      bufferEntries: config.buffer_entries,
      bufferBytes: config.buffer_bytes,
      sampleAllowsOneIn: config.sample_allows_one_in,
    },
    {
      sink,
      counters: deps.counters,
      ...(deps.random ? { random: deps.random } : {}),
      onSinkState: (state) =>
        state.failing
          ? logger.warn('decision log sink is failing; entries are being dropped', {
              sink: config.sink,
              ...errorFields(state.error),
            })
          : logger.info('decision log sink recovered', { sink: config.sink }),
    },
  );
}
