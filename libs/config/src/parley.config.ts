import { randomBytes } from 'node:crypto';
import { EnvironmentVariables } from './env.validation';

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Where Redis is. REDIS_URL always carries the credentials, TLS and db; REDIS_CLUSTER_NODES or
 * REDIS_SENTINELS switch the topology.
 */
export type RedisTopology =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; url: string; nodes: HostPort[] }
  | { kind: 'sentinel'; url: string; sentinels: HostPort[]; name: string };

export interface ParleyConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  /** Listen address; undefined: every interface. */
  host?: string;
  redisUrl: string;
  redis: RedisTopology;
  /** Replicas a message must reach before it is acked (Redis WAIT); 0 = master only. */
  redisMinReplicas: number;
  session: {
    secret: string;
    /** True when the secret was generated at boot: sessions then die with the process. */
    ephemeralSecret: boolean;
    ttlSeconds: number;
    cookieName: string;
  };
  /** Extra origins allowed besides "same host as the server, any port". */
  allowedOrigins: string[];
  webRoot?: string;
  gatewayUrls: string[];
  publicGatewayUrl?: string;
  signupOnLogin: boolean;
  demoData: boolean;
  /** The reference demo's root routes and its CONNECT shim (SEED_COMPAT). */
  seedCompat: boolean;
  bcryptCost: number;
  limits: {
    eventsPerSecond: number;
    messagesPerMinute: number;
    authPerMinute: number;
    loginFailures: number;
    loginFailureWindowSeconds: number;
    /** Authenticated GET/HEAD requests per user (LIMIT_READS_PER_MINUTE). */
    readsPerMinute: number;
    /** Open sockets per user across every gateway (LIMIT_CONNECTIONS_PER_USER). */
    connectionsPerUser: number;
    /** Messages one /mq queue may hold (LIMIT_QUEUE_LENGTH). */
    queueLength: number;
  };
  /** Seconds before an un-acked /mq/ws?ack=1 message is delivered again (MQ_WS_ACK_SECONDS). */
  mqWsAckSeconds: number;
  historyMaxPerRoom: number;
  /** Presence goes to everyone while fewer users than this are online (PRESENCE_BROADCAST_MAX). */
  presenceBroadcastMax: number;
  /** A gateway cuts sockets whose session ended within this many seconds (SESSION_RECHECK_SECONDS). */
  sessionRecheckSeconds: number;
  /** Server-Sent Events: keep-alive comment period, and the unread bytes that cut a client. */
  sse: { keepAliveSeconds: number; maxBufferBytes: number };
  logLevel: string;
  trustProxy?: string;
  gatewayId?: string;
  /** Bearer token the API's /metrics requires (METRICS_TOKEN); undefined: no metrics served. */
  metricsToken?: string;
  /** The line door (apps/door). */
  door: {
    /** Undefined: no door. */
    port?: number;
    host?: string;
    tls?: { certPath: string; keyPath: string };
    idleSeconds: number;
    connectionsPerIp: number;
  };
}

const hostPorts = (value: string): HostPort[] =>
  list(value).map((entry) => {
    const i = entry.lastIndexOf(':');
    return { host: entry.slice(0, i), port: Number(entry.slice(i + 1)) };
  });

function topology(env: EnvironmentVariables): RedisTopology {
  if (env.REDIS_CLUSTER_NODES) {
    return { kind: 'cluster', url: env.REDIS_URL, nodes: hostPorts(env.REDIS_CLUSTER_NODES) };
  }
  if (env.REDIS_SENTINELS) {
    return {
      kind: 'sentinel',
      url: env.REDIS_URL,
      sentinels: hostPorts(env.REDIS_SENTINELS),
      name: env.REDIS_SENTINEL_NAME,
    };
  }
  return { kind: 'single', url: env.REDIS_URL };
}

const list = (value?: string) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function toParleyConfig(env: EnvironmentVariables): ParleyConfig {
  const secret = env.SESSION_SECRET ?? randomBytes(32).toString('hex');
  return {
    env: env.NODE_ENV as ParleyConfig['env'],
    port: env.PORT,
    host: env.HOST || undefined,
    redisUrl: env.REDIS_URL,
    redis: topology(env),
    redisMinReplicas: env.REDIS_MIN_REPLICAS ?? (env.REDIS_SENTINELS ? 1 : 0),
    session: {
      secret,
      ephemeralSecret: env.SESSION_SECRET === undefined,
      ttlSeconds: env.SESSION_TTL_SECONDS,
      cookieName: 'parley.sid',
    },
    allowedOrigins: list(env.ALLOWED_ORIGINS),
    webRoot: env.WEB_ROOT,
    gatewayUrls: list(env.GATEWAY_URLS),
    publicGatewayUrl: env.PUBLIC_GATEWAY_URL,
    // Both filled in by validateEnv (off in production unless set).
    signupOnLogin: env.SIGNUP_ON_LOGIN === true,
    demoData: env.DEMO_DATA === true,
    seedCompat: env.SEED_COMPAT,
    bcryptCost: env.BCRYPT_COST,
    limits: {
      eventsPerSecond: env.LIMIT_EVENTS_PER_SECOND,
      messagesPerMinute: env.LIMIT_MESSAGES_PER_MINUTE,
      authPerMinute: env.LIMIT_AUTH_PER_MINUTE,
      loginFailures: env.LIMIT_LOGIN_FAILURES,
      loginFailureWindowSeconds: 15 * 60,
      readsPerMinute: env.LIMIT_READS_PER_MINUTE,
      connectionsPerUser: env.LIMIT_CONNECTIONS_PER_USER,
      queueLength: env.LIMIT_QUEUE_LENGTH,
    },
    mqWsAckSeconds: env.MQ_WS_ACK_SECONDS,
    historyMaxPerRoom: env.HISTORY_MAX_PER_ROOM,
    presenceBroadcastMax: env.PRESENCE_BROADCAST_MAX,
    sessionRecheckSeconds: env.SESSION_RECHECK_SECONDS,
    sse: {
      keepAliveSeconds: env.SSE_KEEPALIVE_SECONDS,
      maxBufferBytes: env.SSE_MAX_BUFFER_KB * 1024,
    },
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    gatewayId: env.GATEWAY_ID,
    metricsToken: env.METRICS_TOKEN,
    door: {
      port: env.DOOR_PORT,
      host: env.DOOR_HOST || undefined,
      tls:
        env.DOOR_TLS_CERT && env.DOOR_TLS_KEY
          ? { certPath: env.DOOR_TLS_CERT, keyPath: env.DOOR_TLS_KEY }
          : undefined,
      idleSeconds: env.DOOR_IDLE_SECONDS,
      connectionsPerIp: env.DOOR_CONNECTIONS_PER_IP,
    },
  };
}
