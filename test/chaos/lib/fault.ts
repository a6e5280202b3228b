/**
 * What a fault is to the runner: an id for `--only`, a title, and a run that starts what it needs,
 * injects the fault under load and returns one row per scenario. A row passes when it has no wrong
 * allow, no wrong deny outside its window, no failed request where the scenario promises none,
 * and every extra check of the scenario held. A control row passes the other way round: when its
 * deliberately fail-open variant was caught.
 */
import type { Figures } from './analyse.js';

export interface FaultContext {
  /** Short durations (the smoke run); the full run uses the durations the docs state. */
  quick: boolean;
  /** One progress line on stderr. */
  progress(message: string): void;
}

export interface FaultRow {
  /** The scenario, e.g. "Redis SIGKILL 30 s, restarted with its data". */
  scenario: string;
  figures: Figures;
  /** Whether failed requests count against the row (graceful shutdown: they do). */
  noFailedRequests: boolean;
  /** Facts the scenario checked besides the figures, e.g. "100/100 pushes refused". */
  notes: string[];
  /** Checks of the scenario that did not hold (the row fails). */
  failures: string[];
  /**
   * A fail-open control: a deliberately broken variant run to prove the checks can fail. It passes
   * when the checks caught it (wrong allows > 0), so the suite's verdict is not failed by it.
   */
  control?: boolean;
}

export interface Fault {
  id: string;
  title: string;
  run(ctx: FaultContext): Promise<FaultRow[]>;
}

export function rowPasses(row: FaultRow): boolean {
  const f = row.figures;
  if (row.control === true)
    return f.wrongAllows > 0 && f.allowsSeen > 0 && row.failures.length === 0;
  return (
    f.wrongAllows === 0 &&
    f.allowsSeen > 0 &&
    f.wrongDeniesOutside === 0 &&
    (!row.noFailedRequests || f.failed === 0) &&
    row.failures.length === 0
  );
}
