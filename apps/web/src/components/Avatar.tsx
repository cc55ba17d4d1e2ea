import type { UserStatus } from '../contracts';

const PALETTE = [
  '#4f46e5',
  '#0891b2',
  '#059669',
  '#d97706',
  '#db2777',
  '#7c3aed',
  '#2563eb',
  '#dc2626',
];

function colorFor(name: string): string {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

/** "Mary Ann" → "MA", "mary.ann" → "MA", "Pablo" → "P". */
function initials(name: string): string {
  const words = name.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => [...w][0]);
  return (letters.join('') || '#').toUpperCase();
}

interface Props {
  name: string;
  /** undefined: no presence dot (General). */
  status?: UserStatus;
  group?: boolean;
  size?: 'sm' | 'md';
}

export function Avatar({ name, status, group, size = 'md' }: Props) {
  return (
    <span
      className={`avatar avatar--${size}${group ? ' avatar--group' : ''}`}
      style={group ? undefined : { background: colorFor(name) }}
      aria-hidden="true"
    >
      {group ? '#' : initials(name)}
      {status !== undefined && (
        <span className={`presence presence--${status}`} data-presence={status} />
      )}
    </span>
  );
}
