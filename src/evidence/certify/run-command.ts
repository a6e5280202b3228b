/**
 * Runs one external tool of a step (opa, promtool, git) with the step's deadline, and says how it
 * ended: its exit code and output, that it timed out, or that it could not be started.
 */
import { execFile } from 'node:child_process';

export interface CommandOutcome {
  /** null when it never ran to an exit (not found, timed out, killed). */
  readonly exit: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** Set when it could not be started (ENOENT, EACCES). */
  readonly startError?: string;
  /** Its output passed the capture limit and was cut short. */
  readonly truncated?: boolean;
}

const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

export function runCommand(
  file: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs: number },
): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      {
        cwd: options.cwd,
        timeout: options.timeoutMs,
        maxBuffer: MAX_OUTPUT_BYTES,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        if (!err) {
          resolve({ exit: 0, stdout, stderr, timedOut: false });
          return;
        }
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
          resolve({ exit: null, stdout, stderr, timedOut: false, truncated: true });
        else if (typeof e.code === 'string')
          resolve({
            exit: null,
            stdout,
            stderr,
            timedOut: false,
            startError: `${file}: ${e.code}`,
          });
        else if (e.killed === true) resolve({ exit: null, stdout, stderr, timedOut: true });
        else
          resolve({
            exit: typeof e.code === 'number' ? e.code : 1,
            stdout,
            stderr,
            timedOut: false,
          });
      },
    );
  });
}

/** The first lines of a tool's output, for a one-line reason. */
export function firstLines(text: string, count = 3): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, count)
    .join(' | ');
}
