/**
 * A Dockerfile reader for the checks in this folder (no container engine is needed): it follows
 * the Dockerfile reference's syntax for what our Dockerfile uses — `#` comment lines, `\` line
 * continuations, instructions case-insensitive, JSON (exec) form or shell form, `--flag=value`
 * options before the arguments — and refuses anything it does not understand, so a construct it
 * cannot check fails the tests instead of passing them unread.
 */
import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  /** `--from=build` → {from: 'build'}. */
  flags: Record<string, string>;
  /** Exec form: the JSON array's strings. Shell form: whitespace-separated words. */
  args: string[];
  /** Exec (JSON array) form. */
  exec: boolean;
  /** The instruction's text after the keyword (continuations joined). */
  raw: string;
  line: number;
}

export interface Stage {
  base: string;
  name: string | null;
  instructions: Instruction[];
}

const KNOWN = new Set(
  'FROM RUN CMD LABEL EXPOSE ENV ADD COPY ENTRYPOINT VOLUME USER WORKDIR ARG ONBUILD STOPSIGNAL HEALTHCHECK SHELL'.split(
    ' ',
  ),
);

export function readDockerfile(file: string): Stage[] {
  return parseDockerfile(readFileSync(file, 'utf8'));
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    // A continuation joins the next line; comment lines inside it are dropped, as Docker does.
    let continued = line.endsWith('\\');
    if (continued) line = line.slice(0, -1);
    while (continued) {
      i++;
      if (i >= lines.length) throw new Error(`line ${start + 1}: continuation at end of file`);
      const next = lines[i]!.trim();
      if (next.startsWith('#')) continue;
      continued = next.endsWith('\\');
      line += ' ' + (continued ? next.slice(0, -1) : next);
    }
    const match = /^(\S+)\s+(.*)$/s.exec(line);
    if (!match) throw new Error(`line ${start + 1}: an instruction needs arguments: ${line}`);
    const keyword = match[1]!.toUpperCase();
    if (!KNOWN.has(keyword)) throw new Error(`line ${start + 1}: unknown instruction ${keyword}`);
    const instruction = parseArguments(keyword, match[2]!.trim(), start + 1);
    if (keyword === 'FROM') {
      const [base, as, name] = instruction.args;
      if (base === undefined || (as !== undefined && (as.toUpperCase() !== 'AS' || !name)))
        throw new Error(`line ${start + 1}: FROM image [AS name]`);
      stages.push({ base, name: name ?? null, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`line ${start + 1}: ${keyword} before the first FROM`);
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

function parseArguments(keyword: string, rest: string, line: number): Instruction {
  const flags: Record<string, string> = {};
  let text = rest;
  for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(text); m; m = /^--([a-z-]+)=(\S+)\s+/.exec(text)) {
    flags[m[1]!] = m[2]!;
    text = text.slice(m[0].length);
  }
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`line ${line}: ${keyword}: not a JSON array: ${text}`);
    }
    if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string'))
      throw new Error(`line ${line}: ${keyword}: the exec form is a JSON array of strings`);
    return { keyword, flags, args: parsed, exec: true, raw: text, line };
  }
  return { keyword, flags, args: text.split(/\s+/), exec: false, raw: text, line };
}

/** `KEY=value` pairs of a LABEL or ENV instruction (values may be double-quoted). */
export function keyValues(instruction: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  const pair = /([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|\S+)\s*/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = pair.exec(instruction.raw)) !== null) {
    const value = m[2]!;
    out[m[1]!] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
    end = pair.lastIndex;
  }
  if (end !== instruction.raw.length)
    throw new Error(`line ${instruction.line}: ${instruction.keyword}: expected KEY=value pairs`);
  return out;
}

/** The instructions of `stage` with this keyword. */
export const all = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword);
