/**
 * The risk register's parser, and the register itself: docs/risk-register.md must parse, and every
 * problem in a register is reported with the file and the line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRiskRegister, RiskRegisterError } from '../../src/evidence/risk-register.js';

const HEADER =
  '| id | severity | risk | mitigation | owner | source |\n| --- | --- | --- | --- | --- | --- |';

function problems(text: string): string[] {
  try {
    parseRiskRegister(text, 'reg.md');
  } catch (err) {
    expect(err).toBeInstanceOf(RiskRegisterError);
    return (err as RiskRegisterError).message.split('\n');
  }
  throw new Error('expected the register to be refused');
}

describe('parseRiskRegister', () => {
  it('reads every row of the table, with its line, a \\| staying inside its cell', () => {
    const file = path.resolve('test/evidence/inventory-fixtures/risk-register.md');
    const entries = parseRiskRegister(readFileSync(file, 'utf8'), file);
    expect(entries).toEqual([
      {
        id: 'R-01',
        severity: 'high',
        risk: 'a cell with a | pipe',
        mitigation: 'do x',
        owner: 'operator',
        source: 'docs/a.md',
        line: 5,
      },
      {
        id: 'R-02',
        severity: 'low',
        risk: 'another',
        mitigation: 'do y',
        owner: 'release owner',
        source: 'docs/b.md',
        line: 6,
      },
    ]);
  });

  it('parses docs/risk-register.md: unique ids, known severities, every cell filled', () => {
    const entries = parseRiskRegister(
      readFileSync(path.resolve('docs/risk-register.md'), 'utf8'),
      'docs/risk-register.md',
    );
    expect(entries.length).toBeGreaterThanOrEqual(10);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    // The register names where each risk is documented: a file of the repository that exists.
    for (const e of entries) {
      const cited = [...e.source.matchAll(/(?:^|; )([\w./-]+\.(?:md|ts)|\.ci\/run|Dockerfile)/g)];
      expect(cited.length, `${e.id} cites no file`).toBeGreaterThan(0);
      for (const [, file = ''] of cited)
        expect(() => readFileSync(path.resolve(file)), `${e.id}: ${file}`).not.toThrow();
    }
  });

  it('names the line of each bad row and lists every problem at once', () => {
    const text = [
      '# r',
      HEADER,
      '| R-1 | urgent | r | m | o | s |',
      '| R-02 | low | r |  | o | s |',
      '| R-03 | low | r | m | o |',
      '| R-02 | high | r | m | o | s |',
    ].join('\n');
    expect(problems(text)).toEqual([
      'reg.md: line 4: id "R-1" must be R- and two or more digits (R-07)',
      'reg.md: line 4: severity "urgent" must be one of low, medium, high, critical',
      'reg.md: line 5: mitigation is empty',
      'reg.md: line 6: has 5 cells, expected 6 (id, severity, risk, mitigation, owner, source); write a | inside a cell as \\|',
      'reg.md: line 7: id R-02 is already used on line 5',
    ]);
  });

  it('refuses a file without the header row, with two tables, or with no entries', () => {
    expect(problems('# nothing here\n| a | b |')).toEqual([
      'reg.md: no risk table: expected the header row "| id | severity | risk | mitigation | owner | source |"',
    ]);
    expect(problems(`${HEADER}\n\n${HEADER}`)).toEqual([
      'reg.md: more than one risk table (header rows on lines 1, 4)',
    ]);
    expect(problems(`${HEADER}\n`)).toEqual(['reg.md: line 1: the risk table has no entries']);
    expect(problems('| id | severity | risk | mitigation | owner | source |\n| a |')).toContain(
      'reg.md: line 2: expected the separator row "| --- | --- | --- | --- | --- | --- |"',
    );
  });
});
