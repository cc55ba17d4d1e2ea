import { Inject, Injectable } from '@nestjs/common';
import type { LoginClient } from '@app/chat/users/login-limiter';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { parse } from 'cookie';
import { sign, unsign } from 'cookie-signature';
import type { FastifyRequest } from 'fastify';
import { createHmac, randomBytes } from 'node:crypto';
import { HttpExchange, isSecure, setCookie } from '../common/http';

export const DEVICE_COOKIE = 'parley.device';
const DEVICE_MAX_AGE_MS = 365 * 24 * 3600_000;
const VALUE = /^([1-9]\d{0,15})\.([0-9a-f]{32})$/;

/**
 * The "known device" cookie, set at every successful login: the user id and a random device id,
 * signed. It authenticates nothing and survives logout; it only tells the login limits that this
 * browser has logged in as that user before, so that guessers elsewhere cannot lock it out
 * (LoginLimiter: counted per device, exempt from the cap on the name as a whole).
 */
@Injectable()
export class KnownDevice {
  /** A key of its own, so a device cookie can never pass for a signed session cookie. */
  private readonly secret: string;

  constructor(@Inject(PARLEY_CONFIG) config: ParleyConfig) {
    this.secret = createHmac('sha256', config.session.secret).update(DEVICE_COOKIE).digest('hex');
  }

  /** What the login limits need to know about the request. */
  clientOf(req: FastifyRequest): LoginClient {
    return {
      ip: req.ip || 'unknown',
      device: this.deviceIn(req),
      // A live session of the user (not an API token) shows this client is theirs.
      sessionUserId: req.principal && !req.principal.scopes ? req.principal.userId : undefined,
    };
  }

  /** Sets the cookie for `userId`, keeping the device id when the browser already had one. */
  remember({ req, reply }: HttpExchange, userId: string): void {
    const known = this.deviceIn(req);
    const id = known?.userId === userId ? known.id : randomBytes(16).toString('hex');
    setCookie(reply, DEVICE_COOKIE, sign(`${userId}.${id}`, this.secret), {
      httpOnly: true,
      sameSite: 'lax',
      secure: isSecure(req),
      maxAgeMs: DEVICE_MAX_AGE_MS,
      path: '/',
    });
  }

  private deviceIn(req: FastifyRequest): LoginClient['device'] {
    const header = req.headers.cookie;
    const raw = header ? parse(header)[DEVICE_COOKIE] : undefined;
    const value = raw ? unsign(raw, this.secret) : false;
    const match = value ? VALUE.exec(value) : null;
    return match ? { userId: match[1], id: match[2] } : undefined;
  }
}
