/**
 * Where the route manifest comes from and loading it at start. `policy.routes` names it; without
 * it, `<policy.dir>/routes.yaml` is used when that file exists. A prebuilt bundle carries no
 * manifest, so with `policy.bundle` it must be named. With no manifest, forward-auth still
 * answers — it denies every request (`unknown_route`) — and the start log says why.
 *
 * A manifest that is named (or present) but unreadable or invalid stops the start: the process
 * never serves forward-auth from a manifest nobody reviewed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PolicyConfig } from '../../policy-rollout/config.js';
import { parseRouteManifest, RouteManifestError } from './manifest.js';
import { catalogueFromPolicyData } from '../../contract/policy-catalogue.js';
import type { RouteTable } from './route-table.js';

const DEFAULT_MANIFEST_NAME = 'routes.yaml';

interface ManifestSource {
  file: string;
  /** Named by `policy.routes` (must exist) rather than found beside `policy.dir`. */
  explicit: boolean;
}

/** The keys of `policy` that say where the manifest is. */
type ManifestKeys = Pick<PolicyConfig, 'dir' | 'bundle' | 'routes'>;

function manifestSource(policy: ManifestKeys): ManifestSource | null {
  if (policy.routes) return { file: policy.routes, explicit: true };
  if (policy.dir) return { file: path.join(policy.dir, DEFAULT_MANIFEST_NAME), explicit: false };
  return null;
}

export interface LoadedManifest {
  table: RouteTable | null;
  /** Where it came from, or why there is none (for the start log). */
  source: string;
}

/** Loads the manifest for `policy`, validating actions against the loaded policy's catalogue. */
export async function loadForwardAuthManifest(
  policy: ManifestKeys,
  policyData: Record<string, unknown>,
): Promise<LoadedManifest> {
  const source = manifestSource(policy);
  if (!source) return { table: null, source: 'none: policy.bundle without policy.routes' };
  let text: string;
  try {
    text = await readFile(source.file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT' && !source.explicit)
      return { table: null, source: `none: no ${DEFAULT_MANIFEST_NAME} in policy.dir` };
    throw new RouteManifestError(source.file, [
      { path: '', message: `cannot read the route manifest (${code})` },
    ]);
  }
  const catalogue = catalogueFromPolicyData(policyData);
  if (!catalogue)
    throw new RouteManifestError(source.file, [
      {
        path: '',
        message: 'the loaded policy has no action catalogue to check the routes against',
      },
    ]);
  return { table: parseRouteManifest(text, source.file, catalogue), source: source.file };
}
