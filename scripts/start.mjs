#!/usr/bin/env node
// `npm start`: serves the example config. With the pinned OPA installed it compiles policies/ at
// start and on every change (examples/orgwarden.yaml, policy.dir), so policy edits are live; without
// OPA it serves the committed prebuilt bundle (examples/orgwarden-prebuilt.yaml), which is refused
// when policies/ has changed since it was built. ORGWARDEN_START_POLICY=dir|prebuilt forces a choice.
// Extra arguments go to `orgwarden serve` (e.g. npm start -- --port 9000). Plain Node ESM.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { findInstalledOpa, OPA_VERSION, REPO } from './lib/opa-pin.mjs';
import { prebuiltFreshness } from './lib/prebuilt-policy.mjs';

const CONFIGS = {
  dir: path.join('examples', 'orgwarden.yaml'),
  prebuilt: path.join('examples', 'orgwarden-prebuilt.yaml'),
};
// A development-only HS256 secret, so `npm run token` and `npm start` agree out of the box.
const DEV_SECRET = 'orgwarden-dev-secret-not-for-production-0123456789';

function choosePolicy() {
  const forced = process.env.ORGWARDEN_START_POLICY;
  if (forced !== undefined && !(forced in CONFIGS)) {
    throw new Error(
      `ORGWARDEN_START_POLICY must be "dir" or "prebuilt", not ${JSON.stringify(forced)}`,
    );
  }
  if (forced === 'dir') return 'dir';
  if (forced !== 'prebuilt') {
    const opa = findInstalledOpa();
    if (opa) {
      console.error(
        `npm start: compiling policies/ with opa ${opa.version} (${opa.bin}); policy edits reload live`,
      );
      return 'dir';
    }
  }
  const freshness = prebuiltFreshness();
  if (!freshness.fresh)
    throw new Error(`OPA v${OPA_VERSION} is not installed and ${freshness.reason}`);
  console.error(
    `npm start: serving the prebuilt policy bundle (revision ${freshness.record.revision}); OPA is needed only to edit policies`,
  );
  return 'prebuilt';
}

function main() {
  let choice;
  try {
    choice = choosePolicy();
  } catch (error) {
    console.error(`npm start: ${error.message}`);
    process.exitCode = 1;
    return;
  }
  // an empty ORGWARDEN_JWT_SECRET counts as unset
  const secret = process.env.ORGWARDEN_JWT_SECRET;
  const child = spawn(
    process.execPath,
    [
      path.join('dist', 'cli', 'main.js'),
      'serve',
      '--config',
      CONFIGS[choice],
      ...process.argv.slice(2),
    ],
    {
      cwd: REPO,
      stdio: 'inherit',
      // Its own process group: a terminal's Ctrl-C reaches only this process, which passes it on once
      // (a second SIGINT would end the sidecar before it drains).
      detached: true,
      env: {
        ...process.env,
        ORGWARDEN_JWT_SECRET: secret === undefined || secret === '' ? DEV_SECRET : secret,
      },
    },
  );
  // The sidecar drains on the first SIGTERM/SIGINT and reloads on every SIGHUP: pass them on that
  // way, and exit as it does.
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    child.kill(signal);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => child.kill('SIGHUP'));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

main();
