// Keeps docs/asyncapi.yaml honest: it must be a valid AsyncAPI 3 document (checked by the official
// parser), name exactly the Socket.IO events of events.ts in the right direction, and describe
// the wire shapes of models.ts / events.ts field for field.
//
// @asyncapi/parser 3.x ships a CommonJS build (`main: cjs/index.js`), so it loads under jest with
// @swc/jest and CommonJS on Node 20 without any ESM switch.
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import type { AsyncAPIDocumentInterface, SchemaInterface } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ClientEvents,
  ServerEvents,
  type MemberEvent,
  type MessageDeletePayload,
  type MessageEditPayload,
  type MessageReactPayload,
  type MessageUpdate,
  type MessageUpdatedEvent,
  type PresenceWatchPayload,
  type RoomReadEvent,
  type RoomReadPayload,
  type RoomLeftEvent,
  type SendMessagePayload,
  type SyncPayload,
  type SyncRoomResult,
  type TalkEvent,
  type TypingEvent,
  type TypingPayload,
} from './events';
import type { AckError, Message, Reaction, Room, RoomKind, RoomRole, User } from './models';

const DOC_PATH = resolve(__dirname, '../../../docs/asyncapi.yaml');

type ClientEventName = (typeof ClientEvents)[keyof typeof ClientEvents];
type ServerEventName = (typeof ServerEvents)[keyof typeof ServerEvents];

/**
 * Every field of T, marked as the type declares it. `tsc --noEmit` (part of `npm test`) rejects a
 * map below that misses a field, has one too many or gets its optionality wrong, so a change to
 * models.ts or events.ts points here, and from here to the YAML.
 */
type Fields<T> = { [K in keyof T]-?: object extends Pick<T, K> ? 'optional' : 'required' };

const shapes: Record<string, Record<string, 'optional' | 'required'>> = {
  User: {
    id: 'required',
    username: 'required',
    online: 'required',
    status: 'required',
    statusText: 'required',
    lastSeen: 'required',
  } satisfies Fields<User>,
  Message: {
    id: 'required',
    roomId: 'required',
    from: 'required',
    message: 'required',
    date: 'required',
    seq: 'required',
    clientId: 'optional',
    editedAt: 'optional',
    deleted: 'optional',
    reactions: 'optional',
  } satisfies Fields<Message>,
  Reaction: {
    emoji: 'required',
    count: 'required',
    userIds: 'required',
  } satisfies Fields<Reaction>,
  Room: {
    id: 'required',
    kind: 'required',
    names: 'required',
    name: 'required',
    topic: 'required',
    createdBy: 'required',
    memberCount: 'required',
    role: 'optional',
    lastSeq: 'required',
    readSeq: 'optional',
    unread: 'optional',
  } satisfies Fields<Room>,
  AckError: {
    code: 'required',
    message: 'required',
    retryAfterMs: 'optional',
  } satisfies Fields<AckError>,
  RoomLeftEvent: { roomId: 'required' } satisfies Fields<RoomLeftEvent>,
  MemberEvent: {
    roomId: 'required',
    user: 'required',
    role: 'optional',
  } satisfies Fields<MemberEvent>,
  TypingEvent: {
    roomId: 'required',
    userId: 'required',
    typing: 'required',
  } satisfies Fields<TypingEvent>,
  SendMessagePayload: {
    roomId: 'required',
    message: 'required',
    clientId: 'optional',
  } satisfies Fields<SendMessagePayload>,
  TypingPayload: { roomId: 'required', typing: 'required' } satisfies Fields<TypingPayload>,
  SyncPayload: { cursors: 'required' } satisfies Fields<SyncPayload>,
  SyncRoomResult: {
    messages: 'required',
    complete: 'required',
    updates: 'required',
  } satisfies Fields<SyncRoomResult>,
  MessageUpdate: { seq: 'required', message: 'required' } satisfies Fields<MessageUpdate>,
  MessageUpdatedEvent: {
    roomId: 'required',
    seq: 'required',
    message: 'required',
  } satisfies Fields<MessageUpdatedEvent>,
  RoomReadPayload: { roomId: 'required', seq: 'required' } satisfies Fields<RoomReadPayload>,
  RoomReadEvent: { roomId: 'required', readSeq: 'required' } satisfies Fields<RoomReadEvent>,
  MessageEditPayload: {
    roomId: 'required',
    id: 'required',
    message: 'required',
  } satisfies Fields<MessageEditPayload>,
  MessageDeletePayload: {
    roomId: 'required',
    id: 'required',
  } satisfies Fields<MessageDeletePayload>,
  MessageReactPayload: {
    roomId: 'required',
    id: 'required',
    emoji: 'required',
    on: 'required',
  } satisfies Fields<MessageReactPayload>,
  PresenceWatchPayload: { userIds: 'required' } satisfies Fields<PresenceWatchPayload>,
  TalkEvent: { roomId: 'required', user: 'required' } satisfies Fields<TalkEvent>,
};

