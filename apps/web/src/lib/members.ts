import type { MemberEvent, RoomMember, RoomRole, User } from '../contracts';
import { api, ApiError } from './api';
import type { MemberList, StateCell } from './state';

const PAGE = 50;

export interface MembersHooks {
  upsertUsers(users: readonly User[]): void;
  setOwnRole(roomId: string, role: RoomRole): void;
  refreshRooms(): Promise<void>;
}

function withMember(list: readonly RoomMember[], member: RoomMember): RoomMember[] {
  const i = list.findIndex((m) => m.user.id === member.user.id);
  if (i === -1) return [...list, member];
  const next = [...list];
  next[i] = member;
  return next;
}

/**
 * Member lists of the rooms whose settings are open: fetched a page at a time (merged by user id,
 * so a member who joined live is not listed twice when a later page also has them), kept live by
 * `member.joined` / `member.left` / `member.updated`, and changed by invite / kick / role here.
 */
export class Members {
  constructor(
    private readonly cell: StateCell,
    private readonly hooks: MembersHooks,
  ) {}

  private patch(roomId: string, update: (list: MemberList) => MemberList): void {
    const lists = this.cell.current.members;
    const list = lists[roomId];
    if (!list) return;
    const next = update(list);
    if (next !== list) this.cell.set({ members: { ...lists, [roomId]: next } });
  }

  /** Starts showing a room's members: the first page, fresh. */
  async open(roomId: string): Promise<void> {
    const empty: MemberList = { members: [], nextCursor: null, loading: true, error: null };
    this.cell.set({ members: { ...this.cell.current.members, [roomId]: empty } });
    await this.fetch(roomId, null);
  }

  async more(roomId: string): Promise<void> {
    const list = this.cell.current.members[roomId];
    if (!list || list.loading || !list.nextCursor) return;
    this.patch(roomId, (l) => ({ ...l, loading: true, error: null }));
    await this.fetch(roomId, list.nextCursor);
  }

  close(roomId: string): void {
    const lists = this.cell.current.members;
    if (!lists[roomId]) return;
    const next = { ...lists };
    delete next[roomId];
    this.cell.set({ members: next });
  }

  private async fetch(roomId: string, cursor: string | null): Promise<void> {
    try {
      const page = await api.members(roomId, cursor, PAGE);
      this.hooks.upsertUsers(page.members.map((m) => m.user));
      this.patch(roomId, (l) => ({
        ...l,
        members: page.members.reduce(withMember, l.members),
        nextCursor: page.nextCursor,
        loading: false,
      }));
    } catch (err) {
      const error = err instanceof ApiError ? err.message : 'Could not load the members';
      this.patch(roomId, (l) => ({ ...l, loading: false, error }));
    }
  }

  // ---- events -------------------------------------------------------------------------------

  onJoined(event: MemberEvent): void {
    if (!event?.user) return;
    this.hooks.upsertUsers([event.user]);
    this.patch(event.roomId, (l) => {
      const known = l.members.find((m) => m.user.id === event.user.id);
      const role = event.role ?? known?.role ?? 'member';
      return { ...l, members: withMember(l.members, { user: event.user, role }) };
    });
  }

  onLeft(event: MemberEvent): void {
    if (!event?.user) return;
    this.patch(event.roomId, (l) =>
      l.members.some((m) => m.user.id === event.user.id)
        ? { ...l, members: l.members.filter((m) => m.user.id !== event.user.id) }
        : l,
    );
  }

  onUpdated(event: MemberEvent): void {
    if (!event?.user) return;
    this.hooks.upsertUsers([event.user]);
    const role = event.role;
    if (!role) return;
    if (event.user.id === this.cell.current.me.id) this.hooks.setOwnRole(event.roomId, role);
    this.patch(event.roomId, (l) => ({
      ...l,
      members: l.members.map((m) => (m.user.id === event.user.id ? { ...m, role } : m)),
    }));
  }

  // ---- actions ------------------------------------------------------------------------------

  async invite(roomId: string, user: User): Promise<void> {
    await api.addMember(roomId, user.id);
    // 201 added, 200 already in: either way listed (with the role it has, when known).
    this.onJoined({ roomId, user });
  }

  async kick(roomId: string, userId: string): Promise<void> {
    await api.removeMember(roomId, userId);
    const user = this.cell.current.users[userId] ?? { id: userId, username: '', online: false };
    this.onLeft({ roomId, user });
  }

  async setRole(roomId: string, userId: string, role: RoomRole): Promise<void> {
    await api.setRole(roomId, userId, role);
    const user = this.cell.current.users[userId];
    if (user) this.onUpdated({ roomId, user, role });
    if (role === 'owner') {
      // Handing ownership over changes our own role too: take it (and the list) from the server.
      await this.hooks.refreshRooms();
      if (this.cell.current.members[roomId]) await this.open(roomId);
    }
  }
}
