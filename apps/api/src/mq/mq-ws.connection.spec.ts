import { ackKeyOf } from './mq-ws.connection';

describe('ackKeyOf', () => {
  it('reads the key of {"ack": "<key>"}', () => {
    expect(ackKeyOf('{"ack":"jobs:12"}')).toBe('jobs:12');
  });

  it.each([
    '',
    'ack jobs:1',
    '{"ack":12}',
    '{"ack":""}',
    'null',
    '[]',
    '"jobs:1"',
    '{"key":"q:1"}',
  ])('finds no key in %j', (text) => {
    expect(ackKeyOf(text)).toBeUndefined();
  });

  it('refuses keys longer than any queue key can be', () => {
    expect(ackKeyOf(JSON.stringify({ ack: 'q:'.padEnd(300, '1') }))).toBeUndefined();
  });
});
