/**
 * The files of the decision explorer page (`ui/` at the package root: plain HTML, one ES module,
 * one stylesheet; no build step): read once, at start, from the package root like the OpenAPI
 * document, so the installed package and the image serve the page they ship. A package without
 * them does not start while `ui.enabled` is true.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from './openapi-document.js';

/** Each file the page needs, by the name it is served under (`/ui/<name>`; `''` is the page). */
const UI_FILES = {
  '': { file: 'index.html', type: 'text/html; charset=utf-8' },
  'explorer.js': { file: 'explorer.js', type: 'text/javascript; charset=utf-8' },
  'explorer.css': { file: 'explorer.css', type: 'text/css; charset=utf-8' },
} as const;

export type UiAssetName = keyof typeof UI_FILES;

interface UiAsset {
  readonly type: string;
  readonly body: Buffer;
}

export type UiAssets = Readonly<Record<UiAssetName, UiAsset>>;

export async function loadUiAssets(dir = path.join(packageRoot(), 'ui')): Promise<UiAssets> {
  const read = async (name: UiAssetName): Promise<UiAsset> => {
    const { file, type } = UI_FILES[name];
    const where = path.join(dir, file);
    try {
      return { type, body: await readFile(where) };
    } catch (err) {
      throw new Error(
        `cannot read the explorer page's file ${where} (ui.enabled: false turns the page off): ${(err as Error).message}`,
        { cause: err },
      );
    }
  };
  return {
    '': await read(''),
    'explorer.js': await read('explorer.js'),
    'explorer.css': await read('explorer.css'),
  };
}
