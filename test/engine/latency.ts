import type cassandra from 'cassandra-driver';

/** Median wall time of `n` runs of a query (after one warm-up), in ms. */
export async function medianMs(
  client: cassandra.Client,
  query: string,
  params: unknown[] = [],
  opts: cassandra.QueryOptions = {},
  n = 9,
): Promise<number> {
  await client.execute(query, params, opts);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.execute(query, params, opts);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)]!;
}
