import type { Message } from '../contracts';

/** Stream ids ("1763784000123-0") compared numerically, part by part. */
export function compareIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}

/** Room order: seq first (gap-free per room), the id as a tie-break for malformed input. */
export function compareMessages(a: Message, b: Message): number {
  return a.seq - b.seq || compareIds(a.id, b.id);
}

/**
 * Merges messages into a sorted, duplicate-free list. Returns the same array when nothing new
 * arrived, so callers (and React) can tell that nothing changed.
 */
export function mergeMessages(
  existing: readonly Message[],
  incoming: readonly Message[],
): Message[] {
  if (incoming.length === 0) return existing as Message[];
  const known = new Set(existing.map((m) => m.id));
  const fresh: Message[] = [];
  for (const m of incoming) {
    if (known.has(m.id)) continue;
    known.add(m.id);
    fresh.push(m);
  }
  if (fresh.length === 0) return existing as Message[];
  const last = existing[existing.length - 1];
  fresh.sort(compareMessages);
  // The common case, a live message after the newest one, needs no full sort.
  if (!last || compareMessages(last, fresh[0]) < 0) return [...existing, ...fresh];
  return [...existing, ...fresh].sort(compareMessages);
}

/** The list with `message` (same id) in its current state; the same array when absent or equal. */
export function replaceMessage(messages: readonly Message[], message: Message): Message[] {
  const i = messages.findIndex((m) => m.id === message.id);
  if (i === -1 || sameState(messages[i], message)) return messages as Message[];
  const next = [...messages];
  next[i] = { ...message, seq: messages[i].seq };
  return next;
}

function sameState(a: Message, b: Message): boolean {
  return (
    a.message === b.message &&
    a.editedAt === b.editedAt &&
    a.deleted === b.deleted &&
    JSON.stringify(a.reactions ?? []) === JSON.stringify(b.reactions ?? [])
  );
}

/** Others' messages after the read marker among those loaded. */
export function countUnread(messages: readonly Message[], readSeq: number, me: string): number {
  let n = 0;
  for (let i = messages.length - 1; i >= 0 && messages[i].seq > readSeq; i -= 1)
    if (messages[i].from !== me) n += 1;
  return n;
}

/** Message text length as the server counts it: Unicode code points. */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** The peer of a DM id "a:b" for user `me`, or null for another kind of room. */
export function dmPeer(roomId: string, me: string): string | null {
  const parts = roomId.split(':');
  if (parts.length !== 2) return null;
  return parts[0] === me ? parts[1] : parts[0];
}

const DAY_MS = 86_400_000;

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** "Today", "Yesterday", a weekday within the week, else a date. `date` in seconds. */
export function dayLabel(date: number, now = new Date()): string {
  const d = new Date(date * 1000);
  const days = Math.round((startOfDay(now) - startOfDay(d)) / DAY_MS);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return d.toLocaleDateString(undefined, { weekday: 'long' });
  return d.toLocaleDateString(undefined, {
    year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric',
    month: 'long',
    day: 'numeric',
  });
}

export function dayKey(date: number): string {
  const d = new Date(date * 1000);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function timeLabel(date: number): string {
  return new Date(date * 1000).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** Short time for the room list: the time today, else a day or date. */
export function shortWhen(date: number, now = new Date()): string {
  const d = new Date(date * 1000);
  if (startOfDay(d) === startOfDay(now)) return timeLabel(date);
  const days = Math.round((startOfDay(now) - startOfDay(d)) / DAY_MS);
  if (days < 7) return d.toLocaleDateString(undefined, { weekday: 'short' });
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

export interface TextPart {
  text: string;
  href?: string;
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;

/**
 * Splits message text into plain parts and http(s) links. Only these two schemes ever become
 * links (never javascript: or data:); the text itself is always rendered as text.
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    const trailing = /[.,;:!?)\]}]+$/.exec(url);
    if (trailing) url = url.slice(0, -trailing[0].length);
    const start = match.index;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: url, href: url });
    last = start + url.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
