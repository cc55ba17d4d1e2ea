import type { Message, MessageUpdatedEvent } from '@app/contracts';
import request from 'supertest';
import { ApiProcess, emit, useUpdatesStack } from './support/message-updates';
import { nextEvent } from './support/rooms';
import { freePort } from './support/stack';

/**
 * Who may edit and delete, reaction rules, and current state wherever history is read: the
 * newest-page cache of another API process, and the reference client's root route.
 */
describe('edits, deletions and reactions: rules and current state (two gateways)', () => {
  const t = useUpdatesStack();
  const { suite, sharedRoom } = t;

  it('only the author edits; the author or an admin deletes; the rules hold on both transports', async () => {
    const { ada, bo, cy, watcher } = t;
    const roomId = await sharedRoom(bo, cy);
    const mine = (
      await suite
        .api(bo)
        .post(`/api/rooms/${roomId}/messages`)
        .send({ message: 'bo says' })
        .expect(201)
    ).body as Message;
    const path = `/api/rooms/${roomId}/messages/${mine.id}`;
    const cySocket = await suite.open(cy, 0);
    const boSocket = await suite.open(bo, 1);

    await suite.api(cy).patch(path).send({ message: 'cy edits' }).expect(403);
    await suite.api(ada).patch(path).send({ message: 'owner edits' }).expect(403);
    expect(
      (await emit(cySocket, 'message.edit', { roomId, id: mine.id, message: 'x' })).error?.code,
    ).toBe('forbidden');
    await suite.api(cy).delete(path).expect(403);
    expect((await emit(cySocket, 'message.delete', { roomId, id: mine.id })).error?.code).toBe(
      'forbidden',
    );

    const live = nextEvent<MessageUpdatedEvent>(
      cySocket,
      'message.updated',
      (e) => e.roomId === roomId,
    );
    const edited = await emit(boSocket, 'message.edit', {
      roomId,
      id: mine.id,
      message: 'bo, edited',
    });
    expect(edited.message).toMatchObject({ id: mine.id, message: 'bo, edited', seq: mine.seq });
    expect(await live).toEqual({ roomId, seq: mine.seq + 1, message: edited.message });

    await suite
      .api(ada)
      .put(`/api/rooms/${roomId}/members/${cy.id}`)
      .send({ role: 'admin' })
      .expect(200);
    const tomb = await suite.api(cy).delete(path).expect(200);
    expect(tomb.body).toMatchObject({ id: mine.id, deleted: true, message: '' });
    await suite.api(bo).patch(path).send({ message: 'too late' }).expect(409);

    await suite
      .api(bo)
      .patch(`/api/rooms/${roomId}/messages/1-1`)
      .send({ message: 'x' })
      .expect(404);
    await suite
      .api(bo)
      .patch(`/api/rooms/${roomId}/messages/nope`)
      .send({ message: 'x' })
      .expect(400);
    await suite.api(bo).patch(path).send({ message: '   ' }).expect(400);
    const other = (
      await suite
        .api(ada)
        .post(`/api/rooms/${roomId}/messages`)
        .send({ message: 'react' })
        .expect(201)
    ).body as Message;
    const reactPath = `/api/rooms/${roomId}/messages/${other.id}/reactions/`;
    await suite
      .api(bo)
      .put(reactPath + encodeURIComponent('👍👍'))
      .expect(400);
    await suite
      .api(watcher)
      .put(reactPath + encodeURIComponent('👍'))
      .expect(403);
    const twice = [
      await suite
        .api(bo)
        .put(reactPath + encodeURIComponent('👍'))
        .expect(200),
      await suite
        .api(bo)
        .put(reactPath + encodeURIComponent('👍'))
        .expect(200),
    ];
    expect(twice[1].body.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [bo.id] }]);
    const gone = await suite
      .api(bo)
      .delete(reactPath + encodeURIComponent('👍'))
      .expect(200);
    expect(gone.body.reactions).toBeUndefined();
  });

  describe('the newest-page cache with a second API process', () => {
    let second: ApiProcess;
    let secondUrl: string;

    beforeAll(async () => {
      second = new ApiProcess(await freePort(), { ...suite.stack.env, HOST: '127.0.0.1' });
      await second.start();
      secondUrl = second.url;
    });
    afterAll(() => second?.stop('SIGKILL'));

    it('an edit of the newest message through one API is seen on the page another API serves', async () => {
      const { ada, bo } = t;
      const roomId = await sharedRoom(bo);
      const newest = async () => {
        const res = await request(secondUrl)
          .get(`/api/rooms/${roomId}/messages`)
          .set('Authorization', `Bearer ${bo.token}`)
          .expect(200);
        return (res.body.messages as Message[]).at(-1)!;
      };
      for (let i = 0; i < 3; i += 1)
        await suite
          .api(ada)
          .post(`/api/rooms/${roomId}/messages`)
          .send({ message: `page ${i}` });
      const before = await newest();
      expect(before.message).toBe('page 2');
      expect(await newest()).toEqual(before); // now held in the second API's cache

      await suite
        .api(ada)
        .patch(`/api/rooms/${roomId}/messages/${before.id}`)
        .send({ message: 'page 2, edited' })
        .expect(200);
      expect(await newest()).toMatchObject({ id: before.id, message: 'page 2, edited' });
      await suite
        .api(bo)
        .put(`/api/rooms/${roomId}/messages/${before.id}/reactions/${encodeURIComponent('🎉')}`)
        .expect(200);
      expect((await newest()).reactions).toEqual([{ emoji: '🎉', count: 1, userIds: [bo.id] }]);
      await suite.api(ada).delete(`/api/rooms/${roomId}/messages/${before.id}`).expect(200);
      expect(await newest()).toMatchObject({ id: before.id, deleted: true, message: '' });
    });
  });

  it("the reference client's root route shows the current state", async () => {
    const { ada } = t;
    const roomId = '0';
    const posted = (
      await suite
        .api(ada)
        .post(`/api/rooms/${roomId}/messages`)
        .send({ message: 'v1 text' })
        .expect(201)
    ).body as Message;
    await suite
      .api(ada)
      .patch(`/api/rooms/0/messages/${posted.id}`)
      .send({ message: 'v2 text' })
      .expect(200);
    const res = await suite.api(ada).get('/room/0/messages?offset=0&size=15').expect(200);
    expect((res.body as Message[])[0]).toMatchObject({ id: posted.id, message: 'v2 text' });
  });
});
