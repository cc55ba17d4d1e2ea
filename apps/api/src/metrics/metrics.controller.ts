import {
  Controller,
  Get,
  Inject,
  NotFoundException,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../common/public.decorator';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Prometheus scrape endpoint, outside the session guard but not public: it answers only
 * `Authorization: Bearer <METRICS_TOKEN>` (process metrics say how loaded and how old the
 * service is; nobody outside needs that), and without METRICS_TOKEN it is not served at all.
 */
@ApiExcludeController()
@Public()
@Controller()
export class MetricsController extends PrometheusController {
  /** The token's digest: compared in constant time whatever the length of what is sent. */
  private readonly token?: Buffer;

  constructor(@Inject(PARLEY_CONFIG) config: ParleyConfig) {
    super();
    this.token = config.metricsToken ? digest(config.metricsToken) : undefined;
  }

  /** Keeps the base class's signature (it is the route); the request comes with the response. */
  @Get()
  async index(@Res({ passthrough: true }) response: FastifyReply) {
    if (!this.token) throw new NotFoundException('Cannot GET /metrics');
    const sent = /^Bearer (\S+)$/.exec(response.request.headers.authorization ?? '')?.[1];
    if (!sent || !timingSafeEqual(digest(sent), this.token)) {
      response.header('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('METRICS_TOKEN bearer required');
    }
    return super.index(response);
  }
}
