import type { ParleyConfig } from '@app/config';
import { Limits } from '@app/contracts';
import type { QueuesRepository } from '@app/redis';
import { DomainError } from '../errors/domain-error';
import { QueuesService } from './queues.service';

/** The batch rules checked before Redis: a bad batch never reaches the repository. */
describe('QueuesService batch rules', () => {
  const repo = {
    addMany: jest.fn(async (_u: string, _q: string, values: string[]) => ({
      status: 'ok' as const,
      first: 7,
      last: 6 + values.length,
    })),
    takeMany: jest.fn(async () => []),
    peekMany: jest.fn(async () => []),
    ackMany: jest.fn(async (_u: string, _q: string, ns: number[]) => ns.length),
  };
  const service = new QueuesService(
    repo as unknown as QueuesRepository,
    {
      limits: { queueLength: 10 },
    } as ParleyConfig,
  );
  beforeEach(() => jest.clearAllMocks());

  const rejects = async (promise: Promise<unknown>, message: RegExp) => {
    const err = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('bad_request');
    expect((err as DomainError).message).toMatch(message);
  };

  it('adds a batch and answers its keys in order', async () => {
    expect(await service.addMany('u', 'q', ['a', 'b', 'c'])).toEqual(['q:7', 'q:8', 'q:9']);
    expect(repo.addMany).toHaveBeenCalledWith('u', 'q', ['a', 'b', 'c'], 0, 10);
  });

  it('refuses a batch that is not 1-1000 strings each within the value limit', async () => {
    await rejects(service.addMany('u', 'q', 'a'), /array/);
    await rejects(service.addMany('u', 'q', []), /values must be 1-1000/);
    await rejects(
      service.addMany(
        'u',
        'q',
        Array.from({ length: Limits.queueBatchMax + 1 }, () => 'v'),
      ),
      /values must be 1-1000/,
    );
    await rejects(service.addMany('u', 'q', ['a', 2]), /values\[1\] is not a string/);
    await rejects(
      service.addMany('u', 'q', ['a', 'x'.repeat(Limits.queueValueMaxBytes + 1)]),
      /values\[1\]: a value is at most/,
    );
    await rejects(service.addMany('bad name', 'q q', ['a']), /queue names/);
    await rejects(service.addMany('u', 'q', ['a'], Limits.queueTtlMaxSeconds + 1), /ttl/);
    expect(repo.addMany).not.toHaveBeenCalled();
  });

  it('accepts exactly 1000 values and a value of exactly the limit', async () => {
    const values = Array.from({ length: Limits.queueBatchMax }, () => 'v');
    values[0] = 'x'.repeat(Limits.queueValueMaxBytes);
    expect(await service.addMany('u', 'q', values)).toHaveLength(Limits.queueBatchMax);
  });

  it('a batch get takes (or reads) 1-1000 with an optional lease of 1-3600 s', async () => {
    await service.takeMany('u', 'q', 1000, 3600);
    expect(repo.takeMany).toHaveBeenCalledWith('u', 'q', 1000, 3_600_000);
    await rejects(service.takeMany('u', 'q', 0), /n must be 1-1000/);
    await rejects(service.takeMany('u', 'q', 1001), /n must be 1-1000/);
    await rejects(service.takeMany('u', 'q', 5, 0), /lease/);
    await rejects(service.takeMany('u', 'q', 5, 3601), /lease/);
    expect(repo.takeMany).toHaveBeenCalledTimes(1);
    await rejects(service.peekMany('u', 'q', 1001), /n must be 1-1000/);
    expect(repo.peekMany).not.toHaveBeenCalled();
  });

  it("a batch ack takes 1-1000 of this queue's keys, and any bad one refuses the whole batch", async () => {
    expect(await service.ackMany('u', 'q', ['q:1', 'q:22'])).toBe(2);
    expect(repo.ackMany).toHaveBeenCalledWith('u', 'q', [1, 22]);
    await rejects(service.ackMany('u', 'q', 'q:1'), /keys must be an array/);
    await rejects(service.ackMany('u', 'q', []), /keys must be 1-1000/);
    for (const bad of ['other:1', 'q:0', 'q:01', 'q:x', 5, null]) {
      await rejects(service.ackMany('u', 'q', ['q:1', bad]), /keys\[1\]/);
    }
    expect(repo.ackMany).toHaveBeenCalledTimes(1);
  });
});
