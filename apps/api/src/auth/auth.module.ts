import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ChatModule } from '@app/chat';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { KnownDevice } from './known-device';
import { LocalStrategy } from './local.strategy';

@Module({
  imports: [ChatModule, PassportModule],
  controllers: [AuthController],
  providers: [AuthService, LocalStrategy, KnownDevice],
  exports: [AuthService, KnownDevice],
})
export class AuthModule {}
