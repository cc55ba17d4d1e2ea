import type { StatusSetting, User, UserStatus } from '../contracts';

/** What others see, in words. */
export const statusLabel: Record<UserStatus, string> = {
  online: 'online',
  away: 'away',
  dnd: 'do not disturb',
  offline: 'offline',
};

/** What one may choose for oneself, in the picker's order. */
export const STATUS_CHOICES: { value: StatusSetting; label: string; hint: string }[] = [
  { value: 'online', label: 'Online', hint: 'Others see you online' },
  { value: 'away', label: 'Away', hint: 'Others see you away' },
  { value: 'dnd', label: 'Do not disturb', hint: 'Others see you busy' },
  { value: 'invisible', label: 'Invisible', hint: 'Others see you offline' },
];

/** The dot of a status setting: invisible shows as offline (as others see it). */
export const shownStatus = (s: StatusSetting): UserStatus => (s === 'invisible' ? 'offline' : s);

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['week', 7 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** "just now", "5 minutes ago", "yesterday", … for a time in Unix seconds. */
export function relativeTime(seconds: number, now = Date.now()): string {
  const diff = Math.round(seconds - now / 1000);
  if (Math.abs(diff) < 60) return 'just now';
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size) return rtf.format(Math.round(diff / size), unit);
  }
  return 'just now';
}

/** "online", "away", … or for an offline user "last seen 5 minutes ago" when known. */
export function presenceLine(user: User, now = Date.now()): string {
  if (user.status !== 'offline') return statusLabel[user.status];
  return user.lastSeen ? `last seen ${relativeTime(user.lastSeen, now)}` : 'offline';
}
