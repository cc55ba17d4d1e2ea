import { usernameSkeleton } from './username-skeleton';

describe('usernameSkeleton (UTS #39, ignoring case)', () => {
  it.each([
    ['Pablo', 'PabIo'],
    ['Pablo', 'pab1o'],
    ['Pablo', 'PABL0'],
    ['mary', 'rnary'],
    ['Mary', 'rnary'],
    ['joe', 'J0E'],
    ['alex', 'AIex'],
    ['will', 'wi11'],
  ])('%s and %s read alike', (a, b) => {
    expect(usernameSkeleton(a)).toBe(usernameSkeleton(b));
  });

  it.each([
    ['Pablo', 'Pablito'],
    ['joe', 'joy'],
    ['mary', 'marty'],
    ['a.b', 'a-b'],
  ])('%s and %s do not', (a, b) => {
    expect(usernameSkeleton(a)).not.toBe(usernameSkeleton(b));
  });

  it('compares what is displayed, ignoring case where a reader would', () => {
    // Spellings of one name differ in case only: the names index refuses those already.
    expect(usernameSkeleton('CLIVE')).toBe(usernameSkeleton('CLlVE'));
    expect(usernameSkeleton('clive')).toBe(usernameSkeleton('CIive'));
    expect(usernameSkeleton('Clive')).toBe(usernameSkeleton('cIive'));
  });
});
