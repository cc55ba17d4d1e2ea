import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import type { QueueMessage } from '@app/chat';
import { Limits } from '@app/contracts';
import type { FastifyReply } from 'fastify';

/** A form or JSON body's fields, as RestMQ reads its arguments (strings; numbers allowed in JSON). */
export type MqBody = Record<string, unknown> | undefined;

export function field(body: MqBody, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = body?.[name];
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

/** `value` (or RestMQ's `msg`), present and at most the value limit. */
export function valueOf(body: MqBody): string {
  const value = field(body, 'value', 'msg');
  if (value === undefined) throw new BadRequestException('value (or msg) is required');
  if (Buffer.byteLength(value) > Limits.queueValueMaxBytes) {
    throw new PayloadTooLargeException(`a value is at most ${Limits.queueValueMaxBytes} bytes`);
  }
  return value;
}

/** Whole seconds from a query or form field; undefined when absent. */
export function seconds(raw: unknown, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{1,7}$/.test(raw)) {
    throw new BadRequestException(`${name} must be whole seconds`);
  }
  return Number(raw);
}

/** A whole number from a query field (a batch size); its range is the domain's to check. */
export function wholeNumber(raw: unknown, name: string): number {
  if (typeof raw !== 'string' || !/^\d{1,7}$/.test(raw)) {
    throw new BadRequestException(`${name} must be a whole number`);
  }
  return Number(raw);
}

/** A got message as the API answers it: the lease's length and deadline with a lease. */
export function shown(message: QueueMessage, lease: number | undefined) {
  const { key, value, count, leaseUntil } = message;
  return leaseUntil ? { key, value, count, lease, leaseUntil } : { key, value, count };
}

/** RestMQ's empty answer, in the API's error shape with RestMQ's `error` text. */
export function sendEmpty(reply: FastifyReply): void {
  reply.code(404).send({ statusCode: 404, error: 'empty queue', message: 'empty queue' });
}
