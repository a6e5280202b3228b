/**
 * Reads a JSON request body with the contract's rules: a JSON content type (else 415), a size cap
 * checked against Content-Length up front and against the bytes actually received (else 413),
 * well-formed JSON (else 400) and well-formed Unicode in every string, keys included, at any depth
 * (else 400). Never a 500 for bad input.
 *
 * Every body orgwarden reads (decision routes, surfaces, directory writes, admin) comes through
 * here, so no string that is not well-formed Unicode gets past the HTTP layer, including bodies
 * that have no schema of their own: a lone surrogate (`"\ud800"` is valid JSON) would otherwise
 * reach the policy, whose JSON reader aborts on it. The message is the one `parseDocument`
 * (contract/parse-document.ts) gives for the same document, from the same function.
 */
import type { IncomingMessage } from 'node:http';
import { malformedUnicode } from '../contract/document-hazards.js';
import { ApiError } from './errors.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const type = req.headers['content-type'];
    if (!type || !JSON_TYPE.test(type)) {
      req.resume();
      reject(new ApiError('unsupported_media_type', 'content type must be application/json')); return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      reject(new ApiError('payload_too_large', `request body exceeds ${maxBytes} bytes`)); return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        chunks.length = 0;
        reject(new ApiError('payload_too_large', `request body exceeds ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (!failed) reject(new ApiError('invalid_request', 'request body could not be read'));
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks, size).toString('utf8');
      if (text.trim() === '') { reject(new ApiError('invalid_request', 'request body is empty')); return; }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        reject(new ApiError('invalid_request', 'request body is not valid JSON')); return;
      }
      const malformed = malformedUnicode(parsed, 'request body');
      if (malformed !== null) { reject(new ApiError('invalid_request', malformed)); return; }
      resolve(parsed);
    });
  });
}
