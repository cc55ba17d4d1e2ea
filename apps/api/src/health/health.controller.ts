import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { RedisHealthIndicator } from '@app/redis';
import { Public } from '../common/public.decorator';
import { SeedService } from '@app/chat';

@ApiTags('health')
@Public()
@Controller('api/health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisHealthIndicator,
    private readonly seed: SeedService,
  ) {}

  /** The process is up (no dependencies checked). */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Redis answers and demo data (when on) is in place. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.redis.ping(),
      () => {
        const indicator = this.indicators.check('demoData');
        return this.seed.isReady() ? indicator.up() : indicator.down({ message: 'seeding' });
      },
    ]);
  }
}
