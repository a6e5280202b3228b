/**
 * Near-miss suggestions for unknown keys: "did you mean `multi_tenant`?". A key is suggested
 * only when it is close enough that the typo is the likely explanation.
 */

/**
 * Edits (insert, delete, substitute, swap two neighbours) between `a` and `b`: the optimal
 * string alignment distance, so `jwks_ulr` is one edit from `jwks_url`.
 */
export function editDistance(a: string, b: string): number {
  // d[i][j]: edits between the first i characters of a and the first j of b
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The known key closest to `key`, or null when none is near: at most a third of the key's
 * length in edits (at least 1, at most 3), ignoring case. Ties go to the first in `known`.
 */
export function nearestKey(key: string, known: readonly string[]): string | null {
  const budget = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  let best: { key: string; distance: number } | null = null;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= budget && (best === null || distance < best.distance))
      best = { key: candidate, distance };
  }
  return best?.key ?? null;
}
