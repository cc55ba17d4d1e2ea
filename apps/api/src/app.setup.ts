import { Logger as NestLogger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { isOriginAllowed, SessionCookie } from '@app/chat';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { Limits } from '@app/contracts';
import { SessionsRepository } from '@app/redis';
import express from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { bearerToSessionCookie } from './common/bearer.middleware';
import { jsonBody } from './common/body-parser';
import { readOnlySession } from './common/read-only-session.middleware';
import { refuseForeignOrigins } from './common/origin.middleware';
import { withJsonErrors } from './common/http-exception.filter';
import { createSocketProxy } from './proxy/socket-proxy';

const DEFAULT_WEB_ROOT = 'apps/web/dist';
const STATIC_PATH = /\/[^/]*\.[^/]+$/;

/**
 * Everything between "Nest created the app" and "listen", shared by main.ts and the e2e tests so
 * they exercise the same stack. Order matters: the Socket.IO proxy comes first (it must see the
 * raw body and no session), static files before sessions (no session for assets), then body,
 * bearer → cookie, read-only session for GET/HEAD, session, origin check.
 */
export function configureApi(app: NestExpressApplication): ParleyConfig {
  const config = app.get<ParleyConfig>(PARLEY_CONFIG);
  app.useLogger(app.get(Logger));
  app.flushLogs(); // the start-up logs buffered until pino was in place
  app.set('query parser', 'extended');
  if (config.trustProxy) app.set('trust proxy', parseTrustProxy(config.trustProxy));

  if (config.gatewayUrls.length > 0) {
    const proxy = createSocketProxy(config.gatewayUrls);
    app.use(proxy.middleware);
    app.getHttpServer().on('upgrade', proxy.upgrade);
    app.getHttpServer().on('close', proxy.close);
  }

  app.use(helmet({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false }));
  serveWebRoot(app, config);

  app.use(jsonBody(`${Limits.frameMaxBytes / 1024}kb`));
  const sessionCookie = new SessionCookie(config.session.cookieName, config.session.secret);
  app.use(bearerToSessionCookie(sessionCookie));
  app.use(readOnlySession(sessionCookie, app.get(SessionsRepository)));
  app.use(
    withJsonErrors(
      session({
        name: config.session.cookieName,
        secret: config.session.secret,
        store: app.get(SessionsRepository).store,
        resave: false,
        saveUninitialized: false,
        cookie: {
          httpOnly: true,
          sameSite: 'lax',
          secure: 'auto',
          maxAge: config.session.ttlSeconds * 1000,
          path: '/',
        },
      }),
    ),
  );
  app.use(refuseForeignOrigins(config.allowedOrigins));
  app.enableCors((req: express.Request, cb) => {
    const origin = req.header('origin');
    cb(null, {
      origin: isOriginAllowed(origin, req.header('host'), config.allowedOrigins),
      credentials: true,
    });
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Parley API')
      .setDescription(
        'REST half of the Parley wire contract. Realtime events go over Socket.IO to the gateways.',
      )
      .setVersion('1')
      .addCookieAuth(config.session.cookieName)
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        description: 'The `token` from register/login',
      })
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });

  app.enableShutdownHooks();
  if (config.session.ephemeralSecret && config.env !== 'test') {
    new NestLogger('Config').warn(
      'SESSION_SECRET is not set: using a random one, sessions end at restart',
    );
  }
  return config;
}

function serveWebRoot(app: NestExpressApplication, config: ParleyConfig): void {
  const root = resolve(config.webRoot ?? DEFAULT_WEB_ROOT);
  if (existsSync(root)) {
    const files = express.static(root, { index: 'index.html', fallthrough: true });
    // Only "/" and paths with a file extension can be static files; API and reference-client
    // routes skip the file system lookup (it was 5 % of an API process's time under load).
    app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
      if (req.path === '/' || STATIC_PATH.test(req.path)) void files(req, res, next);
      else next();
    });
    return;
  }
  if (config.webRoot) throw new Error(`WEB_ROOT ${root} does not exist`);
  app.use('/', (req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (req.method !== 'GET' || req.path !== '/') return next();
    res
      .type('html')
      .send(
        '<!doctype html><title>Parley</title><h1>Parley</h1><p>API: <a href="/api/docs">/api/docs</a></p>',
      );
  });
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}
