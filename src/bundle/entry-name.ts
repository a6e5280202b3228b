/**
 * The names of files inside a bundle archive. Hand-written on purpose: it is small, and what it
 * accepts decides which file the policy engine, the signature check and the revision each see.
 *
 * Invariants (test/bundle/entry-name.property.test.ts):
 * - `normaliseEntryName` strips every leading "/" and "./" and nothing else, so "/policy.wasm"
 *   (OPA), "./policy.wasm" (GNU tar run on ".") and "policy.wasm" are one file; it is idempotent.
 * - `entryNameProblem` refuses, after normalising, a name that is empty, holds a control
 *   character, or has an empty, "." or ".." segment: such a name either has no file, or could
 *   name the same file as another entry to one reader and a different one to another
 *   ("a/./b.rego", "a//b.rego", "x/../policy.wasm"), or point outside the bundle root.
 * - `archiveEntryName` is what the writer stores: the normalised name from the root with one
 *   leading "/", as `opa build` writes it (OPA resolves `"module": "/policy.wasm"` literally).
 */

const LEADING_ROOT = /^(\.\/|\/)+/;
// eslint-disable-next-line no-control-regex -- an entry name with a control character (line break, NUL, DEL) is refused, so the class must name them
const CONTROL = /[\u0000-\u001f\u007f]/;

/** "/policy.wasm", "./policy.wasm" and "policy.wasm" all become "policy.wasm". */
export function normaliseEntryName(name: string): string {
  return name.replace(LEADING_ROOT, '');
}

/** Why a normalised entry name is refused, or null when it names one file under the bundle root. */
export function entryNameProblem(name: string): string | null {
  if (name === '') return 'a file without a name';
  if (CONTROL.test(name)) return `a file name with a control character: ${JSON.stringify(name)}`;
  if (name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
    return `a file name with an empty, "." or ".." segment: ${JSON.stringify(name)}`;
  return null;
}

/** The name the writer stores: from the bundle root, with one leading "/". */
export function archiveEntryName(name: string): string {
  return `/${normaliseEntryName(name)}`;
}
