/**
 * Reloads the policy when its files change: `policy.dir` is watched recursively; for
 * `policy.bundle` the folder holding it is watched (replacing the file with a rename, the safe way
 * to publish it, gives it a new inode that a watch on the file itself would miss), and only events
 * for the bundle's name, or for Kubernetes' `..data` symlink swap, count. Events are debounced: one
 * reload after the files have been quiet for `debounceMs`.
 *
 * A watcher is a convenience, not the only way in: SIGHUP and `POST /v1/admin/policy/reload` work
 * whether or not it runs. A watcher that fails is logged and stops; it never stops the sidecar.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../contract/logger.js';
import type { PolicySource } from './policy-loader.js';

export interface PolicyWatcher {
  close(): void;
}

export function watchPolicySource(
  source: PolicySource,
  onChange: () => void,
  options: { debounceMs: number; logger: Logger },
): PolicyWatcher {
  const target = source.dir ?? path.dirname(source.bundle ?? '.');
  const name = source.bundle !== undefined ? path.basename(source.bundle) : null;
  let timer: NodeJS.Timeout | null = null;
  let watcher: FSWatcher | null = null;

  const relevant = (filename: string | null) =>
    name === null || filename === null || filename === name || filename.startsWith('..');

  try {
    watcher = watch(
      target,
      { recursive: source.dir !== undefined, persistent: false },
      (_event, filename) => {
        if (!relevant(filename)) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = null;
          onChange();
        }, options.debounceMs);
        timer.unref();
      },
    );
    watcher.on('error', (err) => {
      options.logger.warn(
        'policy watcher stopped; reload with SIGHUP or POST /v1/admin/policy/reload',
        { component: 'policy', error: err.message },
      );
      watcher?.close();
    });
  } catch (err) {
    options.logger.warn(
      'policy watcher could not start; reload with SIGHUP or POST /v1/admin/policy/reload',
      {
        component: 'policy',
        path: target,
        error: err instanceof Error ? err.message : String(err),
      },
    );
  }

  return {
    close() {
      if (timer) clearTimeout(timer);
      timer = null;
      watcher?.close();
      watcher = null;
    },
  };
}
