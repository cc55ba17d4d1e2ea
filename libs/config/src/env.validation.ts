import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidateIf,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }) => {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  return value;
};
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

const HOST_PORT_LIST = /^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*)*$/;

/** Every environment variable Parley reads, with its default. Validated once at boot. */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Address to listen on (e.g. 127.0.0.1 behind a local proxy); unset: every interface. */
  @IsOptional()
  @Matches(/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+|localhost|[A-Za-z0-9.-]+)$/, {
    message: 'HOST must be an IP address or a host name',
  })
  HOST?: string;

  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must start with redis:// or rediss://' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @ValidateIf(
    (o: EnvironmentVariables) => o.NODE_ENV === 'production' || o.SESSION_SECRET !== undefined,
  )
  @IsString()
  @MinLength(16, { message: 'SESSION_SECRET must be at least 16 characters' })
  SESSION_SECRET?: string;

  /** Redis Cluster seed nodes, `host:port,host:port`. Credentials and TLS come from REDIS_URL. */
  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_CLUSTER_NODES must be a comma list of host:port' })
  REDIS_CLUSTER_NODES?: string;

  /** Redis Sentinel addresses, `host:port,host:port`, with REDIS_SENTINEL_NAME (the master group). */
  @IsOptional()
  @Matches(HOST_PORT_LIST, { message: 'REDIS_SENTINELS must be a comma list of host:port' })
  REDIS_SENTINELS?: string;

  @IsString()
  REDIS_SENTINEL_NAME = 'mymaster';

  /** Replicas a message must reach before it is acked (default 1 with Sentinel, else 0). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  REDIS_MIN_REPLICAS?: number;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  SESSION_TTL_SECONDS = 7 * 24 * 3600;

  @IsOptional()
  @IsString()
  ALLOWED_ORIGINS?: string;

  @IsOptional()
  @IsString()
  WEB_ROOT?: string;

  @IsOptional()
  @IsString()
  GATEWAY_URLS?: string;

  /** Socket.IO URL the web client should use instead of its own origin (GET /api/config). */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'PUBLIC_GATEWAY_URL must be an http(s) URL' })
  PUBLIC_GATEWAY_URL?: string;

  /** Default on, but off when NODE_ENV=production unless set (validateEnv fills it in). */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  SIGNUP_ON_LOGIN?: boolean;

  /** Default on, but off when NODE_ENV=production unless set (validateEnv fills it in). */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  DEMO_DATA?: boolean;

  /**
   * The reference demo's root routes (`/login`, `/me`, `/room/:id/messages`...) on the API and the
   * gateway's repeated-CONNECT shim that its client needs. Off: neither exists.
   */
  @Transform(toBool)
  @IsBoolean()
  SEED_COMPAT = true;

  @Transform(toInt)
  @IsInt()
  @Min(4)
  @Max(15)
  BCRYPT_COST = 12;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LIMIT_EVENTS_PER_SECOND = 20;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LIMIT_MESSAGES_PER_MINUTE = 120;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LIMIT_AUTH_PER_MINUTE = 60;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LIMIT_LOGIN_FAILURES = 10;

  /**
   * GET/HEAD requests per user per minute on every authenticated route: generous for a client,
   * a bound for a script that reads history in a loop.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LIMIT_READS_PER_MINUTE = 600;

  /** Open sockets per user across all gateways (tabs, devices); one more is refused. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LIMIT_CONNECTIONS_PER_USER = 20;

  /** Messages one /mq queue may hold (waiting and leased); one more is refused with 409. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LIMIT_QUEUE_LENGTH = 100_000;

  /** Seconds a /mq/ws?ack=1 consumer has to ack a message before it is delivered again. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  MQ_WS_ACK_SECONDS = 30;

  /**
   * Below this many online users, presence changes go to everyone (the reference clients expect
   * it); above it, only to those who share a room with the user or watch them.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  PRESENCE_BROADCAST_MAX = 1000;

  /** How often a gateway re-checks its sockets' sessions (a lost revocation event still cuts). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  SESSION_RECHECK_SECONDS = 30;

  /** Seconds between keep-alive comments on an SSE stream (`/api/events`, `/stream`). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(25)
  SSE_KEEPALIVE_SECONDS = 20;

  /** An SSE client that lets this many KB pile up unread is cut (its events are dropped). */
  @Transform(toInt)
  @IsInt()
  @Min(16)
  @Max(65536)
  SSE_MAX_BUFFER_KB = 1024;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  HISTORY_MAX_PER_ROOM = 10000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  @IsOptional()
  @IsString()
  GATEWAY_ID?: string;

  /** The line door's TCP port; unset: the door process has nothing to listen on and exits. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  DOOR_PORT?: number;

  @IsOptional()
  @Matches(/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+|localhost|[A-Za-z0-9.-]+)$/, {
    message: 'DOOR_HOST must be an IP address or a host name',
  })
  DOOR_HOST?: string;

  /** PEM certificate and key paths: with both set the door speaks TLS only. */
  @IsOptional()
  @IsString()
  DOOR_TLS_CERT?: string;

  @IsOptional()
  @IsString()
  DOOR_TLS_KEY?: string;

  /** A door connection that sends no complete line for this long is closed. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  DOOR_IDLE_SECONDS = 300;

  /** Open door connections per client address on one door process. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  DOOR_CONNECTIONS_PER_IP = 20;

  /** Bearer token for the API's /metrics; unset: the API serves no metrics. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;
}

/**
 * Validates raw environment values. Throws one Error whose message is a single line naming every
 * invalid variable, so `main.ts` can print it and exit non-zero.
 */
export function validateEnv(raw: Record<string, unknown>): EnvironmentVariables {
  const known = Object.keys(new EnvironmentVariables());
  const picked: Record<string, unknown> = {};
  for (const key of [
    ...known,
    'SESSION_SECRET',
    'ALLOWED_ORIGINS',
    'WEB_ROOT',
    'GATEWAY_URLS',
    'PUBLIC_GATEWAY_URL',
    'TRUST_PROXY',
    'GATEWAY_ID',
    'REDIS_CLUSTER_NODES',
    'REDIS_SENTINELS',
    'REDIS_MIN_REPLICAS',
    'SIGNUP_ON_LOGIN',
    'DEMO_DATA',
    'METRICS_TOKEN',
    'DOOR_PORT',
    'DOOR_HOST',
    'DOOR_TLS_CERT',
    'DOOR_TLS_KEY',
  ]) {
    const value = raw[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const env = plainToInstance(EnvironmentVariables, picked);
  const errors = validateSync(env, { whitelist: true });
  if (errors.length > 0) {
    const details = errors
      .map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`)
      .join('; ');
    throw new Error(`Invalid configuration: ${details}`);
  }
  // Known logins (the demo users, sign-up by logging in) must never ship by accident.
  env.SIGNUP_ON_LOGIN ??= env.NODE_ENV !== 'production';
  env.DEMO_DATA ??= env.NODE_ENV !== 'production';
  if (!env.DOOR_TLS_CERT !== !env.DOOR_TLS_KEY) {
    throw new Error('Invalid configuration: set both DOOR_TLS_CERT and DOOR_TLS_KEY, or neither');
  }
  if (env.REDIS_CLUSTER_NODES && env.REDIS_SENTINELS) {
    throw new Error('Invalid configuration: set REDIS_CLUSTER_NODES or REDIS_SENTINELS, not both');
  }
  return env;
}
