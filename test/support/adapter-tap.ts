import Redis from 'ioredis';
import { MessageType } from 'socket.io-adapter';

export interface Announcement {
  channel: string;
  type: MessageType;
  /** BROADCAST: the event name and payload; SERVER_SIDE_EMIT: the event name and its argument. */
  event?: string;
  payload?: unknown;
  rooms?: string[];
  /** The message as sent (SOCKETS_JOIN and the like carry their rooms here). */
  raw: string;
}

const PREFIX = 'socket.io#/#';

/**
 * Listens on the Socket.IO Redis adapter's sharded channels like a gateway would, and decodes
 * what is announced there (the adapter's JSON encoding: our payloads carry no binary).
 */
export class AdapterTap {
  readonly seen: Announcement[] = [];

  private constructor(private readonly sub: Redis) {
    sub.on('smessage', (channel: string, raw: string) => {
      const message = JSON.parse(raw) as {
        type: MessageType;
        data?: { packet?: { data?: unknown[] } | unknown[]; opts?: { rooms?: string[] } };
      };
      const packet = message.data?.packet;
      const args = Array.isArray(packet) ? packet : (packet?.data ?? []);
      this.seen.push({
        channel: channel.slice(PREFIX.length, -1) || '(main)',
        type: message.type,
        event: args[0] as string | undefined,
        payload: args[1],
        rooms: message.data?.opts?.rooms,
        raw,
      });
    });
  }

  /** Subscribes to the main channel and to the channels of the given Socket.IO rooms. */
  static async start(redisUrl: string, rooms: string[] = []): Promise<AdapterTap> {
    const sub = new Redis(redisUrl);
    const tap = new AdapterTap(sub);
    await sub.ssubscribe(PREFIX, ...rooms.map((r) => `${PREFIX}${r}#`));
    return tap;
  }

  async watch(...rooms: string[]): Promise<void> {
    await this.sub.ssubscribe(...rooms.map((r) => `${PREFIX}${r}#`));
  }

  of(pick: (a: Announcement) => boolean): Announcement[] {
    return this.seen.filter(pick);
  }

  stop(): void {
    this.sub.disconnect();
  }
}
