import { Logger as NestLogger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import serveStatic from '@fastify/static';
import { isOriginAllowed } from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import { contentSecurityPolicy } from './common/content-security-policy';
import { registerBodyParsers } from './common/body-parser';
import { IS_PUBLIC_KEY } from './common/public.decorator';
import { NO_READ_LIMIT } from './common/read-rate.guard';
import { refuseForeignOrigins } from './common/origin.hook';
import { refuseUpgrade } from './proxy/refuse-upgrade';
import { createSocketProxy } from './proxy/socket-proxy';
import { isMqWsUpgrade, MqWsServer } from './mq/mq-ws.server';

const DEFAULT_WEB_ROOT = 'apps/web/dist';

/**
 * Everything between "Nest created the app" and "listen", shared by main.ts and the e2e tests so
 * they exercise the same stack (app.factory.ts creates it). Order matters, as Fastify runs
 * request hooks in the order they are added: security headers first, then the Socket.IO proxy
 * (it must see the raw body and no session), then the origin check and CORS. Bodies are parsed
 * after every hook. Who a request speaks for (session cookie, bearer session token or API token)
 * is resolved by one guard, SessionGuard, on every route.
 */
export async function configureApi(app: NestFastifyApplication): Promise<ParleyConfig> {
  const config = app.get<ParleyConfig>(PARLEY_CONFIG);
  app.useLogger(app.get(Logger));
  app.flushLogs(); // the start-up logs buffered until pino was in place
  const fastify = app.getHttpAdapter().getInstance();
  // Declared up front, so every request object has the same shape (Fastify's advice).
  fastify.decorateRequest('principal', undefined);
  fastify.decorateRequest('user', undefined);

  const webRoot = resolve(config.webRoot ?? DEFAULT_WEB_ROOT);
  // Before the proxy, so that /socket.io answers carry the security headers as well. helmet
  // itself, built once: @fastify/helmet builds it anew for every request.
  const securityHeaders = helmet({
    contentSecurityPolicy: contentSecurityPolicy(config, webRoot),
    crossOriginEmbedderPolicy: false,
  });
  fastify.addHook('onRequest', (req, reply, done) =>
    securityHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)),
  );

  const proxy = config.gatewayUrls.length > 0 ? createSocketProxy(config.gatewayUrls) : null;
  if (proxy) {
    fastify.addHook('onRequest', (req, reply, done) => {
      if (!proxy.handles(req.url)) return done();
      // Fastify lets go of the request: no body parsing, no route, the gateway answers.
      reply.hijack();
      proxy.web(req.raw, reply.raw);
    });
  }
  // Upgrades: /mq/ws consumers here, /socket.io to the gateways, the rest answered and closed
  // (without a listener Node would leave them hanging).
  const mqWs = app.get(MqWsServer);
  const upgraded = new Set<Socket>();
  app.getHttpServer().on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    if (isMqWsUpgrade(req.url)) mqWs.upgrade(req, socket, head);
    else if (proxy) proxy.upgrade(req, socket, head);
    else refuseUpgrade(socket);
  });
  // Fastify's forceCloseConnections ends HTTP connections only: a WebSocket would hold it open.
  fastify.addHook('preClose', (done) => {
    for (const socket of upgraded) socket.destroy();
    done();
  });

  fastify.addHook('onRequest', refuseForeignOrigins(config.allowedOrigins));
  app.enableCors({
    delegator: (req, cb) =>
      cb(null, {
        origin: isOriginAllowed(req.headers.origin, req.headers.host, config.allowedOrigins),
        credentials: true,
      }),
  });
  registerBodyParsers(fastify);
  await serveWebRoot(app, config, webRoot);
  setupOpenApi(app, config);

  app.enableShutdownHooks();
  if (config.session.ephemeralSecret && config.env !== 'test') {
    new NestLogger('Config').warn(
      'SESSION_SECRET is not set: using a random one, sessions end at restart',
    );
  }
  return config;
}

async function serveWebRoot(
  app: NestFastifyApplication,
  config: ParleyConfig,
  root: string,
): Promise<void> {
  if (existsSync(root)) {
    // Routes win over files: the wildcard only sees paths no controller claims. Dotfiles are
    // not served (@fastify/static would; Express's static did not).
    await app.register(serveStatic, {
      root,
      index: 'index.html',
      wildcard: true,
      dotfiles: 'ignore',
    });
    return;
  }
  if (config.webRoot) throw new Error(`WEB_ROOT ${root} does not exist`);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/', (_req, reply) => {
    void reply
      .type('text/html; charset=utf-8')
      .send(
        '<!doctype html><title>Parley</title><h1>Parley</h1><p>API: <a href="/api/docs">/api/docs</a></p>',
      );
  });
}

