/** Reading a server-sent events response (GraphQL subscriptions over HTTP) in tests. */

/** The events of a `text/event-stream` body: `event:` and `data:` of each, comments skipped. */
export async function* readEvents(
  body: ReadableStream<Uint8Array<ArrayBuffer>>,
): AsyncGenerator<{ event: string; data: string }> {
  let text = "";
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    let end;
    while ((end = text.indexOf("\n\n")) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const field = (name: string) =>
        block.split("\n").filter((line) => line.startsWith(`${name}:`))
          .map((line) => line.slice(name.length + 1).trimStart()).join("\n");
      // Lines starting with ":" are comments (the server's keep-alives).
      const comment = block.split("\n").every((line) => line === "" || line.startsWith(":"));
      if (!comment) yield { event: field("event"), data: field("data") };
    }
  }
}

/**
 * Reads the `next` events of a subscription over HTTP until it ends: how many carried data, and the
 * first GraphQL error one carried (a subscription ended by the server sends it last).
 */
export async function readToEnd(
  events: AsyncIterable<{ event: string; data: string }>,
): Promise<
  { delivered: number; failure: { message: string; extensions?: { code?: string } } | null }
> {
  let delivered = 0;
  let failure: { message: string; extensions?: { code?: string } } | null = null;
  for await (const event of events) {
    if (event.event !== "next") break;
    const payload = JSON.parse(event.data);
    if (payload.errors) failure ??= payload.errors[0];
    else delivered++;
  }
  return { delivered, failure };
}
