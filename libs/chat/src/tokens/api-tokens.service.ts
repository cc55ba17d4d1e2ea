import { Injectable } from '@nestjs/common';
import {
  ApiTokenDto,
  ApiTokenScope,
  CreateApiTokenDto,
  CreatedApiTokenDto,
  Limits,
} from '@app/contracts';
import { ApiTokenEntry, ApiTokensRepository, UsersRepository } from '@app/redis';
import { createHash, randomBytes } from 'node:crypto';
import { Conflict, NotFound } from '../errors/domain-error';
import { ChatEvents } from '../events/chat-events';

/** `prl_` and 43 base64url characters (32 random bytes): never the shape of a session id. */
const TOKEN_SHAPE = /^prl_[A-Za-z0-9_-]{43}$/;
const DAY_MS = 24 * 3600 * 1000;
/**
 * A realtime connection (socket, door) can read, send, join and leave like a whole chat client and
 * has no per-route check, so a token opens one only when it holds every chat scope.
 */
const CONNECTION_SCOPES: readonly ApiTokenScope[] = [
  'messages:read',
  'messages:write',
  'rooms:read',
  'rooms:write',
];

/** Who an API token speaks for, and what it may do. */
export interface ApiTokenIdentity {
  userId: string;
  username: string;
  tokenId: string;
  scopes: readonly ApiTokenScope[];
}

/**
 * Connections of a token are tracked like a session's under this id, and cut the same way. The
 * owner is part of it: a re-check finds the token through the owner's list.
 */
const TOKEN_SESSION = /^apitoken:([^:]+):(.+)$/;
export const tokenSessionId = (userId: string, tokenId: string) => `apitoken:${userId}:${tokenId}`;

export function isApiToken(credential: string): boolean {
  return TOKEN_SHAPE.test(credential);
}

function hashOf(secret: string): string {
  // A 256-bit random secret needs no slow hash: nothing to brute-force.
  return createHash('sha256').update(secret).digest('hex');
}

function view({ id, name, scopes, created, expiresAt }: ApiTokenEntry): ApiTokenDto {
  return { id, name, scopes: scopes as ApiTokenScope[], created, expiresAt };
}

/**
 * API tokens for bots and scripts: scoped, optionally expiring, revocable. Only a hash of the
 * secret is stored; the secret is shown once, at creation.
 */
@Injectable()
export class ApiTokensService {
  constructor(
    private readonly tokens: ApiTokensRepository,
    private readonly users: UsersRepository,
    private readonly events: ChatEvents,
  ) {}

  async create(
    userId: string,
    username: string,
    dto: CreateApiTokenDto,
  ): Promise<CreatedApiTokenDto> {
    if ((await this.tokens.count(userId)) >= Limits.apiTokensPerUser) {
      throw Conflict(`At most ${Limits.apiTokensPerUser} API tokens per account; revoke one first`);
    }
    const token = `prl_${randomBytes(32).toString('base64url')}`;
    const created = Date.now();
    const entry: ApiTokenEntry = {
      id: randomBytes(9).toString('base64url'),
      userId,
      username,
      name: dto.name,
      scopes: [...new Set(dto.scopes)],
      created,
      expiresAt: dto.expiresInDays ? created + dto.expiresInDays * DAY_MS : null,
      hash: hashOf(token),
    };
    await this.tokens.save(entry);
    return { ...view(entry), token };
  }

  /** The caller's tokens that still work, newest first. */
  async list(userId: string): Promise<ApiTokenDto[]> {
    const now = Date.now();
    const entries = await this.tokens.list(userId);
    return entries
      .filter((e) => e.expiresAt === null || e.expiresAt > now)
      .sort((a, b) => b.created - a.created)
      .map(view);
  }

  /** Revokes the token and cuts its live connections on every process. */
  async revoke(userId: string, tokenId: string): Promise<void> {
    if (!(await this.tokens.remove(userId, tokenId))) throw NotFound('Unknown API token');
    this.events.emit('sessionRevoked', { sessionId: tokenSessionId(userId, tokenId), userId });
  }

  /**
   * The token as a connection's session (socket, door; a /mq/ws consumer needs `queues` only);
   * null unless it holds every scope in `needs`. Revoking the token cuts these connections.
   */
  async asSession(token: string, needs: readonly ApiTokenScope[] = CONNECTION_SCOPES) {
    const found = await this.resolve(token);
    if (!found || !needs.every((scope) => found.scopes.includes(scope))) return null;
    const { userId, username, tokenId, scopes } = found;
    return { userId, username, sessionId: tokenSessionId(userId, tokenId), scopes };
  }

  /**
   * For a connection's session id: null when it is not a token's; else whether the token still
   * works (not revoked, not expired), which a gateway's periodic re-check asks.
   */
  async isLiveSession(sessionId: string): Promise<boolean | null> {
    const match = TOKEN_SESSION.exec(sessionId);
    if (!match) return null;
    const entry = await this.tokens.entry(match[1], match[2]);
    if (!entry || (entry.expiresAt !== null && entry.expiresAt <= Date.now())) return false;
    // Revocation deletes the record first: its absence is what a revoked token looks like.
    return (await this.tokens.find(entry.hash)) !== null;
  }

  /** The identity behind a presented token; null when unknown, expired, or the account is gone. */
  async resolve(token: string): Promise<ApiTokenIdentity | null> {
    if (!isApiToken(token)) return null;
    const record = await this.tokens.find(hashOf(token));
    if (!record || (record.expiresAt !== null && record.expiresAt <= Date.now())) return null;
    if (!(await this.users.exists(record.userId))) return null;
    return {
      userId: record.userId,
      username: record.username,
      tokenId: record.id,
      scopes: record.scopes as ApiTokenScope[],
    };
  }
}
