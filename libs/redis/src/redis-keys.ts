/**
 * Every Redis key Parley uses is built here.
 *
 * Keys that a Lua script or transaction touches together share a hash tag (`{...}`), so every
 * multi-key operation stays within one slot and keeps working on Redis Cluster.
 */
export const RedisKeys = {
  /** Counter for user ids ("1", "2", … in creation order). */
  userSeq: () => '{users}:seq',
  /** Hash: lower-cased username → user id. Written atomically with the counter. */
  usernames: () => '{users}:names',
  /** Hash: user id → JSON profile (username, password hash, created). */
  profiles: () => '{users}:profiles',
  /** Hash: user id → JSON status setting and its text. */
  userStatuses: () => '{users}:status',
  /** Hash: user id → when others last saw the user go offline (ms). */
  userLastSeen: () => '{users}:seen',
  /** Hash: look-alike key of a username (UTS #39 skeleton, any case) → user id. */
  usernameSkeletons: () => '{users}:skeletons',
  /** Set of the user's room ids (DMs and group rooms; General is everyone's and not listed). */
  userRooms: (userId: string) => `user:{${userId}}:rooms`,
  /**
   * Sorted set (all scores 0) of `lower-cased username \0 id`: prefix search and paging by name.
   * Shares the {users} tag with the names index it mirrors.
   */
  usersByName: () => '{users}:byname',
  /** Set of the ids of the users this user blocked. */
  userBlocks: (userId: string) => `user:{${userId}}:blocks`,
  /** Set of the user's live session ids (for "log out everywhere" and socket revocation). */
  userSessions: (userId: string) => `user:{${userId}}:sessions`,

  /**
   * Hash: room metadata. DMs: kind, members ("a,b"), created. Group rooms: kind, name, topic,
   * createdBy, created. General has none: it is everyone's room.
   */
  room: (roomId: string) => `room:{${roomId}}`,
  /** Sorted set (all scores 0) of a group room's member ids: paging in a stable order. */
  roomMembers: (roomId: string) => `room:{${roomId}}:members`,
  /** Hash: member id → role of a group room; a field here is what membership is. */
  roomRoles: (roomId: string) => `room:{${roomId}}:roles`,
  /** Hash: lower-cased public room name → room id (public names are unique ignoring case). */
  roomNames: () => '{rooms}:names',
  /** Sorted set (all scores 0) of `lower-cased name \0 room id`: the public directory. */
  roomDirectory: () => '{rooms}:directory',
  /** Stream: the room's messages; entry id = message id. */
  roomMessages: (roomId: string) => `room:{${roomId}}:messages`,
  /** Counter: the last seq assigned in the room. */
  roomSeq: (roomId: string) => `room:{${roomId}}:seq`,
  /** String: message id stored for a (user, clientId) in this room; expires after 24 h. */
  roomClientId: (roomId: string, userId: string, clientId: string) =>
    `room:{${roomId}}:cid:${userId}:${clientId}`,
  /**
   * Edits, deletions and reactions (scripts/message-updates.lua.ts). roomMessageState: hash
   * message id → JSON current state of changed messages. roomChanges: stream of changes, id
   * `<seq>-0`, fields m (message id) and c (running count). roomChangeCount: counter of changes.
   * roomReadMarkers: hash user id → `readSeq:messages up to readSeq`.
   */
  roomMessageState: (roomId: string) => `room:{${roomId}}:state`,
  roomChanges: (roomId: string) => `room:{${roomId}}:changes`,
  roomChangeCount: (roomId: string) => `room:{${roomId}}:changed`,
  roomReadMarkers: (roomId: string) => `room:{${roomId}}:reads`,

  /**
   * API tokens. apiToken: JSON record of one token, found by the sha256 of its secret (the
   * secret itself is never stored); expires with the token. userApiTokens: hash token id → JSON
   * listing entry (with the record's hash, so revocation can find it).
   */
  apiToken: (secretHash: string) => `apitoken:{${secretHash}}`,
  userApiTokens: (userId: string) => `user:{${userId}}:apitokens`,

  /**
   * Queues under /mq, one namespace per account. Every key of one queue shares the tag
   * `{mq:<userId>:<queue>}`, so each queue operation is one script on one slot.
   */
  queue: (userId: string, queue: string) => {
    const tag = `mq:{mq:${userId}:${queue}}`;
    return {
      /** List of message numbers waiting, LPUSH in, RPOP out (FIFO). */
      ready: `${tag}:ready`,
      /** Hash: message number → value. */
      values: `${tag}:values`,
      /** Sorted set: leased message number → lease deadline (ms). */
      leases: `${tag}:leases`,
      /** Sorted set: message number → expiry (ms), only for values sent with a ttl. */
      expiry: `${tag}:expiry`,
      /** Hash: message number → how many soft gets read it. */
      reads: `${tag}:reads`,
      /** Hash: status, policy and the queue's counters (added, taken, acked, redelivered, expired). */
      meta: `${tag}:meta`,
      /** Counter: the last message number (RestMQ's `<queue>:<n>` keys). */
      seq: `${tag}:seq`,
      /** Pub/Sub channel: "something was added", wakes comet consumers on every API process. */
      wake: `${tag}:wake`,
      /** Pub/Sub channel: a message taken under the broadcast policy, for every consumer. */
      broadcast: `${tag}:broadcast`,
    };
  },
  /** Set of the account's queue names. */
  userQueues: (userId: string) => `user:{${userId}}:queues`,
  /**
   * Room feeds (a room's messages copied into a member's queue). roomFeeds: hash
   * `<userId> <queue>` → created (ms), read on every message of the room. userFeeds: hash
   * `<roomId> <queue>` → created, the same feeds by owner (the per-user limit, leaving).
   */
  roomFeeds: (roomId: string) => `room:{${roomId}}:feeds`,
  userFeeds: (userId: string) => `user:{${userId}}:feeds`,

  /** Prefix for express-session records (connect-redis appends the session id). */
  sessionPrefix: () => 'sess:',

  /**
   * Presence. All keys share the {presence} tag: the presence scripts touch them together.
   * onlineUsers: set of user ids considered online (what REST and `user.*` events report).
   * gateways: sorted set gateway id → last heartbeat (ms).
   * gatewayUsers: hash user id → live connection count on that gateway.
   * leaving: sorted set user id → when to announce them offline unless they came back.
   */
  onlineUsers: () => '{presence}:online',
  gateways: () => '{presence}:gateways',
  gatewayUsers: (gatewayId: string) => `{presence}:gw:${gatewayId}`,
  gatewayUsersPrefix: () => '{presence}:gw:',
  leaving: () => '{presence}:leaving',
  /** Sorted set: reservation id → expiry (ms) of the user's handshakes not yet counted. */
  pendingConnections: (userId: string) => `{presence}:pending:${userId}`,

  /** Rate-limit counters (the throttler storage adds its own hash-tagged suffixes). */
  rateLimit: (scope: string, subject: string) => `rl:${scope}:${subject}`,
  /**
   * Failed logins of a (lower-cased) name: from all untrusted clients together, and from one
   * client (an address or a known device). One hash tag: one script reserves from both.
   */
  loginFailures: (name: string) => `rl:login:{${name}}`,
  loginFailuresFrom: (name: string, client: string) => `rl:login:{${name}}:from:${client}`,

  /** Demo data markers: the lock held while seeding and the "done" flag. */
  seedLock: () => '{seed}:demo:lock',
  seedDone: () => '{seed}:demo:done',
} as const;
