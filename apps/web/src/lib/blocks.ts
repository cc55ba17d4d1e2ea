import { api } from './api';
import type { StateCell } from './state';

/**
 * The people this user blocked (`/api/me/blocks`). The server refuses their DMs and invitations;
 * in shared group rooms their messages still arrive and the timeline hides them behind
 * "Blocked message – show".
 */
export class Blocks {
  constructor(private readonly cell: StateCell) {}

  async load(): Promise<void> {
    try {
      const users = await api.blocks();
      this.cell.set({ blocked: Object.fromEntries(users.map((u) => [u.id, true as const])) });
    } catch {
      // Nothing hidden until the next sign-in; the server enforces blocks anyway.
    }
  }

  async set(userId: string, on: boolean): Promise<void> {
    await (on ? api.block(userId) : api.unblock(userId));
    const blocked = { ...this.cell.current.blocked };
    if (on) blocked[userId] = true;
    else delete blocked[userId];
    this.cell.set({ blocked });
  }
}
