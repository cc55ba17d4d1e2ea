import type { Room } from '@app/contracts';
import { toUser } from '../users/user-view';
import { Account, ChatDomain, chatDomain } from '../../../../test/support/chat-domain';
import { RoomViews } from './room-views';

// Real Redis: the private server started by the jest global setup, database 15 (ours alone).
const DB = 15;

const asUser = (a: Account) => toUser(a, false);
/** What every member is sent of a room: no viewer's own fields (role, read state). */
const shared = (room: Room): Room => RoomViews.shared(room);

describe('MembershipService (real repositories, no Nest container)', () => {
  let chat: ChatDomain;
  let owner: Account;
  let alice: Account;
  let bob: Account;

  const room = (kind: 'public' | 'private', ...members: Account[]) =>
    chat.groupRoom(owner, kind, ...members);
  const refused = (call: () => Promise<unknown>, code: string) => chat.expectNoEffect(call, code);

  const roleOf = async (viewer: Account, roomId: string) =>
    (await chat.rooms.assertMember(viewer.id, roomId)).role;

  beforeAll(async () => {
    chat = await chatDomain(DB);
  });
  beforeEach(async () => {
    [owner, alice, bob] = await chat.reset(3);
  });
  afterAll(() => chat.close());

  describe('join', () => {
    it('a public room: joined as member, announced once with the joiner’s view', async () => {
      const { id } = await room('public');
      const view = await chat.membership.join(alice.id, id);
      expect(view).toMatchObject({ id, memberCount: 2, role: 'member' });
      expect(chat.events.take()).toEqual([
        {
          name: 'memberJoined',
          event: { room: shared(view), user: asUser(alice), role: 'member', view },
        },
      ]);
      // Joining again is fine and changes nothing.
      await chat.expectNoEffect(() => chat.membership.join(alice.id, id));
      expect((await chat.rooms.roomsOf(alice.id)).map((r) => r.id)).toEqual(['0', id]);
    });

    it('a private room is forbidden; a DM too; an unknown room is not found', async () => {
      const { id } = await room('private');
      await refused(() => chat.membership.join(alice.id, id), 'forbidden');
      const { room: dm } = await chat.rooms.openDm(owner.id, bob.id);
      chat.events.take();
      await refused(() => chat.membership.join(alice.id, dm.id), 'forbidden');
      await refused(() => chat.membership.join(alice.id, 'gaaaaaaaaaaaaaaaa'), 'not_found');
    });

    it('20 concurrent joins leave exactly 20 new members, each announced once', async () => {
      const { id } = await room('public');
      const joiners = await Promise.all(Array.from({ length: 20 }, () => chat.user()));
      chat.events.take();
      await Promise.all(joiners.map((u) => chat.membership.join(u.id, id)));
      expect((await chat.rooms.get(owner.id, id)).memberCount).toBe(21);
      const joined = chat.events.take().map((e) => e.name === 'memberJoined' && e.event.user.id);
      expect(joined.sort()).toEqual(joiners.map((u) => u.id).sort());
    });
  });

  describe('add', () => {
    it('public room: any member adds someone, announced once; again is a no-op', async () => {
      const { id } = await room('public', alice);
      expect(await chat.membership.add(alice.id, id, bob.id)).toEqual({ added: true });
      const [joined, ...rest] = chat.events.take();
      expect(rest).toEqual([]);
      expect(joined).toMatchObject({
        name: 'memberJoined',
        event: { user: asUser(bob), role: 'member', room: { id, memberCount: 3 } },
      });
      expect(joined.event).toHaveProperty('view.role', 'member');
      expect(joined.event).not.toHaveProperty('room.role');
      expect(await roleOf(bob, id)).toBe('member');
      await chat.expectNoEffect(async () =>
        expect(await chat.membership.add(alice.id, id, bob.id)).toEqual({ added: false }),
      );
    });

    it('private room: a member may not add, an admin may', async () => {
      const { id } = await room('private', alice);
      await refused(() => chat.membership.add(alice.id, id, bob.id), 'forbidden');
      await chat.membership.setRole(owner.id, id, alice.id, 'admin');
      chat.events.take();
      expect(await chat.membership.add(alice.id, id, bob.id)).toEqual({ added: true });
      expect(chat.events.take().map((e) => e.name)).toEqual(['memberJoined']);
    });

    it('refuses an actor outside the room (403) and an unknown user (404)', async () => {
      const { id } = await room('public');
      await refused(() => chat.membership.add(alice.id, id, bob.id), 'forbidden');
      await refused(() => chat.membership.add(owner.id, id, '999999'), 'not_found');
    });
  });

  describe('remove (kick)', () => {
    it('a member cannot kick', async () => {
      const { id } = await room('public', alice, bob);
      await refused(() => chat.membership.remove(alice.id, id, bob.id), 'forbidden');
    });

    it('nobody kicks the owner, not even an admin', async () => {
      const { id } = await room('private', alice);
      await chat.membership.setRole(owner.id, id, alice.id, 'admin');
      chat.events.take();
      await refused(() => chat.membership.remove(alice.id, id, owner.id), 'forbidden');
    });

    it('an admin kicks a member: gone from the room and their list, announced once', async () => {
      const { id } = await room('private', alice, bob);
      await chat.membership.setRole(owner.id, id, alice.id, 'admin');
      chat.events.take();
      await chat.membership.remove(alice.id, id, bob.id);
      expect(chat.events.take()).toEqual([
        {
          name: 'memberLeft',
          event: {
            room: shared(await chat.rooms.get(owner.id, id)),
            user: asUser(bob),
          },
        },
      ]);
      expect((await chat.rooms.get(owner.id, id)).memberCount).toBe(2);
      await expect(chat.rooms.assertMember(bob.id, id)).rejects.toMatchObject({
        code: 'forbidden',
      });
      expect((await chat.rooms.roomsOf(bob.id)).map((r) => r.id)).toEqual(['0']);
    });

    it('kicking yourself is a bad request; kicking a non-member is not found', async () => {
      const { id } = await room('public');
      await refused(() => chat.membership.remove(owner.id, id, owner.id), 'bad_request');
      await refused(() => chat.membership.remove(owner.id, id, bob.id), 'not_found');
    });
  });

  describe('leave', () => {
    it('the owner cannot leave (409) until ownership was handed over', async () => {
      const { id } = await room('public', alice);
      await refused(() => chat.membership.leave(owner.id, id), 'conflict');
      await chat.membership.setRole(owner.id, id, alice.id, 'owner');
      chat.events.take();
      await chat.membership.leave(owner.id, id);
      expect(chat.events.take().map((e) => e.name)).toEqual(['memberLeft']);
      await refused(() => chat.membership.leave(alice.id, id), 'conflict');
    });

    it('a member leaves, announced once; leaving again is forbidden', async () => {
      const { id } = await room('public', alice);
      await chat.membership.leave(alice.id, id);
      expect(chat.events.take()).toEqual([
        {
          name: 'memberLeft',
          event: { room: shared(await chat.rooms.get(owner.id, id)), user: asUser(alice) },
        },
      ]);
      await refused(() => chat.membership.leave(alice.id, id), 'forbidden');
    });

    it('General and DMs cannot be left', async () => {
      const { room: dm } = await chat.rooms.openDm(owner.id, alice.id);
      chat.events.take();
      await refused(() => chat.membership.leave(alice.id, '0'), 'conflict');
      await refused(() => chat.membership.leave(alice.id, dm.id), 'conflict');
    });
  });

  describe('setRole', () => {
    it('hands ownership over: the new owner, and the old one as admin, both announced', async () => {
      const { id } = await room('public', alice);
      expect(await chat.membership.setRole(owner.id, id, alice.id, 'owner')).toEqual({
        user: asUser(alice),
        role: 'owner',
      });
      const seen = shared(await chat.rooms.get(owner.id, id));
      expect(chat.events.take()).toEqual([
        { name: 'memberUpdated', event: { room: seen, user: asUser(alice), role: 'owner' } },
        { name: 'memberUpdated', event: { room: seen, user: asUser(owner), role: 'admin' } },
      ]);
      expect([await roleOf(owner, id), await roleOf(alice, id)]).toEqual(['admin', 'owner']);
      // The old owner has no say over roles any more.
      await refused(() => chat.membership.setRole(owner.id, id, alice.id, 'member'), 'forbidden');
    });

    it('only the owner sets roles; not your own; only of members', async () => {
      const { id } = await room('public', alice, bob);
      await chat.membership.setRole(owner.id, id, alice.id, 'admin');
      chat.events.take();
      await refused(() => chat.membership.setRole(alice.id, id, bob.id, 'admin'), 'forbidden');
      await refused(() => chat.membership.setRole(owner.id, id, owner.id, 'member'), 'bad_request');
      const outsider = await chat.user();
      await refused(() => chat.membership.setRole(owner.id, id, outsider.id, 'admin'), 'not_found');
    });
  });

  describe('members', () => {
    it('pages through every member with their role, then a null cursor', async () => {
      const others = await Promise.all(Array.from({ length: 4 }, () => chat.user()));
      const { id } = await room('public', alice, bob, ...others);
      await chat.membership.setRole(owner.id, id, alice.id, 'admin');
      const seen: { id: string; role: string }[] = [];
      let cursor: string | undefined;
      for (let pages = 1; ; pages += 1) {
        const page = await chat.membership.members(bob.id, id, cursor, 3);
        expect(page.members.length).toBeLessThanOrEqual(3);
        seen.push(...page.members.map((m) => ({ id: m.user.id, role: m.role })));
        if (!page.nextCursor) {
          expect(pages).toBe(3);
          break;
        }
        cursor = page.nextCursor;
      }
      const roles = new Map([
        [owner.id, 'owner'],
        [alice.id, 'admin'],
      ]);
      const everyone = [owner, alice, bob, ...others].map((u) => u.id).sort();
      expect(seen).toEqual(everyone.map((uid) => ({ id: uid, role: roles.get(uid) ?? 'member' })));
    });

    it('is for members only', async () => {
      const { id } = await room('private', alice);
      await expect(chat.membership.members(bob.id, id, undefined, 10)).rejects.toMatchObject({
        code: 'forbidden',
      });
    });
  });
});
