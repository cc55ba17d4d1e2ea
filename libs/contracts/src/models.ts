/** Wire shapes (docs/protocol.md "Data shapes"). */
export interface Message {
  id: string;
  roomId: string;
  from: string;
  message: string;
  /** Unix time in seconds with millisecond precision. */
  date: number;
  /** Position in the room: 1, 2, 3, … with no gaps. */
  seq: number;
  clientId?: string;
}

export interface User {
  id: string;
  username: string;
  online: boolean;
}

export type RoomKind = 'public' | 'dm';

export interface Room {
  id: string;
  kind: RoomKind;
  names: string[];
}

export interface MessagePage {
  messages: Message[];
  nextBefore: string | null;
}

export interface AuthResult {
  user: User;
  token: string;
}

export interface AckError {
  code:
    | 'bad_request'
    | 'unauthorized'
    | 'forbidden'
    | 'not_found'
    | 'conflict'
    | 'rate_limited'
    | 'unavailable'
    | 'internal';
  message: string;
  retryAfterMs?: number;
}

export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: AckError };
