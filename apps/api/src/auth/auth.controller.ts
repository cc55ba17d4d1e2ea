import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AuthResultDto, LoginDto, RegisterDto } from '@app/contracts';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { Exchange, HttpExchange } from '../common/http';
import { Public } from '../common/public.decorator';
import { AuthService } from './auth.service';
import { ChangePasswordDto } from './change-password.dto';
import { LocalAuthGuard } from './local-auth.guard';

@ApiTags('auth')
@ApiTooManyRequestsResponse({ description: 'Too many attempts (Retry-After says when to retry)' })
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('register')
  @ApiCreatedResponse({ type: AuthResultDto })
  @ApiBadRequestResponse({ description: 'Invalid username or password format' })
  @ApiConflictResponse({ description: 'Username is taken (ignoring case)' })
  register(@Exchange() http: HttpExchange, @Body() body: RegisterDto): Promise<AuthResultDto> {
    return this.auth.register(http, body.username, body.password);
  }

  @Public()
  @UseGuards(ThrottlerGuard, LocalAuthGuard)
  @Post('login')
  @HttpCode(200)
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: AuthResultDto })
  @ApiUnauthorizedResponse({ description: 'Invalid username or password' })
  login(@Exchange() http: HttpExchange, @CurrentUser() user: SessionUser): Promise<AuthResultDto> {
    return this.auth.startSession(http, user);
  }

  /**
   * Changes the caller's password. The caller gets a new session (token and cookie); every other
   * session of the user, and the one the request came with, is revoked and its sockets cut.
   */
  @Post('password')
  @HttpCode(200)
  @ApiCookieAuth()
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Change the password',
    description:
      'Checks `currentPassword` (a wrong one counts as a failed login of the name: after ' +
      'LIMIT_LOGIN_FAILURES the answer is 429), stores the new hash, and rotates the session: the ' +
      'response carries a new `token` and session cookie, and every previous session of the user ' +
      '(this one included) is revoked; their sockets get `session.revoked` and are disconnected.',
  })
  @ApiOkResponse({ type: AuthResultDto, description: 'Changed; the new session' })
  @ApiBadRequestResponse({ description: 'currentPassword or newPassword malformed' })
  @ApiUnauthorizedResponse({ description: 'No session' })
  @ApiForbiddenResponse({ description: 'currentPassword is wrong' })
  @ApiConflictResponse({ description: 'The password changed meanwhile (a concurrent change)' })
  changePassword(
    @Exchange() http: HttpExchange,
    @CurrentUser() user: SessionUser,
    @Body() body: ChangePasswordDto,
  ): Promise<AuthResultDto> {
    return this.auth.changePassword(http, user, body.currentPassword, body.newPassword);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiCookieAuth()
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'The session is revoked; its sockets are disconnected' })
  async logout(@Exchange() http: HttpExchange): Promise<void> {
    await this.auth.logout(http);
  }
}