/** Security requirements of every route that needs a session: either scheme will do. */
const SESSION_SECURITY: Array<Record<string, string[]>> = [{ cookie: [] }, { bearer: [] }];
const ERROR_SCHEMA = 'ErrorResponse';

/**
 * The OpenAPI document at /api/docs and /api/docs-json. Controllers describe their own routes;
 * what holds for all of them is added here, after the scan: both ways of sending the session on
 * every route that is not @Public() (and none on those), the one error body, and Retry-After on
 * 429s.
 */
function setupOpenApi(app: NestFastifyApplication, config: ParleyConfig): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Parley API')
      .setDescription(
        'REST half of the Parley wire protocol (docs/protocol.md in the repository); realtime ' +
          'events go over Socket.IO to the gateways (docs/asyncapi.yaml). Authenticate with the ' +
          'session cookie or `Authorization: Bearer <token>`, the `token` from register/login. ' +
          'Every error has the body `{statusCode, error, message}`; 429 answers carry Retry-After.',
      )
      .setVersion('2')
      .addCookieAuth(config.session.cookieName, {
        type: 'apiKey',
        description: 'HttpOnly session cookie set by register and login',
      })
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque',
        description:
          'The `token` from register/login: an opaque, revocable session id (the same session as ' +
          'the cookie), not a self-contained token',
      })
      .addSecurityRequirements('cookie')
      .addSecurityRequirements('bearer')
      .build(),
    {
      // The default, spelled out: markedOperations() relies on it.
      operationIdFactory: (controller, method) => `${controller}_${method}`,
    },
  );
  completeOpenApi(
    document,
    markedOperations(app, IS_PUBLIC_KEY),
    markedOperations(app, NO_READ_LIMIT),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}

/** operationIds (`Controller_method`) of the routes marked with `key` (@Public(), @NoReadLimit()). */
function markedOperations(app: NestFastifyApplication, key: string): Set<string> {
  const reflector = new Reflector();
  const ids = new Set<string>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!type) continue;
      const proto = type.prototype as Record<string, unknown>;
      for (const method of Object.getOwnPropertyNames(proto)) {
        const handler = proto[method];
        if (method === 'constructor' || typeof handler !== 'function') continue;
        if (reflector.getAllAndOverride<boolean>(key, [handler, type])) {
          ids.add(`${type.name}_${method}`);
        }
      }
    }
  }
  return ids;
}

function completeOpenApi(
  document: OpenAPIObject,
  publicIds: ReadonlySet<string>,
  unlimitedIds: ReadonlySet<string>,
): void {
  const errorRef = { $ref: `#/components/schemas/${ERROR_SCHEMA}` };
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      [ERROR_SCHEMA]: {
        type: 'object',
        description: 'The body of every error response',
        required: ['statusCode', 'error', 'message'],
        properties: {
          statusCode: { type: 'integer', example: 400 },
          error: { type: 'string', example: 'Bad Request' },
          message: {
            description: 'What went wrong; for invalid input, one entry per problem',
            oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
            example: ['username must be 1-32 letters, digits, _ . or -'],
          },
          retryAfterMs: {
            type: 'integer',
            description: 'With 429: milliseconds until a retry can succeed',
          },
        },
      },
    },
  };
  const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
  for (const path of Object.values(document.paths)) {
    for (const method of methods) {
      const operation = path[method];
      if (!operation) continue;
      const isPublic = publicIds.has(operation.operationId ?? '');
      operation.security = isPublic ? [] : SESSION_SECURITY;
      if (!isPublic && !operation.responses['401']) {
        operation.responses['401'] = { description: 'No valid session (cookie or bearer token)' };
      }
      const readLimited = !isPublic && !unlimitedIds.has(operation.operationId ?? '');
      if (readLimited && method === 'get' && !operation.responses['429']) {
        operation.responses['429'] = { description: 'Too many reads (LIMIT_READS_PER_MINUTE)' };
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]\d\d$/.test(status) || !response || '$ref' in response) continue;
        response.content ??= { 'application/json': { schema: errorRef } };
        if (status === '429') {
          response.headers ??= {
            'Retry-After': {
              description: 'Seconds to wait before retrying',
              schema: { type: 'integer' },
            },
          };
        }
      }
    }
  }
}
