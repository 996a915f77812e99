/**
 * A GraphQL client in a process of its own, as a trader's program or browser is: it POSTs one
 * query `1 + requests` times, one after another, and prints one line of JSON with each request's
 * milliseconds from sending to the parsed answer (the first request warms both sides and is left
 * out), the response's size and the answer's point count. Run by the analytics bench, so that the
 * server it measures does not also pay for the client's parse and garbage.
 *
 *   deno run --allow-net server/bench/timed_queries.ts <url> <requests>   (the query on stdin)
 */

export interface TimedQueries {
  durationsMs: number[];
  responseBytes: number;
  points: number;
}

async function timeQueries(url: string, query: string, requests: number): Promise<TimedQueries> {
  const durationsMs: number[] = [];
  let responseBytes = 0;
  let points = 0;
  for (let request = 0; request <= requests; request++) {
    const started = performance.now();
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query }),
    });
    const text = await response.text();
    const answer = JSON.parse(text);
    const elapsed = performance.now() - started;
    if (answer.errors) {
      throw new Error(`The query answered errors: ${JSON.stringify(answer.errors)}`);
    }
    if (request > 0) durationsMs.push(elapsed);
    responseBytes = text.length;
    points = answer.data.pairAnalytics.points.length;
  }
  return { durationsMs, responseBytes, points };
}

if (import.meta.main) {
  const [url, requests] = Deno.args;
  const query = await new Response(Deno.stdin.readable).text();
  console.log(JSON.stringify(await timeQueries(url, query, Number(requests))));
}
