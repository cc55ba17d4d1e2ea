import type { User } from '@app/contracts';
import type { StatusRecord } from '@app/redis';

const NO_STATUS: StatusRecord = { setting: 'online', text: '', seenAt: null };

/**
 * A user as others see them. Invisible is offline in every field: `online` false, status
 * `offline` and the `lastSeen` of the last time they really went offline (an invisible user's
 * connections never move it), so nothing tells the two apart.
 */
export function toUser(
  record: { id: string; username: string },
  online: boolean,
  status: StatusRecord = NO_STATUS,
): User {
  const visible = online && status.setting !== 'invisible';
  return {
    id: record.id,
    username: record.username,
    online: visible,
    status: visible ? (status.setting as User['status']) : 'offline',
    statusText: status.text,
    lastSeen: visible || status.seenAt === null ? null : status.seenAt / 1000,
  };
}

/** True when others would notice a difference between the two views. */
export function viewChanged(before: User, after: User): boolean {
  return (
    before.online !== after.online ||
    before.status !== after.status ||
    before.statusText !== after.statusText
  );
}
