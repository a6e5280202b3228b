/**
 * How the Redis plumbing reports connection trouble: one call per event, never per command. The
 * owner of the connections (the directory store, the kill switch) injects its own logger, which
 * adds its component name.
 */
export type RedisLogLevel = 'info' | 'warn' | 'error';
export type RedisLogger = (level: RedisLogLevel, message: string, fields?: Record<string, unknown>) => void;

/** One JSON line per event on stderr (stdout belongs to the decision log). */
export function stderrLogger(component: string): RedisLogger {
  return (level, message, fields) => {
    process.stderr.write(`${JSON.stringify({ level, component, msg: message, ...fields })}\n`);
  };
}
