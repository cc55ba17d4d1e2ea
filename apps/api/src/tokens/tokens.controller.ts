import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiTokensService } from '@app/chat';
import { ApiTokenDto, CreateApiTokenDto, CreatedApiTokenDto } from '@app/contracts';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';

@ApiTags('tokens')
@ApiForbiddenResponse({
  description: 'Made with an API token: tokens are managed by sessions only',
})
@Controller('api/tokens')
export class TokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API token for a bot or script; the secret is shown once' })
  @ApiCreatedResponse({ type: CreatedApiTokenDto })
  @ApiBadRequestResponse({ description: 'Unknown scope, bad name or expiry' })
  @ApiConflictResponse({ description: 'The account holds the most tokens it may' })
  create(
    @CurrentUser() user: SessionUser,
    @Body() body: CreateApiTokenDto,
  ): Promise<CreatedApiTokenDto> {
    return this.tokens.create(user.id, user.username, body);
  }

  @Get()
  @ApiOperation({ summary: "The caller's live API tokens (never their secrets), newest first" })
  @ApiOkResponse({ type: [ApiTokenDto] })
  list(@CurrentUser() user: SessionUser): Promise<ApiTokenDto[]> {
    return this.tokens.list(user.id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a token: it stops working and its live connections are cut' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ description: 'No such token of the caller' })
  async revoke(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    await this.tokens.revoke(user.id, id);
  }
}
