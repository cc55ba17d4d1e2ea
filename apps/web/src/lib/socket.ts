import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../contracts';

export type ParleySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Ack payload of a client event, as declared in the contract's typed event map. */
export type AckOf<E extends keyof ClientToServerEvents> = Parameters<
  NonNullable<Parameters<ClientToServerEvents[E]>[1]>
>[0];

/**
 * `socket.timeout(ms).emit(event, payload, (err, ack) => …)`, typed from the contract. (The map
 * declares acks as optional parameters, which Socket.IO's timeout typing does not pick up.)
 */
export function emitWithTimeout<E extends keyof ClientToServerEvents>(
  socket: ParleySocket,
  ms: number,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
  callback: (err: Error | null, ack: AckOf<E>) => void,
): void {
  (socket as unknown as Socket).timeout(ms).emit(event, payload, callback);
}

/** What every module of the store shares besides the state: the socket and the way out. */
export interface Link {
  socket(): ParleySocket | undefined;
  /** Ends the session (back to the sign-in form) with a reason, or null for a plain sign-out. */
  end(reason: string | null): void;
}

export const SESSION_ENDED = 'Your session has ended. Please sign in again.';
