import { Limits, Message, MessageUpdate, Reaction } from '@app/contracts';

export type StreamEntry = [id: string, fields: string[]];

interface StoredBody {
  f: string;
  m: string;
  s: number | string;
  c?: string;
}

/**
 * Builds a Message from a stream entry; the date is the entry id's millisecond time. Entries hold
 * one JSON field `j` ({f, m, s, c}); entries written before that format (fields f, m, s, c) are
 * read as well.
 */
export function entryToMessage(roomId: string, [id, fields]: StreamEntry): Message {
  let body: StoredBody;
  if (fields[0] === 'j') {
    body = JSON.parse(fields[1]) as StoredBody;
  } else {
    const f: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
    body = { f: f.f, m: f.m, s: f.s, c: f.c };
  }
  const message: Message = {
    id,
    roomId,
    from: body.f,
    message: body.m,
    date: Number(id.slice(0, id.indexOf('-'))) / 1000,
    seq: Number(body.s),
  };
  if (body.c) message.clientId = body.c;
  return message;
}

/** What the room's state hash holds for a changed message (scripts/message-updates.lua.ts). */
interface StoredState {
  /** Edited text. */
  m?: string;
  /** Edited at, ms (a string or a number: Lua writes what it was given). */
  e?: string | number;
  d?: 1;
  r?: [emoji: string, userIds: string[]][];
  s?: number;
}

/**
 * The message as it stands: the stream entry with its stored state merged in. A deleted message
 * keeps its id, author, date and seq, and loses its text and reactions.
 */
export function withState(message: Message, raw: string | null | undefined): Message {
  if (!raw) return message;
  const state = JSON.parse(raw) as StoredState;
  const current: Message = { ...message };
  if (state.e !== undefined) current.editedAt = Number(state.e) / 1000;
  if (state.d) {
    current.message = '';
    current.deleted = true;
    return current;
  }
  if (state.m !== undefined) current.message = state.m;
  // cjson writes an empty list as {}: only arrays carry reactions.
  if (Array.isArray(state.r) && state.r.length > 0) current.reactions = state.r.map(toReaction);
  return current;
}

function toReaction([emoji, userIds]: [string, string[]]): Reaction {
  const ids = Array.isArray(userIds) ? userIds : [];
  return { emoji, count: ids.length, userIds: ids.slice(0, Limits.reactionUserIdsShown) };
}

/** Entries and their states (same order; a missing state is an unchanged message). */
export function mergeStates(
  roomId: string,
  entries: StreamEntry[],
  states: (string | null)[],
): Message[] {
  return entries.map((entry, i) => withState(entryToMessage(roomId, entry), states[i]));
}

/** SYNC_AFTER's updates: [seq, entry, state] → {seq, message}. */
export function toUpdates(roomId: string, rows: [number, StreamEntry, string][]): MessageUpdate[] {
  return rows.map(([seq, entry, state]) => ({
    seq: Number(seq),
    message: withState(entryToMessage(roomId, entry), state),
  }));
}
