import { BadRequest } from '../errors/domain-error';

/**
 * Cursors are opaque to clients: the index entry (or member id) to continue after. One that did
 * not come from us is refused rather than read as some other position, so a client bug shows up
 * as a 400 instead of a page that silently skips or repeats rooms.
 */
export const Cursor = {
  encode: (value: string | null): string | null =>
    value === null ? null : Buffer.from(value, 'utf8').toString('base64url'),
  decode: (cursor: string | undefined): string | null => {
    if (!cursor) return null;
    const value = Buffer.from(cursor, 'base64url').toString('utf8');
    if (Cursor.encode(value) !== cursor) throw BadRequest('cursor must come from a previous page');
    return value;
  },
};