/** Union members, listed once each (tsc rejects a missing or unknown one). */
const roomKinds: Record<RoomKind, true> = { public: true, private: true, dm: true };
const roomRoles: Record<RoomRole, true> = { owner: true, admin: true, member: true };
const ackCodes: Record<AckError['code'], true> = {
  bad_request: true,
  unauthorized: true,
  forbidden: true,
  not_found: true,
  conflict: true,
  rate_limited: true,
  blocked: true,
  unavailable: true,
  internal: true,
};

/** The schema component each event's payload is (ClientToServerEvents / ServerToClientEvents). */
const clientPayloads: Record<ClientEventName, string> = {
  message: 'SendMessagePayload',
  'room.join': 'RoomId',
  typing: 'TypingPayload',
  sync: 'SyncPayload',
  'presence.watch': 'PresenceWatchPayload',
  'room.read': 'RoomReadPayload',
  'message.edit': 'MessageEditPayload',
  'message.delete': 'MessageDeletePayload',
  'message.react': 'MessageReactPayload',
};
const serverPayloads: Record<ServerEventName, string> = {
  message: 'Message',
  typing: 'TypingEvent',
  'user.connected': 'User',
  'user.disconnected': 'User',
  'user.status': 'User',
  'show.room': 'Room',
  'session.revoked': '',
  'room.joined': 'Room',
  'room.left': 'RoomLeftEvent',
  // A Room broadcast to every member alike: the Room schema without `role`.
  'room.updated': 'BroadcastRoom',
  'member.joined': 'MemberEvent',
  'member.left': 'MemberEvent',
  'member.updated': 'MemberEvent',
  'talk.start': 'TalkEvent',
  'talk.stop': 'TalkEvent',
  'room.read': 'RoomReadEvent',
  'message.updated': 'MessageUpdatedEvent',
};

/** The success branch of each client event's ack, beyond `ok: true`. */
const ackFields: Record<ClientEventName, string[]> = {
  message: ['message', 'replayed'],
  'room.join': [],
  typing: [],
  sync: ['rooms'],
  'presence.watch': ['users'],
  'room.read': ['readSeq'],
  'message.edit': ['message'],
  'message.delete': ['message'],
  'message.react': ['message'],
};

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

