/**
 * The one logger type every component takes (operational log; the decision log has its own
 * sink). The composition root builds one and hands each component a child naming it.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * A component's fallback when it was given no logger: one JSON line per event on stderr (stdout
 * belongs to the decision log), tagged with the component.
 */
export function stderrLogger(component: string): Logger {
  const emit = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    process.stderr.write(`${JSON.stringify({ level, component, msg, ...fields })}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A logger that adds `fields` (e.g. `{component: 'directory'}`) to every line of `logger`. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const emit = (level: LogLevel) => (msg: string, more?: Record<string, unknown>) =>
    logger[level](msg, { ...fields, ...more });
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A logger that writes nothing: the default where a log is optional. */
const discard = (): void => undefined;
export const silentLogger: Logger = {
  debug: discard,
  info: discard,
  warn: discard,
  error: discard,
};
