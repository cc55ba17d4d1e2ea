import type Redis from 'ioredis';

/** Sorted-set entries of a name index: `lower-cased name \0 id`, so equal names stay distinct. */
const SEP = '\u0000';
/** Sorts after every character a name can hold: the end of a prefix range. */
const PREFIX_END = '\u{10ffff}';

export function directoryEntry(name: string, id: string): string {
  return `${name.toLowerCase()}${SEP}${id}`;
}

/**
 * One page of a `name \0 id` sorted set: ids whose lower-cased name starts with `prefix`, after
 * the entry `after`. `last` is the page's last entry (the next cursor).
 */
export async function pageByName(
  redis: Redis,
  key: string,
  prefix: string,
  after: string | null,
  limit: number,
): Promise<{ ids: string[]; last: string | null; more: boolean }> {
  const lower = prefix.toLowerCase();
  const entries = await redis.zrangebylex(
    key,
    after ? `(${after}` : `[${lower}`,
    `[${lower}${PREFIX_END}`,
    'LIMIT',
    0,
    limit + 1,
  );
  const page = entries.slice(0, limit);
  return {
    ids: page.map((e) => e.slice(e.lastIndexOf(SEP) + 1)),
    last: page.at(-1) ?? null,
    more: entries.length > limit,
  };
}
