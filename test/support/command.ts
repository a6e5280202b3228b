/**
 * Running the `orgwarden` command as an operator does: a real process from the built `dist/`
 * (global setup builds it). Every child started here is tracked and killed by `killAll`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve('dist', 'cli', 'main.js');

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Served {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything the process wrote to stderr so far. */
  logs: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export function createCommandRunner(options: { main?: string; env?: Record<string, string> } = {}) {
  const main = options.main ?? MAIN;
  const children: ChildProcess[] = [];
  const start = (args: string[], env: Record<string, string>) => {
    const child = spawn(process.execPath, [main, ...args], {
      env: { ...process.env, ...options.env, ...env },
    });
    children.push(child);
    return child;
  };
  return {
    /** Runs to completion and collects the output. */
    run: (args: string[], env: Record<string, string> = {}): Promise<CommandResult> => {
      const child = start(args, env);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      return new Promise((resolve) =>
        child.on('exit', (code) => resolve({ code, stdout, stderr })),
      );
    },
    /** `serve --config FILE --port N` (0: any free port), resolved once it logs that it is listening. */
    serve: (config: string, env: Record<string, string> = {}, port = 0): Promise<Served> => {
      const child = start(['serve', '--config', config, '--port', String(port)], env);
      child.stdout.resume();
      let logs = '';
      const exited = new Promise<number | null>((resolve) =>
        child.once('exit', (code) => resolve(code)),
      );
      return new Promise((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          logs += d.toString();
          const m = /"msg":"listening".*"port":(\d+)/.exec(logs);
          if (m) {
            const port = Number(m[1]);
            resolve({ child, port, url: `http://127.0.0.1:${port}`, logs: () => logs, exited });
          }
        });
        child.once('exit', (code) =>
          reject(new Error(`orgwarden exited with ${String(code)}: ${logs}`)),
        );
      });
    },
    killAll(): void {
      for (const child of children.splice(0)) child.kill('SIGKILL');
    },
  };
}
