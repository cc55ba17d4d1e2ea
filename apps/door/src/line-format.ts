import type { Message } from '@app/contracts';

const NAMED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/** Backslash, and every control character (C0, DEL, C1): one message is one line, and nothing a
 * sender writes can move a reader's cursor or recolour their terminal. */
const ESCAPED = /[\\\p{Cc}]/gu;

/** Text as it travels on a line: `\n` for a newline, `\\` for a backslash, `\xHH` for a control. */
export function escapeText(text: string): string {
  return text.replace(
    ESCAPED,
    (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

const UNESCAPE = /\\(\\|n|t)/g;
const UNESCAPED: Record<string, string> = { '\\': '\\', n: '\n', t: '\t' };

/** The other way, for text a door user sends: `\n`, `\t` and `\\`; any other `\` stays as typed. */
export function unescapeText(text: string): string {
  return text.replace(UNESCAPE, (_, c: string) => UNESCAPED[c]);
}

/** ISO 8601 in UTC to the second: `2026-12-04T03:13:34Z`. */
export function lineDate(message: Pick<Message, 'date'>): string {
  return new Date(Math.round(message.date * 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Splits a command line: the verb (upper-cased) and the rest after one run of spaces. */
export function splitVerb(line: string): { verb: string; rest: string } {
  const match = /^\s*(\S+)(?:[ \t]+([\s\S]*))?$/.exec(line);
  if (!match) return { verb: '', rest: '' };
  return { verb: match[1].toUpperCase(), rest: match[2] ?? '' };
}

/** The first word and what follows it (one separator removed, the rest kept as sent). */
export function firstWord(text: string): [string, string] {
  const match = /^(\S*)(?:[ \t]([\s\S]*))?$/.exec(text);
  return match ? [match[1], match[2] ?? ''] : ['', ''];
}
