/**
 * "Files changed" of the report: `git diff --name-status <since>` run in the config's folder,
 * policy and config files first. Outside a git repository, or without --since, there is no list.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FileChange {
  /** As git prints it, relative to the repository root. */
  readonly path: string;
  /** `A`, `M`, `D`, `R`, … (git's letter). */
  readonly status: string;
  readonly kind: 'policy' | 'config' | 'other';
  readonly reason: string;
}

const VERBS: Readonly<Record<string, string>> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'type changed',
};

/** Which files count as policy and which as config, as absolute paths. */
export interface FileKinds {
  readonly policyDirs: readonly string[];
  readonly configFiles: readonly string[];
}

/** Parses `git diff --name-status` output; paths are joined to `root` to classify them. */
export function parseNameStatus(text: string, root: string, kinds: FileKinds): FileChange[] {
  const changes = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line): FileChange => {
      const [code = '', ...paths] = line.split('\t');
      const letter = code.charAt(0);
      const file = paths.at(-1) ?? '';
      const kind = kindOf(path.resolve(root, file), kinds);
      const verb = VERBS[letter] ?? `changed (${code})`;
      const from = letter === 'R' || letter === 'C' ? ` from ${paths[0] ?? '?'}` : '';
      return { path: file, status: letter, kind, reason: `${verb}${from} (${kind} file)` };
    });
  const order = { policy: 0, config: 1, other: 2 } as const;
  return changes.sort((a, b) => order[a.kind] - order[b.kind] || a.path.localeCompare(b.path));
}

function kindOf(file: string, kinds: FileKinds): FileChange['kind'] {
  if (kinds.policyDirs.some((dir) => file === dir || file.startsWith(dir + path.sep)))
    return 'policy';
  if (file.endsWith('.rego')) return 'policy';
  if (kinds.configFiles.includes(file)) return 'config';
  return 'other';
}

export type FilesChangedOutcome =
  | { readonly ok: true; readonly changes: readonly FileChange[] | null; readonly note?: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The changes since `since` in the repository holding `dir`; `changes: null` when `since` is
 * unset or `dir` is not in a git repository. A ref git does not know is a usage problem.
 */
export async function filesChangedSince(
  dir: string,
  since: string | undefined,
  kinds: FileKinds,
  timeoutMs: number,
): Promise<FilesChangedOutcome> {
  if (since === undefined) return { ok: true, changes: null, note: 'no --since' };
  let root: string;
  try {
    root = (
      await run('git', ['rev-parse', '--show-toplevel'], { cwd: dir, timeout: timeoutMs })
    ).stdout.trim();
  } catch {
    return { ok: true, changes: null, note: `${dir} is not in a git repository` };
  }
  try {
    const { stdout } = await run('git', ['diff', '--name-status', since, '--'], {
      cwd: root,
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { ok: true, changes: parseNameStatus(stdout, root, kinds) };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim().split('\n')[0];
    return {
      ok: false,
      reason: `git diff --name-status ${since} failed: ${stderr ?? String(err)}`,
    };
  }
}
