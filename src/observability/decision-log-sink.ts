/**
 * Where decision log lines go: a stream (stdout) or an append-only file. A sink confirms each
 * chunk through `done` once the stream has handed it to the operating system, or with the error
 * that stopped it; the decision log waits for that confirmation, so a sink that stops confirming
 * (a stuck pipe, a full disk) only fills the log's bounded buffer.
 *
 * On Linux a write to stdout that is a full pipe does not block the process: Node queues it and
 * the confirmation waits, which is exactly the back-pressure the decision log needs.
 */
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';

export interface DecisionLogSink {
  write(chunk: string, done: (err?: Error | null) => void): void;
  /** Releases the sink; gives up waiting after the deadline. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * A sink over a stream. `end: false` for a stream the process keeps (stdout): it is never ended.
 * Either way an `error` listener is attached while the sink lives, so a broken pipe is counted as
 * failed writes instead of crashing the process.
 */
export function streamSink(stream: Writable, options: { end: boolean }): DecisionLogSink {
  const ignore = () => {
    // failures reach the writes' callbacks; the listener only keeps the error from being fatal
  };
  stream.on('error', ignore);
  return {
    write(chunk, done) {
      if (stream.destroyed || stream.writableEnded) {
        done(new Error('decision log stream is closed'));
        return;
      }
      stream.write(chunk, (err) => done(err ?? null));
    },
    async close(timeoutMs) {
      if (options.end && !stream.destroyed) await endWithin(stream, timeoutMs);
      stream.off('error', ignore);
    },
  };
}

/** An append-only file, created with mode 0640 when missing. Opening it is checked at start. */
export async function fileSink(file: string): Promise<DecisionLogSink> {
  const handle = await open(file, 'a', 0o640);
  return streamSink(handle.createWriteStream(), { end: true });
}

function endWithin(stream: Writable, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      stream.destroy();
      finish();
    }, timeoutMs);
    stream.end(finish);
  });
}
