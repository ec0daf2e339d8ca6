// One percentile for every figure we print (alerts, reports, the status page): nearest rank, because it
// is always a value that was measured, and it is the definition the latency policy's counting relies on.

/** Nearest-rank percentile of ascending-sorted values: the value at rank ceil(p·n); undefined for none. */
export function nearestRank(sortedAscending: readonly number[], percentile: number): number | undefined {
  if (sortedAscending.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((percentile / 100) * sortedAscending.length));
  return sortedAscending[rank - 1];
}
