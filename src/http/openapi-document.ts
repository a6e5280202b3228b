/**
 * The OpenAPI 3.1 document of this API, `openapi/orgwarden.yaml` of the package: read and parsed
 * once, at start, from the package root (never the working directory), so the installed package
 * and the image serve the document they ship. A package without it does not start.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The package root: two levels above this file's folder (src/http or dist/http). */
export const packageRoot = () =>
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the document lives in the package (package.json "files" ships the folder). */
const OPENAPI_DOCUMENT = path.join('openapi', 'orgwarden.yaml');

export type OpenApiDocument = Readonly<Record<string, unknown>>;

export async function loadOpenApiDocument(
  file = path.join(packageRoot(), OPENAPI_DOCUMENT),
): Promise<OpenApiDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the OpenAPI document ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const document: unknown = parse(text);
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new Error(`the OpenAPI document ${file} is not a YAML mapping`);
  return document as OpenApiDocument;
}
