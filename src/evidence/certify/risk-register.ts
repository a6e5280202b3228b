/**
 * Reading the risk register for the report's residual risk and gate P2. The format and its parser
 * belong to the register (evidence/risk-register.ts); this only reads the file and turns every
 * problem into a reason the report shows.
 */
import { readFile } from 'node:fs/promises';
import { parseRiskRegister } from '../risk-register.js';
import type { RiskRegister } from './types.js';

export async function readRiskRegister(file: string | undefined): Promise<RiskRegister> {
  if (file === undefined) return { ok: false, reason: 'certify.risk_register is not set' };
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
    return { ok: true, file, entries: parseRiskRegister(text, file) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
