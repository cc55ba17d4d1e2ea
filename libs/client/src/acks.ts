import type { AckError, ClientToServerEvents } from '@app/contracts';
import type { Socket } from 'socket.io-client';
import { ParleyAckError } from './errors';

/** Client events, by name. */
export type ClientEvent = keyof ClientToServerEvents;
/** What a client event carries. */
export type PayloadOf<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[0];
/** The successful ack of a client event (`{ok: true, …}`), as the contract's event map declares. */
export type AckOf<E extends ClientEvent> = Exclude<
  Parameters<NonNullable<Parameters<ClientToServerEvents[E]>[1]>>[0],
  { ok: false }
>;

/**
 * Emits an event and waits for its ack: resolves with a successful one, rejects with a
 * ParleyAckError for `{ok: false}` or for no answer within `timeoutMs` (`timeout`).
 */
export async function emitWithAck<E extends ClientEvent>(
  socket: Socket,
  event: E,
  payload: PayloadOf<E>,
  timeoutMs: number,
): Promise<AckOf<E>> {
  let ack: AckOf<E> | { ok: false; error: AckError };
  try {
    // socket.io-client's timeout typing does not see the contract's optional ack parameters.
    ack = (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as typeof ack;
  } catch {
    throw new ParleyAckError('timeout', `no answer to ${event} within ${timeoutMs} ms`);
  }
  if (!ack || typeof ack !== 'object') throw new ParleyAckError('internal', `bad ack to ${event}`);
  if (!ack.ok) throw ParleyAckError.from(ack.error);
  return ack;
}
