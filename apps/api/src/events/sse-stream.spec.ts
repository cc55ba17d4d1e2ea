import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import { SseStream } from './sse-stream';

/** A response whose client reads nothing: every write stays in its buffer. */
class UnreadResponse extends EventEmitter {
  written: string[] = [];
  writableLength = 0;
  destroyed = false;
  ended = false;
  statusCode = 0;
  headers: Record<string, string> = {};
  setHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  flushHeaders() {}
  write(chunk: string) {
    this.written.push(chunk);
    this.writableLength += Buffer.byteLength(chunk);
    return this.writableLength < 16_384;
  }
  end() {
    this.ended = true;
    this.emit('close');
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}

function open(maxBufferBytes = 4_096) {
  const res = new UnreadResponse();
  // The reply as Fastify gives it: headers set before the stream took over go with its head.
  const reply = { raw: res, getHeaders: () => ({ vary: 'Origin' }), hijack: () => reply };
  const stream = new SseStream(reply as unknown as FastifyReply, {
    keepAliveMs: 60_000,
    maxBufferBytes,
  });
  return { res, stream };
}

describe('SseStream', () => {
  it('writes each event as `event:` and one `data:` line, after what arrived before start', () => {
    const { res, stream } = open();
    stream.deliver('message', { message: 'two\nlines' });
    stream.start();
    stream.deliver('room.left', { roomId: '0' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['Content-Type']).toMatch(/^text\/event-stream/);
    // What the reply held before the stream took over (CORS) goes out with the head.
    expect(res.headers.vary).toBe('Origin');
    expect(res.written).toEqual([
      ': connected\n\n',
      'event: message\ndata: {"message":"two\\nlines"}\n\n',
      'event: room.left\ndata: {"roomId":"0"}\n\n',
    ]);
  });

  it('cuts a client that leaves more than the cap unread, and writes nothing after that', async () => {
    const { res, stream } = open(4_096);
    let ended = 0;
    stream.start(() => (ended += 1));
    const payload = { text: 'x'.repeat(1_000) };
    for (let i = 0; i < 10; i += 1) stream.deliver('message', payload);
    await new Promise(setImmediate);
    expect(res.destroyed).toBe(true);
    expect(ended).toBe(1);
    expect(stream.closed).toBe(true);
    const buffered = res.writableLength;
    for (let i = 0; i < 100; i += 1) stream.deliver('message', payload);
    expect(res.writableLength).toBe(buffered);
  });

  it('keeps a client whose socket took the burst by the end of the tick', async () => {
    const { res, stream } = open(4_096);
    stream.start();
    for (let i = 0; i < 10; i += 1) stream.deliver('message', { text: 'x'.repeat(1_000) });
    res.writableLength = 0; // what the kernel accepted once the tick's corked writes went out
    await new Promise(setImmediate);
    expect(res.destroyed).toBe(false);
    expect(stream.closed).toBe(false);
    stream.cut();
  });

  it('ends the response when cut (a revoked session), once', () => {
    const { res, stream } = open();
    let ended = 0;
    stream.start(() => (ended += 1));
    stream.cut();
    stream.cut();
    stream.deliver('message', {});
    expect(res.ended).toBe(true);
    expect(ended).toBe(1);
    expect(res.written).toEqual([': connected\n\n']);
  });
});
