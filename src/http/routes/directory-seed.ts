/**
 * The operator's side of seeding a shared (Redis) directory, with the admin token:
 *
 *   GET  /v1/admin/directory/seed   → {"state", "reason"}  (ready | unavailable | held | awaiting_confirmation)
 *   POST /v1/admin/directory/seed   {"source": "file" | "empty"}
 *                                   → {"source", "written", "skipped", "state", "reason"}
 *
 * Invariants:
 * - The admin guard runs before the body is read; a refused or malformed request changes nothing.
 * - `source` is required: the operator states whether this replica's `directory.file` is written
 *   (into a prefix that holds no directory) or nothing is (the main API re-pushes the directory).
 * - A prefix already in service is 409 and nothing is written; without Redis there is no seed (409).
 * - An unreadable or invalid directory file is 400 naming the file's problem; Redis failing is 503.
 */
import type { Router } from 'express';
import { InvalidDirectoryError } from '../directory/errors.js';
import { SeedNotNeededError } from '../directory/redis-seed.js';
import { DirectoryUnavailableError, type DirectoryStore } from '../directory/types.js';
import type { AdminGuard } from './admin-auth.js';
import { ApiError, sendError, sendJson } from './errors.js';
import { readJsonBody } from './json-body.js';

const PATH = '/v1/admin/directory/seed';
const MAX_BODY_BYTES = 1024;
const SOURCES = ['file', 'empty'] as const;

export interface DirectorySeedRoutesDeps {
  directory: DirectoryStore;
  adminGuard: AdminGuard;
  /** Where the detail of a failure goes (clients get a generic message). */
  warn: (message: string, fields: Record<string, unknown>) => void;
}

export function directorySeedRoutes(deps: DirectorySeedRoutesDeps) {
  const { directory, adminGuard } = deps;
  const noRedis = () => new ApiError('conflict', 'the directory is not in redis (no redis configured): directory.file is the directory itself, there is nothing to seed');

  return (router: Router) => {
    router.get(PATH, adminGuard, (_req, res) => {
      if (!directory.seeding) throw noRedis();
      sendJson(res, 200, directory.seeding.status());
    });

    router.post(PATH, adminGuard, async (req, res) => {
      const source = parseSeedBody(await readJsonBody(req, MAX_BODY_BYTES));
      if (!directory.seeding) throw noRedis();
      try {
        const report = await directory.seeding.confirm(source);
        sendJson(res, 200, { ...report, ...directory.seeding.status() });
      } catch (err) {
        if (err instanceof SeedNotNeededError) throw new ApiError('conflict', `${err.message}`);
        if (err instanceof InvalidDirectoryError) throw new ApiError('invalid_request', `directory.file: ${err.message}; nothing was written`);
        if (err instanceof DirectoryUnavailableError) {
          deps.warn('directory seed failed: store unavailable', { error: err.message });
          throw new ApiError('unavailable', 'redis did not complete the seed; retry (a seed never overwrites a record)');
        }
        throw err;
      }
    });

    router.all(PATH, (req, res) => {
      req.resume();
      sendError(res, new ApiError('method_not_allowed', `${req.method} is not allowed on ${PATH}`), { allow: 'GET, POST' });
    });
  };
}

/** Exactly `{"source": "file" | "empty"}`. */
export function parseSeedBody(body: unknown): 'file' | 'empty' {
  const shape = 'body must be {"source": "file" | "empty"}';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('invalid_request', shape);
  const unknown = Object.keys(body).filter((key) => key !== 'source');
  if (unknown.length > 0) throw new ApiError('invalid_request', `unknown field ${JSON.stringify(unknown[0])}; ${shape}`);
  const source = (body as Record<string, unknown>).source;
  if (source === undefined) throw new ApiError('invalid_request', `source is required; ${shape}`);
  if (typeof source !== 'string' || !(SOURCES as readonly string[]).includes(source))
    throw new ApiError('invalid_request', `source must be "file" or "empty", got ${JSON.stringify(source)}`);
  return source as 'file' | 'empty';
}
