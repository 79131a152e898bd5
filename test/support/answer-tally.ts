/** A parsed HTTP answer of a race: its status and JSON body. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** How many answers of each outcome: `200`, or `409 concurrent-update` for a problem with its code. */
export function tally(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.status < 300 ? String(a.status) : `${a.status} ${String(a.body['code'])}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
