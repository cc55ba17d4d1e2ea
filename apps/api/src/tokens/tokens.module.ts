import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ChatModule } from '@app/chat';
import { TokenScopeGuard } from './token-scope.guard';
import { TokensController } from './tokens.controller';

@Module({
  imports: [ChatModule],
  controllers: [TokensController],
  providers: [{ provide: APP_GUARD, useClass: TokenScopeGuard }],
})
export class TokensModule {}
