import { toUser, viewChanged } from './user-view';

const alice = { id: '1', username: 'alice' };

describe('toUser', () => {
  it('an online user shows their setting and text, and no lastSeen', () => {
    expect(toUser(alice, true, { setting: 'dnd', text: 'Focus', seenAt: 5_000 })).toEqual({
      ...alice,
      online: true,
      status: 'dnd',
      statusText: 'Focus',
      lastSeen: null,
    });
  });

  it('an offline user is offline whatever they set, with lastSeen in seconds', () => {
    expect(toUser(alice, false, { setting: 'away', text: 'Lunch', seenAt: 1_500 })).toEqual({
      ...alice,
      online: false,
      status: 'offline',
      statusText: 'Lunch',
      lastSeen: 1.5,
    });
  });

  it('an invisible user online is indistinguishable from the same user offline', () => {
    const status = { setting: 'invisible' as const, text: 'Lunch', seenAt: 1_500 };
    expect(toUser(alice, true, status)).toEqual(toUser(alice, false, status));
  });

  it('a user never seen has lastSeen null; no status record means online with no text', () => {
    expect(toUser(alice, false)).toMatchObject({ status: 'offline', lastSeen: null });
    expect(toUser(alice, true)).toMatchObject({ status: 'online', statusText: '' });
  });
});

describe('viewChanged', () => {
  const base = toUser(alice, true);
  it('notices presence, status and text, not lastSeen alone', () => {
    expect(viewChanged(base, { ...base })).toBe(false);
    expect(viewChanged(base, { ...base, lastSeen: 3 })).toBe(false);
    expect(viewChanged(base, { ...base, online: false })).toBe(true);
    expect(viewChanged(base, { ...base, status: 'away' })).toBe(true);
    expect(viewChanged(base, { ...base, statusText: 'x' })).toBe(true);
  });
});