describe('docs/asyncapi.yaml', () => {
  let document: AsyncAPIDocumentInterface;

  beforeAll(async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(
      readFileSync(DOC_PATH, 'utf8'),
      { source: DOC_PATH },
    );
    const errors = diagnostics
      // Spectral's and the parser's DiagnosticSeverity are two enums of the same numbers.
      .filter((d) => Number(d.severity) === Number(DiagnosticSeverity.Error))
      .map((d) => `${d.path.join('/')}: ${d.message} (${d.code})`);
    // Fail with the parser's own words rather than a bare "undefined document".
    expect(errors).toEqual([]);
    expect(parsed).toBeDefined();
    document = parsed as AsyncAPIDocumentInterface;
  });

  it('is an AsyncAPI 3.0 document', () => {
    expect(document.version()).toBe('3.0.0');
  });

  /** Event names of one direction: `receive` = client → gateway, `send` = gateway → client. */
  function eventNames(action: 'receive' | 'send'): string[] {
    const names = document
      .operations()
      .all()
      .filter((op) => op.action() === action)
      .flatMap((op) =>
        op
          .messages()
          .all()
          .map((m) => m.name() ?? `<unnamed ${m.id()}>`),
      );
    return sorted(new Set(names));
  }

  it('names every client event of events.ts as a receive operation, and no other', () => {
    expect(eventNames('receive')).toEqual(sorted(Object.values(ClientEvents)));
  });

  it('names every server event of events.ts as a send operation, and no other', () => {
    expect(eventNames('send')).toEqual(sorted(Object.values(ServerEvents)));
  });

  it('names no event outside the operations (ack replies carry no event name)', () => {
    const inOperations = new Set([...eventNames('receive'), ...eventNames('send')]);
    const named = document
      .allMessages()
      .all()
      .map((m) => m.name())
      .filter((n): n is string => n !== undefined);
    expect(named.filter((n) => !inOperations.has(n))).toEqual([]);
  });

  it('describes the ack of every client event as a reply: success or an ErrorAck', () => {
    for (const op of document.operations().all()) {
      if (op.action() !== 'receive') continue;
      const event = op.messages().all()[0].name() as ClientEventName;
      const reply = op.reply();
      expect({ event, hasReply: reply !== undefined }).toEqual({ event, hasReply: true });
      const payload = reply!.messages().all()[0]?.payload();
      const branches = payload?.oneOf() ?? [];
      expect(branches.map((b) => b.id())).toContain('ErrorAck');
      const success = branches.find((b) => b.id() !== 'ErrorAck');
      const props = Object.keys(success?.properties() ?? {});
      expect({ event, fields: sorted(props) }).toEqual({
        event,
        fields: sorted(['ok', ...ackFields[event]]),
      });
      expect(success?.properties()?.ok?.const()).toBe(true);
    }
  });

  it("gives each event the payload schema of events.ts's typed maps", () => {
    const payloadOf = (action: 'receive' | 'send'): Record<string, string> =>
      Object.fromEntries(
        document
          .operations()
          .all()
          .filter((op) => op.action() === action)
          .map((op): [string, string] => {
            const message = op.messages().all()[0];
            const id = message.payload()?.id() ?? '';
            return [message.name() ?? '', id.startsWith('<anonymous') ? '' : id];
          }),
      );
    expect(payloadOf('receive')).toEqual(clientPayloads);
    expect(payloadOf('send')).toEqual(serverPayloads);
  });

  describe('schemas match models.ts and events.ts field for field', () => {
    const schema = (name: string): SchemaInterface => {
      const found = document.components().schemas().get(name);
      if (!found) throw new Error(`components.schemas.${name} is missing`);
      return found;
    };

    it.each(Object.keys(shapes))('%s', (name) => {
      const s = schema(name);
      const expected = shapes[name];
      expect(sorted(Object.keys(s.properties() ?? {}))).toEqual(sorted(Object.keys(expected)));
      expect(sorted(s.required() ?? [])).toEqual(
        sorted(Object.keys(expected).filter((k) => expected[k] === 'required')),
      );
    });

    it('enumerates room kinds, roles and ack error codes', () => {
      expect(sorted(schema('Room').properties()!.kind.enum() as string[])).toEqual(
        sorted(Object.keys(roomKinds)),
      );
      expect(sorted(schema('RoomRole').enum() as string[])).toEqual(sorted(Object.keys(roomRoles)));
      expect(sorted(schema('AckError').properties()!.code.enum() as string[])).toEqual(
        sorted(Object.keys(ackCodes)),
      );
    });

    it('keeps `role` out of a broadcast room', () => {
      const broadcast = schema('BroadcastRoom');
      const parts = broadcast.allOf() ?? [];
      expect(parts.map((p) => p.id())).toContain('Room');
      expect(parts.some((p) => p.not()?.required()?.includes('role'))).toBe(true);
    });
  });
});
