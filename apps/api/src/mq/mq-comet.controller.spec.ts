import { EventEmitter } from 'node:events';
import type { QueueConsumers, QueueSink } from '@app/chat';
import type { FastifyReply } from 'fastify';
import { MqCometController } from './mq-comet.controller';

class RawResponse extends EventEmitter {
  statusCode = 0;
  headers: Record<string, unknown> = {};
  written: string[] = [];
  flushHeaders = jest.fn();
  end = jest.fn();
  setHeader(name: string, value: unknown) {
    this.headers[name.toLowerCase()] = value;
  }
  write(chunk: string) {
    this.written.push(chunk);
    return true;
  }
}

/** A reply as Fastify hands it to @Res(): the raw response, and hijack() to take it over. */
function fakeReply() {
  const reply = {
    raw: new RawResponse(),
    hijacked: false,
    getHeaders: () => ({}),
    hijack() {
      reply.hijacked = true;
      return reply;
    },
  };
  return reply;
}

const user = { id: '1', username: 'alice' };

describe('MqCometController', () => {
  it('leaves the reply to the error filter when the consumer cannot be registered', async () => {
    const consumers = {
      attach: () => Promise.reject(new Error('subscriber down')),
    } as unknown as QueueConsumers;
    const reply = fakeReply();
    const comet = new MqCometController(consumers).comet(
      user,
      'jobs',
      reply as unknown as FastifyReply,
    );
    await expect(comet).rejects.toThrow('subscriber down');
    // Not taken over: Nest's filter can still answer 503 in JSON instead of a silent hang.
    expect(reply.hijacked).toBe(false);
  });

  it('takes the reply over once registered, then streams a line per message', async () => {
    let sink: QueueSink | undefined;
    const consumers = {
      attach: (_u: string, _q: string, s: QueueSink) => {
        sink = s;
        return Promise.resolve(() => undefined);
      },
    } as unknown as QueueConsumers;
    const reply = fakeReply();
    await new MqCometController(consumers).comet(user, 'jobs', reply as unknown as FastifyReply);
    expect(reply.hijacked).toBe(true);
    expect(reply.raw.statusCode).toBe(200);
    expect(reply.raw.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(reply.raw.headers['x-accel-buffering']).toBe('no');
    expect(reply.raw.flushHeaders).toHaveBeenCalled();
    sink!.send({ key: 'jobs:1', value: 'a' }, false);
    expect(reply.raw.written).toEqual(['{"key":"jobs:1","value":"a"}\r\n']);
  });
});
