import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SeedModule } from '../seed/seed.module';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule, SeedModule],
  controllers: [HealthController],
})
export class HealthModule {}
