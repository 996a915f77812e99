/**
 * One graphql-transport-ws subscription on its own TCP connection, for the load bench: the
 * WebSocket handshake and frames (RFC 6455) written out over `Deno.connect`, so that what arrives is
 * read in large chunks and split into messages here, instead of one runtime call and one event per
 * message. Hundreds of subscribers share the server's two cores in the bench; this keeps what they
 * cost small, and the figures the server's.
 *
 * It speaks the protocol as a client must: `connection_init`, then `subscribe` once acknowledged;
 * answers `ping` messages and ping frames; masks what it sends. Text frames only (the server sends
 * nothing else to a subscriber), unfragmented.
 */

export interface FrameSubscriberOptions {
  /** `ws://host:port/path` */
  url: string;
  query: string;
  variables: Record<string, unknown>;
  /** Each `next` message's payload, with the time its chunk was read (absolute ms). */
  onNext(payload: { data?: Record<string, unknown> | null; errors?: unknown }, at: number): void;
  onError(message: string): void;
  /** The subscription is acknowledged and sent. */
  onReady(): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class FrameSubscriber {
  #connection: Deno.TcpConn | null = null;
  #closed = false;
  /** Frames go out one after another, never interleaved. */
  #writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: FrameSubscriberOptions) {}

  async start(): Promise<void> {
    const url = new URL(this.options.url);
    const connection = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
    connection.setNoDelay(true);
    this.#connection = connection;
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    await connection.write(encoder.encode(
      [
        `GET ${url.pathname} HTTP/1.1`,
        `Host: ${url.host}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${key}`,
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Protocol: graphql-transport-ws",
      ].join("\r\n") + "\r\n\r\n",
    ));
    this.#read().catch((error) => {
      if (!this.#closed) this.options.onError(`socket: ${error?.message ?? error}`);
    });
    await this.#sendText(JSON.stringify({ type: "connection_init", payload: {} }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#sendText(JSON.stringify({ id: "1", type: "complete" }));
      await this.#sendFrame(0x8, new Uint8Array([0x03, 0xe8]));
    } catch { /* already gone */ }
    try {
      this.#connection?.close();
    } catch { /* already closed */ }
  }

  async #read(): Promise<void> {
    const connection = this.#connection!;
    let buffer = new Uint8Array(1 << 20);
    let length = 0;
    let upgraded = false;
    while (!this.#closed) {
      if (length === buffer.length) {
        const larger = new Uint8Array(buffer.length * 2);
        larger.set(buffer);
        buffer = larger;
      }
      const read = await connection.read(buffer.subarray(length));
      if (read === null) {
        if (!this.#closed) this.options.onError("socket: closed by the server");
        return;
      }
      const at = performance.timeOrigin + performance.now();
      length += read;
      let offset = 0;
      if (!upgraded) {
        const head = decoder.decode(buffer.subarray(0, length));
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) continue;
        if (!head.startsWith("HTTP/1.1 101")) {
          throw new Error(`upgrade refused: ${head.slice(0, head.indexOf("\r\n"))}`);
        }
        upgraded = true;
        offset = encoder.encode(head.slice(0, end + 4)).length;
      }
      offset = this.#frames(buffer, offset, length, at);
      buffer.copyWithin(0, offset, length);
      length -= offset;
    }
  }

  /** Handles every whole frame in `buffer[from..to]`; returns where the first partial one starts. */
  #frames(buffer: Uint8Array, from: number, to: number, at: number): number {
    let offset = from;
    while (to - offset >= 2) {
      const opcode = buffer[offset] & 0x0f;
      let size = buffer[offset + 1] & 0x7f;
      let header = 2;
      if (size === 126) {
        if (to - offset < 4) break;
        size = (buffer[offset + 2] << 8) | buffer[offset + 3];
        header = 4;
      } else if (size === 127) {
        if (to - offset < 10) break;
        size = Number(new DataView(buffer.buffer, offset + 2, 8).getBigUint64(0));
        header = 10;
      }
      if (to - offset < header + size) break;
      const payload = buffer.subarray(offset + header, offset + header + size);
      offset += header + size;
      if (opcode === 0x1) this.#message(decoder.decode(payload), at);
      else if (opcode === 0x9) this.#sendFrame(0xa, payload.slice()).catch(() => {});
      else if (opcode === 0x8) {
        if (!this.#closed) {
          const code = size >= 2 ? (payload[0] << 8) | payload[1] : 1005;
          this.options.onError(
            `socket closed by the server: ${code} ${decoder.decode(payload.subarray(2))}`,
          );
        }
        this.#closed = true;
      }
    }
    return offset;
  }

  #message(text: string, at: number): void {
    const message = JSON.parse(text);
    switch (message.type) {
      case "next":
        this.options.onNext(message.payload, at);
        break;
      case "connection_ack":
        this.#sendText(JSON.stringify({
          id: "1",
          type: "subscribe",
          payload: { query: this.options.query, variables: this.options.variables },
        })).then(() => this.options.onReady(), (error) => this.options.onError(String(error)));
        break;
      case "ping":
        this.#sendText(JSON.stringify({ type: "pong" })).catch(() => {});
        break;
      case "error":
        this.options.onError(JSON.stringify(message.payload).slice(0, 300));
        break;
      case "complete":
        this.options.onError("the server completed the subscription");
        break;
    }
  }

  #sendText(text: string): Promise<void> {
    return this.#sendFrame(0x1, encoder.encode(text));
  }

  /** A final frame, masked as every client frame must be. */
  #sendFrame(opcode: number, payload: Uint8Array): Promise<void> {
    const sent = this.#writing.then(() => this.#write(opcode, payload));
    this.#writing = sent.catch(() => {});
    return sent;
  }

  async #write(opcode: number, payload: Uint8Array): Promise<void> {
    const header = payload.length < 126
      ? [0x80 | opcode, 0x80 | payload.length]
      : [0x80 | opcode, 0x80 | 126, payload.length >> 8, payload.length & 0xff];
    const mask = crypto.getRandomValues(new Uint8Array(4));
    const frame = new Uint8Array(header.length + 4 + payload.length);
    frame.set(header, 0);
    frame.set(mask, header.length);
    for (let i = 0; i < payload.length; i++) {
      frame[header.length + 4 + i] = payload[i] ^ mask[i % 4];
    }
    let written = 0;
    while (written < frame.length) {
      written += await this.#connection!.write(frame.subarray(written));
    }
  }
}
