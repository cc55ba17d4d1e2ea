import { Body, Controller, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import { AuthResultDto, LoginDto, RegisterDto } from '@app/contracts';
import type { Request, Response } from 'express';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { Public } from '../common/public.decorator';
import { AuthService } from './auth.service';
import { LocalAuthGuard } from './local-auth.guard';

@ApiTags('auth')
@ApiTooManyRequestsResponse({ description: 'Too many attempts (Retry-After says when to retry)' })
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('register')
  @ApiCreatedResponse({ type: AuthResultDto })
  @ApiBadRequestResponse({ description: 'Invalid username or password format' })
  @ApiConflictResponse({ description: 'Username is taken (ignoring case)' })
  register(@Req() req: Request, @Body() body: RegisterDto): Promise<AuthResultDto> {
    return this.auth.register(req, body.username, body.password);
  }

  @Public()
  @UseGuards(ThrottlerGuard, LocalAuthGuard)
  @Post('login')
  @HttpCode(200)
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: AuthResultDto })
  @ApiUnauthorizedResponse({ description: 'Invalid username or password' })
  login(@Req() req: Request, @CurrentUser() user: SessionUser): Promise<AuthResultDto> {
    return this.auth.startSession(req, user);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiCookieAuth()
  @ApiNoContentResponse({ description: 'The session is revoked; its sockets are disconnected' })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.logout(req, res, this.config.session.cookieName);
  }
}
