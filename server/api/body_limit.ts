/**
 * The largest GraphQL request body (`GRAPHQL_MAX_BODY_BYTES`): a body whose `Content-Length` is
 * over it is refused before anything is read, and a body without one is read only up to it; both
 * are answered 413 with the limit, so a huge document or variables never reach the parser.
 */

export function tooLarge(maxBytes: number): Response {
  return Response.json(
    {
      errors: [{
        message: `The request body is over ${maxBytes} bytes, the limit (GRAPHQL_MAX_BODY_BYTES)`,
        extensions: { code: "PAYLOAD_TOO_LARGE", maxBytes },
      }],
    },
    { status: 413 },
  );
}

/** The request with its body read (at most `maxBytes`), or the 413 answer. */
export async function limitRequestBody(
  request: Request,
  maxBytes: number,
): Promise<Request | Response> {
  if (request.body === null) return request;
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await request.body.cancel().catch(() => {});
    return tooLarge(maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body,
    signal: request.signal,
  });
}
