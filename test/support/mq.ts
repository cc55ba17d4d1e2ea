import Redis, { Cluster } from 'ioredis';
import http from 'node:http';
import { WebSocket } from 'ws';
import request, { type Test } from 'supertest';
import type { Stack } from './stack';

/** A client of the stack's Redis that follows a Cluster's slots (tests force expiries with it). */
export function redisOf(stack: Stack): Redis | Cluster {
  const nodes = stack.redis.clusterNodes;
  if (!nodes) return new Redis(stack.redis.url);
  return new Cluster(
    nodes.split(',').map((n) => ({
      host: n.slice(0, n.lastIndexOf(':')),
      port: Number(n.slice(n.lastIndexOf(':') + 1)),
    })),
  );
}

/** /mq calls with a bearer token (session or API token). */
export function mq(url: string, token: string) {
  const auth = (t: Test) => t.set('Authorization', `Bearer ${token}`);
  const agent = request(url);
  return {
    get: (path: string) => auth(agent.get(path)),
    post: (path: string) => auth(agent.post(path)),
    delete: (path: string) => auth(agent.delete(path)),
  };
}

export interface Comet {
  /** Every `{key, value}` line received, in order. */
  messages: Array<{ key: string; value: string }>;
  /** Resolves once the response headers arrived (the consumer is registered). */
  ready: Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** A comet consumer (GET /mq/c/<queue>) reading CRLF-separated JSON lines. */
export function comet(url: string, token: string, queue: string): Comet {
  const messages: Comet['messages'] = [];
  let req!: http.ClientRequest;
  let onEnd!: () => void;
  const ended = new Promise<void>((done) => (onEnd = done));
  const ready = new Promise<void>((done, fail) => {
    req = http.get(
      `${url}/mq/c/${queue}`,
      { headers: { Authorization: `Bearer ${token}` }, agent: false },
      (res) => {
        if (res.statusCode !== 200) fail(new Error(`comet: ${res.statusCode}`));
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let i: number;
          while ((i = buffer.indexOf('\r\n')) >= 0) {
            messages.push(JSON.parse(buffer.slice(0, i)) as Comet['messages'][number]);
            buffer = buffer.slice(i + 2);
          }
        });
        res.on('end', onEnd);
        res.on('close', onEnd);
        done();
      },
    );
    req.on('error', fail);
  });
  return { messages, ready, ended, close: () => req.destroy() };
}

export interface MqWs {
  /** Every text frame received, parsed: `{key, value}` messages and `{error}` frames. */
  frames: Array<{ key?: string; value?: string; error?: string }>;
  /** The messages only. */
  messages(): Array<{ key: string; value: string }>;
  /** Resolves with the close code and reason (and when) once the server closes it. */
  closed: Promise<{ code: number; reason: string; at: number }>;
  send(data: string | Buffer): void;
  close(): void;
  /** Stops reading from the connection (a consumer that hangs), or reads again. */
  pause(paused: boolean): void;
}

/**
 * A `/mq/ws/<queue>` consumer (the `ws` package, as a bot would use). Resolves once open: the
 * server registers the consumer right after the upgrade, so tests wait for `frames` after adding.
 */
export async function mqWs(
  url: string,
  queue: string,
  opts: {
    token?: string;
    query?: string;
    headers?: Record<string, string>;
    autoAck?: boolean;
  } = {},
): Promise<MqWs> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/mq/ws/${queue}${opts.query ?? ''}`, {
    headers,
  });
  const frames: MqWs['frames'] = [];
  ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as MqWs['frames'][number];
    frames.push(frame);
    if (opts.autoAck && frame.key && !frame.error) ws.send(JSON.stringify({ ack: frame.key }));
  });
  const closed = new Promise<{ code: number; reason: string; at: number }>((done) =>
    ws.on('close', (code, reason) => done({ code, reason: reason.toString(), at: Date.now() })),
  );
  await new Promise<void>((done, fail) => {
    ws.once('open', () => done());
    ws.once('unexpected-response', (_req, res) => fail(new Error(`mq/ws: ${res.statusCode ?? 0}`)));
    ws.once('error', fail);
  });
  return {
    frames,
    messages: () =>
      frames.filter((f) => f.key !== undefined && f.error === undefined) as Array<{
        key: string;
        value: string;
      }>,
    closed,
    send: (data) => ws.send(data),
    close: () => ws.close(),
    pause: (paused) => {
      const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
      if (paused) socket.pause();
      else socket.resume();
    },
  };
}
