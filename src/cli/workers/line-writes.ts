/**
 * stdout shared by several workers (the decision log): each write is whole lines and at most
 * PIPE_BUF bytes, so the kernel never interleaves two workers' writes inside a line. (A write of at
 * most PIPE_BUF bytes to a pipe is atomic, blocking or not; a file's writes do not overlap.) A single line longer than PIPE_BUF is written alone
 * and is then the one case that could interleave on a pipe; decision log lines are far shorter
 * (every free-text field is capped).
 */
import { Writable } from 'node:stream';

/** POSIX PIPE_BUF on Linux. */
const PIPE_BUF = 4096;

/** Splits `chunk` (whole lines) into pieces of whole lines, each at most `limit` bytes when possible. */
export function lineAlignedPieces(chunk: string, limit = PIPE_BUF): string[] {
  const pieces: string[] = [];
  let piece = '';
  let pieceBytes = 0;
  let start = 0;
  while (start < chunk.length) {
    const newline = chunk.indexOf('\n', start);
    const end = newline === -1 ? chunk.length : newline + 1;
    const line = chunk.slice(start, end);
    const bytes = Buffer.byteLength(line);
    if (pieceBytes > 0 && pieceBytes + bytes > limit) {
      pieces.push(piece);
      piece = '';
      pieceBytes = 0;
    }
    piece += line;
    pieceBytes += bytes;
    start = end;
  }
  if (pieceBytes > 0) pieces.push(piece);
  return pieces;
}

/**
 * A stream over `target` that hands it line-aligned pieces of at most PIPE_BUF bytes, one at a
 * time: the next piece only once the previous one is written. Handing them over together would
 * let the target combine queued pieces into one larger write (writev) when the pipe is full, and a
 * write longer than PIPE_BUF is not atomic.
 */
export function lineAtomic(target: Writable): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      const pieces = lineAlignedPieces(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      const next = (i: number): void => {
        const piece = pieces[i];
        if (piece === undefined) {
          done();
          return;
        }
        target.write(piece, (err) => {
          if (err) done(err);
          else next(i + 1);
        });
      };
      next(0);
    },
  });
}
