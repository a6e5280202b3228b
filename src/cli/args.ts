import { OrgwardenError } from '../contract/errors.js';

/** Minimal `--flag value` parsing for the CLI; unknown flags are usage errors. */
export class UsageError extends OrgwardenError {
  constructor(message: string) {
    super('usage_error', message);
  }
}

export function parseFlags(
  argv: string[],
  known: Record<string, 'string' | 'boolean'>,
): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  // one iterator: an option's separate value is taken from it, so the loop skips that value
  const args = argv[Symbol.iterator]();
  for (const arg of args) {
    const [name, inline] = arg.startsWith('--')
      ? arg.slice(2).split(/=(.*)/s, 2)
      : [undefined, undefined];
    if (name === undefined) throw new UsageError(`unexpected argument "${arg}"`);
    const kind = known[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'boolean') {
      out[name] = true;
      continue;
    }
    const value = inline ?? args.next().value;
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    out[name] = value;
  }
  return out;
}

export function parsePort(value: string | boolean | undefined): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number, got "${value}"`);
  return port;
}
