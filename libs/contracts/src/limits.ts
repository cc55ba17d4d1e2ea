/** Wire limits (docs/protocol.md "Limits"), shared by validation, the gateway and clients. */
export const Limits = {
  messageMaxCodePoints: 4000,
  clientIdMaxLength: 64,
  usernamePattern: /^[A-Za-z0-9_.-]{1,32}$/,
  usernameMaxLength: 32,
  passwordMinBytes: 8,
  passwordMaxBytes: 72,
  historyPageDefault: 50,
  historyPageMax: 100,
  syncPageMax: 500,
  userIdsMax: 500,
  /** Socket.IO frame cap (maxHttpBufferSize). */
  frameMaxBytes: 64 * 1024,
  /** clientId idempotency window. */
  clientIdTtlSeconds: 24 * 3600,
  seedPageMax: 100,
  /**
   * The reference client's `offset` skips messages that Redis still reads and sends
   * (XREVRANGE COUNT offset+size): the bound is what one request may cost.
   */
  seedOffsetMax: 1000,
  roomNameMaxLength: 80,
  roomTopicMaxLength: 250,
  /** Directory, members and user-search pages. */
  listPageDefault: 50,
  listPageMax: 100,
  /** `presence.watch`: users one socket may watch. */
  presenceWatchMax: 500,
  apiTokenNameMaxLength: 64,
  apiTokenMaxDays: 3650,
  /** API tokens one account may hold at once. */
  apiTokensPerUser: 50,
  /** Queue names under /mq (RestMQ's names, minus what cannot be a path segment). */
  queueNamePattern: /^[A-Za-z0-9_.-]{1,64}$/,
  queueValueMaxBytes: 64 * 1024,
  /** Values one batch add takes, messages one batch get answers, keys one batch ack acks. */
  queueBatchMax: 1000,
  /** A JSON body under /mq/q (a batch add or ack): 1000 values of about 1 KB, escapes included. */
  queueBatchBodyMaxBytes: 2 * 1024 * 1024,
  /** Lease of an at-least-once get, seconds. */
  queueLeaseMaxSeconds: 3600,
  /** A value's optional time to live, seconds (30 days). */
  queueTtlMaxSeconds: 30 * 24 * 3600,
  /** Room feeds (a room's messages into a queue): per room, and per account over all rooms. */
  feedsPerRoom: 20,
  feedsPerUser: 50,
  statusTextMaxLength: 100,
  /** A reaction: one grapheme cluster of at most this many UTF-8 bytes. */
  reactionEmojiMaxBytes: 32,
  /** Distinct emoji on one message. */
  reactionsPerMessageMax: 50,
  /** Reactor ids shown per emoji (`count` has them all). */
  reactionUserIdsShown: 20,
} as const;

export const GENERAL_ROOM_ID = '0';
export const GENERAL_ROOM_NAME = 'General';
