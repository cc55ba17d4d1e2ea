import type { ParleySocket } from '@app/client';

export type { ParleySocket };

/** What every module of the store shares besides the state: the socket and the way out. */
export interface Link {
  /** The SDK's connection (libs/client): ordered, gap-free delivery, retried sends, acks. */
  socket(): ParleySocket | undefined;
  /** Ends the session (back to the sign-in form) with a reason, or null for a plain sign-out. */
  end(reason: string | null): void;
}

export const SESSION_ENDED = 'Your session has ended. Please sign in again.';
