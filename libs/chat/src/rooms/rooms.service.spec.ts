import { GROUP_ROOM_ID_PATTERN } from '@app/contracts';
import { Account, ChatDomain, chatDomain } from '../../../../test/support/chat-domain';
import { RoomViews } from './room-views';

// Real Redis: the private server started by the jest global setup, database 14 (ours alone).
const DB = 14;

describe('RoomsService (real repositories, no Nest container)', () => {
  let chat: ChatDomain;
  let owner: Account;
  let other: Account;

  beforeAll(async () => {
    chat = await chatDomain(DB);
  });
  beforeEach(async () => {
    [owner, other] = await chat.reset(2);
  });
  afterAll(() => chat.close());

  describe('create', () => {
    it.each(['public', 'private'] as const)(
      'a %s room: the creator is its owner, and it is announced once as opened',
      async (kind) => {
        const room = await chat.rooms.create(owner.id, { name: '  Design ', kind, topic: ' ux ' });
        expect(room).toMatchObject({
          id: expect.stringMatching(GROUP_ROOM_ID_PATTERN),
          kind,
          names: ['Design'],
          name: 'Design',
          topic: 'ux',
          createdBy: owner.id,
          memberCount: 1,
          role: 'owner',
          lastSeq: 0,
        });
        expect(chat.events.take()).toEqual([
          {
            name: 'roomOpened',
            event: { roomId: room.id, views: [{ userId: owner.id, room }], dm: false },
          },
        ]);
        expect(await chat.rooms.get(owner.id, room.id)).toEqual(room);
        expect((await chat.rooms.roomsOf(owner.id)).map((r) => r.id)).toEqual(['0', room.id]);
      },
    );

    it('a public name is unique ignoring case: 409, nothing stored, nothing announced', async () => {
      await chat.rooms.create(owner.id, { name: 'Design', kind: 'public' });
      chat.events.take();
      await chat.expectNoEffect(
        () => chat.rooms.create(other.id, { name: ' dESIGN ', kind: 'public' }),
        'conflict',
      );
    });

    it('private names are not claimed: private rooms may share a public room’s name', async () => {
      await chat.rooms.create(owner.id, { name: 'Design', kind: 'public' });
      const a = await chat.rooms.create(owner.id, { name: 'Design', kind: 'private' });
      const b = await chat.rooms.create(other.id, { name: 'design', kind: 'private' });
      expect(a.id).not.toBe(b.id);
    });
  });

  describe('directory', () => {
    it('lists public rooms only, by case-insensitive prefix, in name order', async () => {
      await chat.rooms.create(owner.id, { name: 'Team B', kind: 'public' });
      await chat.rooms.create(owner.id, { name: 'team a', kind: 'public' });
      await chat.rooms.create(owner.id, { name: 'Team secret', kind: 'private' });
      await chat.rooms.create(owner.id, { name: 'Other', kind: 'public' });
      const page = await chat.rooms.directory(other.id, 'TEAM', undefined, 10);
      expect(page.rooms.map((r) => r.name)).toEqual(['team a', 'Team B']);
      expect(page.nextCursor).toBeNull();
      const all = await chat.rooms.directory(other.id, '', undefined, 10);
      expect(all.rooms.map((r) => r.name)).toEqual(['Other', 'team a', 'Team B']);
      expect(all.rooms.every((r) => r.kind === 'public')).toBe(true);
    });

    it('pages with a cursor: every match once, then a null cursor', async () => {
      const names = ['dev-1', 'dev-2', 'dev-3', 'dev-4', 'dev-5'];
      for (const name of [...names].reverse())
        await chat.rooms.create(owner.id, { name, kind: 'public' });
      await chat.rooms.create(owner.id, { name: 'design', kind: 'public' });
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 1; ; pages += 1) {
        const page = await chat.rooms.directory(other.id, 'dev-', cursor, 2);
        seen.push(...page.rooms.map((r) => r.name));
        if (!page.nextCursor) {
          expect(pages).toBe(3);
          break;
        }
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(names);
    });

    it('a cursor from another search is a bad request', async () => {
      for (const name of ['alpha', 'alpine', 'beta'])
        await chat.rooms.create(owner.id, { name, kind: 'public' });
      const page = await chat.rooms.directory(other.id, 'al', undefined, 1);
      expect(page.nextCursor).not.toBeNull();
      await expect(chat.rooms.directory(other.id, 'b', page.nextCursor!, 1)).rejects.toMatchObject({
        code: 'bad_request',
      });
    });

    it('shows the caller’s role where they are a member, none elsewhere', async () => {
      const room = await chat.rooms.create(owner.id, { name: 'ops', kind: 'public' });
      const [mine] = (await chat.rooms.directory(owner.id, 'ops', undefined, 5)).rooms;
      const [theirs] = (await chat.rooms.directory(other.id, 'ops', undefined, 5)).rooms;
      expect(mine).toMatchObject({ id: room.id, role: 'owner', memberCount: 1 });
      expect(theirs.id).toBe(room.id);
      expect(theirs).not.toHaveProperty('role');
    });
  });

  describe('update', () => {
    it('the owner renames a public room: stored, re-listed, old name freed, announced', async () => {
      const room = await chat.rooms.create(owner.id, { name: 'Design', kind: 'public' });
      chat.events.take();
      const updated = await chat.rooms.update(owner.id, room.id, { name: 'UX', topic: 'pixels' });
      expect(updated).toMatchObject({ id: room.id, name: 'UX', topic: 'pixels', role: 'owner' });
      expect(chat.events.take()).toEqual([
        { name: 'roomUpdated', event: { room: RoomViews.shared(updated) } },
      ]);
      expect((await chat.rooms.directory(other.id, 'design', undefined, 5)).rooms).toEqual([]);
      const found = await chat.rooms.directory(other.id, 'ux', undefined, 5);
      expect(found.rooms.map((r) => r.id)).toEqual([room.id]);
      await expect(
        chat.rooms.create(other.id, { name: 'design', kind: 'public' }),
      ).resolves.toMatchObject({ name: 'design' });
    });

    it('a member may not change the room: 403, nothing stored, nothing announced', async () => {
      const room = await chat.rooms.create(owner.id, { name: 'Design', kind: 'public' });
      await chat.membership.join(other.id, room.id);
      chat.events.take();
      await chat.expectNoEffect(
        () => chat.rooms.update(other.id, room.id, { name: 'Mine' }),
        'forbidden',
      );
    });

    it('renaming to another public room’s name is a conflict and changes nothing', async () => {
      await chat.rooms.create(owner.id, { name: 'Taken', kind: 'public' });
      const room = await chat.rooms.create(owner.id, { name: 'Mine', kind: 'public' });
      chat.events.take();
      await chat.expectNoEffect(
        () => chat.rooms.update(owner.id, room.id, { name: 'TAKEN' }),
        'conflict',
      );
    });

    it('General and DMs cannot be renamed', async () => {
      const { room: dm } = await chat.rooms.openDm(owner.id, other.id);
      for (const id of ['0', dm.id])
        await expect(chat.rooms.update(owner.id, id, { name: 'x' })).rejects.toMatchObject({
          code: 'conflict',
        });
    });
  });

  describe('assertMember / isMember', () => {
    it('404 for an unknown room, 403 for someone else’s room; isMember false for both', async () => {
      const room = await chat.rooms.create(owner.id, { name: 'p', kind: 'private' });
      await expect(chat.rooms.assertMember(other.id, room.id)).rejects.toMatchObject({
        code: 'forbidden',
      });
      await expect(chat.rooms.assertMember(other.id, 'gaaaaaaaaaaaaaaaa')).rejects.toMatchObject({
        code: 'not_found',
      });
      expect(await chat.rooms.isMember(other.id, room.id)).toBe(false);
      expect(await chat.rooms.isMember(other.id, 'gaaaaaaaaaaaaaaaa')).toBe(false);
      expect(await chat.rooms.isMember(owner.id, room.id)).toBe(true);
      expect(await chat.rooms.isMember(other.id, '0')).toBe(true);
    });
  });

  describe('openDm', () => {
    it('opens once, announced to both sides with each one’s own view', async () => {
      const first = await chat.rooms.openDm(other.id, owner.id);
      const dmId = `${owner.id}:${other.id}`;
      expect(first.created).toBe(true);
      expect(first.room).toMatchObject({ id: dmId, kind: 'dm', name: owner.username });
      const [opened, ...rest] = chat.events.take();
      expect(rest).toEqual([]);
      expect(opened).toEqual({
        name: 'roomOpened',
        event: {
          roomId: dmId,
          dm: true,
          views: [
            { userId: owner.id, room: expect.objectContaining({ name: other.username }) },
            { userId: other.id, room: first.room },
          ],
        },
      });
      const again = await chat.rooms.openDm(owner.id, other.id);
      expect(again).toMatchObject({ created: false, room: { id: dmId, name: other.username } });
      expect(chat.events.take()).toEqual([]);
      expect((await chat.rooms.roomsOf(owner.id)).map((r) => r.id)).toEqual(['0', dmId]);
    });

    it('refuses yourself (400) and an unknown user (404), storing nothing', async () => {
      await chat.expectNoEffect(() => chat.rooms.openDm(owner.id, owner.id), 'bad_request');
      await chat.expectNoEffect(() => chat.rooms.openDm(owner.id, '999999'), 'not_found');
    });
  });
});
