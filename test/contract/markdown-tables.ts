/** Reading the vocabulary tables of the docs, so tests can hold them to the catalogue data. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const doc = (name: string): string => readFileSync(path.resolve('docs', name), 'utf8');

/** Rows of the first markdown table after `heading` whose first cell is a `code` span: code → the second cell. */
export function codeTable(markdown: string, heading: string): Map<string, string> {
  const start = markdown.indexOf(heading);
  if (start === -1) throw new Error(`docs: no section "${heading}"`);
  const rows = new Map<string, string>();
  let inTable = false;
  for (const line of markdown.slice(start + heading.length).split('\n')) {
    if (line.startsWith('#')) break;
    if (!line.startsWith('|')) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const cells = /^\|\s*`([a-z_]+)`\s*\|\s*(.+?)\s*\|/.exec(line);
    if (cells?.[1] && cells[2]) rows.set(cells[1], cells[2]);
  }
  return rows;
}

/** The `code` spans of a cell, leaving out what is said in parentheses. */
export function codesIn(cell: string): string[] {
  return [...cell.replace(/\([^)]*\)/g, '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1] ?? '');
}

/** The cell after the first cell of the row of `markdown` that starts with `firstCell`. */
export function rowCell(markdown: string, firstCell: string): string {
  const line = markdown.split('\n').find((l) => l.startsWith(`| ${firstCell} |`));
  if (line === undefined) throw new Error(`docs: no table row "${firstCell}"`);
  return line.slice(`| ${firstCell} |`.length);
}
