/** Cursors are opaque to clients: the index entry (or member id) to continue after. */
export const Cursor = {
  encode: (value: string | null): string | null =>
    value === null ? null : Buffer.from(value, 'utf8').toString('base64url'),
  decode: (cursor: string | undefined): string | null =>
    cursor ? Buffer.from(cursor, 'base64url').toString('utf8') : null,
};
