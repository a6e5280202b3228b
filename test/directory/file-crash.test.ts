/**
 * The file store without Redis, as an operator runs it (the built CLI): a process killed in the
 * middle of a write-back through the directory API leaves the old file intact, and the next start
 * serves it. The kill is timed by watching the folder: SIGKILL goes out the moment the temp file
 * of the write-back appears, i.e. after the write started and (when the race is won) before the
 * rename. Whichever moment the kill lands, the file must be the old one or the new one, never a mix.
 */
import { watch } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseDirectoryYaml } from '../../src/directory/load-file.js';
import { postJson, session, testConfigDoc } from '../support/app.js';
import { createCommandRunner } from '../support/command.js';
import { TEST_SECRET, TEST_SECRET_ENV } from '../support/tokens.js';
import { tempDir, type TempDir } from './helpers.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const TEMP_FILE = /^\.directory\.yaml\.[0-9a-f]+\.tmp$/;

let tmp: TempDir;
let file: string;
let config: string;
const orgwarden = createCommandRunner({
  env: { [TEST_SECRET_ENV]: TEST_SECRET, ORGWARDEN_ADMIN_TOKEN: ADMIN_TOKEN },
});
const serve = () => orgwarden.serve(config);

beforeEach(async () => {
  tmp = await tempDir();
  // Big enough (about half a MB) that writing and syncing the temp file takes a moment.
  const orgs = Array.from({ length: 4_000 }, (_, i) => ({
    id: `org-${i}`,
    status: 'active',
    members: [
      { user: `owner-${i}`, role: 'owner' },
      { user: `editor-${i}`, role: 'editor' },
      { user: 'shared-viewer', role: 'viewer' },
    ],
  }));
  file = await tmp.file('directory.yaml', stringify({ orgs }));
  config = path.join(tmp.dir, 'orgwarden.yaml');
  await writeFile(
    config,
    stringify({ ...testConfigDoc({ directoryFile: file }), decision_log: { sink: 'none' } }),
  );
});

afterEach(async () => {
  orgwarden.killAll();
  await tmp.remove();
});

const memberWrite = (url: string, user: string) =>
  fetch(`${url}/v1/directory/orgs/org-7/members/${user}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'admin' }),
  });

describe('file store: a crash during a write-back', () => {
  it('leaves the old file intact (or the complete new one), and the next start serves it', async () => {
    const original = await readFile(file, 'utf8');
    const outcomes: string[] = [];
    // Each attempt kills the server at the moment its temp file appears; the race is usually won
    // (the kill lands before the rename), and every attempt must leave a whole file either way.
    for (let attempt = 0; attempt < 5 && !outcomes.includes('killed mid-write'); attempt++) {
      const before = await readFile(file, 'utf8');
      const { child, url, exited } = await serve();
      const watcher = watch(tmp.dir, (_event, name) => {
        if (name && TEMP_FILE.test(name)) child.kill('SIGKILL');
      });
      try {
        await memberWrite(url, `crash-${attempt}`).catch(() => undefined); // the connection dies with the process
        child.kill('SIGKILL'); // in case the write finished before the kill
        await exited;
      } finally {
        watcher.close();
      }
      const after = await readFile(file, 'utf8');
      const leftovers = (await readdir(tmp.dir)).filter((name) => TEMP_FILE.test(name));
      if (after === before) {
        outcomes.push(leftovers.length > 0 ? 'killed mid-write' : 'killed before the write');
      } else {
        const acme = parseDirectoryYaml(after, 'default', 'after the crash').find(
          (o) => o.id === 'org-7',
        );
        expect(acme?.members.at(-1)).toEqual({ user: `crash-${attempt}`, role: 'admin' }); // the whole new file
        outcomes.push('killed after the rename');
      }
    }
    console.log(`crash attempts: ${outcomes.join(', ')}`);
    expect(outcomes).toContain('killed mid-write');

    // The next start serves the file as the crash left it, removes the stray temp files, and
    // writes again.
    const { url } = await serve();
    expect((await readdir(tmp.dir)).filter((name) => TEMP_FILE.test(name))).toEqual([]);
    expect((await memberWrite(url, 'after-restart')).status).toBe(200);
    const decision = await postJson(`${url}/v1/authorize`, {
      token: await session('after-restart'),
      org: 'org-7',
      action: 'org.update',
    });
    expect(decision.json).toMatchObject({ allow: true });
    const final = parseDirectoryYaml(await readFile(file, 'utf8'), 'default', 'final');
    expect(final).toHaveLength(parseDirectoryYaml(original, 'default', 'original').length);
  });
});
