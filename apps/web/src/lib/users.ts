import { Limits, type OwnStatus, type StatusSetting, type User } from '../contracts';
import { api } from './api';
import { shownStatus } from './presence';
import type { Link } from './socket';
import type { StateCell } from './state';

/**
 * Users and presence. There is no "every user" route: users are fetched by id when a message,
 * a DM or a typing notice names one we do not know, refreshed by id after a reconnect, and found
 * with the prefix search for pickers. Presence arrives for people we share a room with; for
 * others on screen (search results) the client asks with `presence.watch`.
 */
export class Users {
  private readonly missing = new Set<string>();
  private fetchTimer?: ReturnType<typeof setTimeout>;
  /** The `presence.watch` list last given to the SDK. */
  private watched: string[] = [];

  constructor(
    private readonly cell: StateCell,
    private readonly link: Link,
  ) {}

  dispose(): void {
    clearTimeout(this.fetchTimer);
  }

  upsert(users: readonly User[]): void {
    let changed = false;
    const next = { ...this.cell.current.users };
    for (const user of users) {
      if (!user || typeof user.id !== 'string') continue;
      const known = next[user.id];
      const seen = toUser(user);
      if (known && sameUser(known, seen)) continue;
      next[user.id] = seen;
      this.missing.delete(user.id);
      changed = true;
    }
    if (changed) this.cell.set({ users: next });
  }

  /** Our own status setting (invisible included), for the picker. */
  async loadOwnStatus(): Promise<void> {
    try {
      this.setOwn(await api.ownStatus());
    } catch {
      // The picker shows what the user object says until the next try.
    }
  }

  async setOwnStatus(status: StatusSetting, text: string): Promise<void> {
    this.setOwn(await api.setStatus(status, text));
  }

  private setOwn(own: OwnStatus): void {
    const { me, users } = this.cell.current;
    const next: User = { ...me, status: shownStatus(own.status), statusText: own.text };
    this.cell.set({ ownStatus: own, me: next, users: { ...users, [me.id]: next } });
  }

  /** Fetches (batched, by id) the users among `ids` that are not known yet. */
  ensure(ids: readonly string[]): void {
    const users = this.cell.current.users;
    for (const id of ids) if (!users[id]) this.missing.add(id);
    if (this.missing.size === 0 || this.fetchTimer) return;
    this.fetchTimer = setTimeout(() => {
      this.fetchTimer = undefined;
      const wanted = [...this.missing];
      this.missing.clear();
      void this.fetch(wanted);
    }, 50);
  }

  /** After a reconnect: names and presence of everyone we know may have changed meanwhile. */
  async refreshKnown(): Promise<void> {
    const me = this.cell.current.me.id;
    await this.fetch(Object.keys(this.cell.current.users).filter((id) => id !== me));
  }

  private async fetch(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += Limits.userIdsMax) {
      try {
        this.upsert(await api.usersByIds(ids.slice(i, i + Limits.userIdsMax)));
      } catch {
        // Shown as "User 12" until the next reconnect or mention asks again.
      }
    }
  }

  /** A username prefix search; results (and their presence) go into the known users too. */
  async search(
    q: string,
    cursor?: string | null,
  ): Promise<{ users: User[]; nextCursor: string | null }> {
    const page = await api.searchUsers(q, cursor);
    this.upsert(page.users);
    return page;
  }

  /** Presence for these users even without a shared room (replaces the previous list). */
  watch(userIds: readonly string[]): void {
    const next = [...new Set(userIds)].slice(0, Limits.presenceWatchMax);
    if (next.join(',') === this.watched.join(',')) return;
    this.watched = next;
    // The SDK keeps the list and sends it again after every reconnect.
    this.link
      .socket()
      ?.watchPresence(next)
      .then(
        (users) => this.upsert(users),
        () => undefined, // their presence shows after the next reconnect
      );
  }
}

/** A user from the server, with the fields an older server leaves out filled in. */
function toUser(user: User): User {
  const online = Boolean(user.online);
  return {
    id: user.id,
    username: user.username,
    online,
    status: user.status ?? (online ? 'online' : 'offline'),
    statusText: user.statusText ?? '',
    lastSeen: user.lastSeen ?? null,
  };
}

function sameUser(a: User, b: User): boolean {
  return (
    a.online === b.online &&
    a.username === b.username &&
    a.status === b.status &&
    a.statusText === b.statusText &&
    a.lastSeen === b.lastSeen
  );
}
