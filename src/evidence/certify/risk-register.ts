/**
 * Reading the risk register for the report's residual risk and gate P2. The format and its parser
 * belong to the register (`RiskParser`); this only reads the file and turns every problem into a
 * reason the report shows.
 */
import { readFile } from 'node:fs/promises';
import type { RiskEntry, RiskRegister } from './types.js';

/** Parses the register's text; throws an error naming the file and the entry at fault. */
export type RiskParser = (text: string, file: string) => RiskEntry[];

export async function readRiskRegister(
  file: string | undefined,
  parse: RiskParser | null,
): Promise<RiskRegister> {
  if (file === undefined) return { ok: false, reason: 'certify.risk_register is not set' };
  if (parse === null)
    return { ok: false, reason: 'reading the risk register is not part of this build' };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return {
      ok: false,
      reason: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  }
  try {
    return { ok: true, file, entries: parse(text, file) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
