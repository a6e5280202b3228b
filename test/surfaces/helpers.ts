/** Shared by the surface tests: an app over a private copy of the fixture directory (writes land there). */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app.js';
import { FIXTURE_DIRECTORY, startTestApp, type TestAppOptions } from '../support/app.js';

export interface SurfaceApp {
  app: App;
  url: string;
  stop(): Promise<void>;
}

/** A running app whose file directory is a fresh copy of the fixture, removed on stop. */
export async function startSurfaceApp(options: TestAppOptions = {}): Promise<SurfaceApp> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orgwarden-surfaces-'));
  const directoryFile = path.join(dir, 'directory.yaml');
  await copyFile(FIXTURE_DIRECTORY, directoryFile);
  const { app, url } = await startTestApp({ directoryFile, ...options });
  return {
    app,
    url,
    async stop() {
      await app.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Counts policy evaluations by wrapping the active engine's `evaluate` (the real WASM underneath). */
export function countEvaluations(app: App): { readonly count: number; reset(): void } {
  const engine = app.policy.current();
  if (!engine) throw new Error('no active policy');
  let count = 0;
  app.policy.swap({
    ...engine,
    evaluate(input) {
      count += 1;
      return engine.evaluate(input);
    },
  });
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
  };
}
