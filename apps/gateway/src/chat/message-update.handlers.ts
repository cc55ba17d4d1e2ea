import { MessageUpdatesService, ReadsService } from '@app/chat';
import {
  checkMessageDelete,
  checkMessageEdit,
  checkMessageReact,
  checkRoomRead,
  Message,
} from '@app/contracts';
import { ErrorAck, errorAck } from './acks';

type Ok<T extends object> = { ok: true } & T;
type MessageAck = Promise<Ok<{ message: Message }> | ErrorAck>;

/**
 * `room.read`, `message.edit`, `message.delete` and `message.react`: payload checks, then the
 * domain. The gateway runs each under its per-connection budget and error mapping.
 */
export class MessageUpdateHandlers {
  constructor(
    private readonly updates: MessageUpdatesService,
    private readonly reads: ReadsService,
  ) {}

  async read(userId: string, payload: unknown): Promise<Ok<{ readSeq: number }> | ErrorAck> {
    const dto = checkRoomRead(payload);
    if (typeof dto === 'string') return errorAck('bad_request', dto);
    return { ok: true, readSeq: await this.reads.markRead(userId, dto.roomId, dto.seq) };
  }

  async edit(userId: string, payload: unknown): MessageAck {
    const dto = checkMessageEdit(payload);
    if (typeof dto === 'string') return errorAck('bad_request', dto);
    return { ok: true, message: await this.updates.edit(userId, dto.roomId, dto.id, dto.message) };
  }

  async remove(userId: string, payload: unknown): MessageAck {
    const dto = checkMessageDelete(payload);
    if (typeof dto === 'string') return errorAck('bad_request', dto);
    return { ok: true, message: await this.updates.remove(userId, dto.roomId, dto.id) };
  }

  async react(userId: string, payload: unknown): MessageAck {
    const dto = checkMessageReact(payload);
    if (typeof dto === 'string') return errorAck('bad_request', dto);
    const { roomId, id, emoji, on } = dto;
    return { ok: true, message: await this.updates.react(userId, roomId, id, emoji, on) };
  }
}
