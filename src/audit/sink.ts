/**
 * Where audit lines go: stderr (stdout is the decision log's), an append-only file, or nowhere.
 * A write resolves once the stream has handed the line to the operating system and rejects with
 * the error that stopped it; the audit log waits for that, so a sink that stops confirming (a
 * stuck pipe, a full disk) fills the log's bounded buffer and admin changes are refused with 503.
 */
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { AuditConfig } from './config.js';

export interface AuditSink {
  write(line: string): Promise<void>;
  close(): Promise<void>;
}

/** A sink over a stream; `end: false` for a stream the process keeps (stderr). */
function streamAuditSink(stream: Writable, options: { end: boolean }): AuditSink {
  const ignore = () => {
    // failures reach the writes' callbacks; the listener only keeps the error from being fatal
  };
  stream.on('error', ignore);
  return {
    write(line) {
      return new Promise<void>((resolve, reject) => {
        if (stream.destroyed || stream.writableEnded) {
          reject(new Error('audit log stream is closed'));
          return;
        }
        stream.write(`${line}\n`, (err) => {
          if (err) reject(err);
          else resolve();
        });
      });
    },
    async close() {
      if (options.end && !stream.destroyed)
        await new Promise<void>((resolve) => stream.end(resolve));
      stream.off('error', ignore);
    },
  };
}

export async function openAuditSink(
  config: AuditConfig,
  deps: { stderr: Writable },
): Promise<AuditSink> {
  if (config.sink === 'none')
    return { write: () => Promise.resolve(), close: () => Promise.resolve() };
  if (config.sink === 'stderr') return streamAuditSink(deps.stderr, { end: false });
  const file = config.file;
  if (file === undefined) throw new TypeError('audit.file: is required with sink: file');
  const handle = await open(file, 'a', 0o640).catch((err: unknown) => {
    throw new Error(
      `audit.file: cannot open ${file} for appending: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  return streamAuditSink(handle.createWriteStream(), { end: true });
}
