import { Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCookieAuth,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { BlocksService } from '@app/chat';
import { UserDto, UserIdParamDto } from '@app/contracts';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';

@ApiTags('users')
@ApiCookieAuth()
@ApiUnauthorizedResponse({ description: 'No valid session' })
@Controller('api/me/blocks')
export class BlocksController {
  constructor(private readonly blocks: BlocksService) {}

  @Get()
  @ApiOperation({ summary: 'The users you blocked' })
  @ApiOkResponse({ type: [UserDto] })
  list(@CurrentUser() user: SessionUser): Promise<UserDto[]> {
    return this.blocks.list(user.id);
  }

  @Put(':userId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Block a user: no DMs or room invitations from them (idempotent)',
    description: 'Their messages in your DM are refused; in shared group rooms they still flow.',
  })
  @ApiNoContentResponse({ description: 'Blocked' })
  @ApiBadRequestResponse({ description: 'Malformed id, or yourself' })
  @ApiNotFoundResponse({ description: 'Unknown user' })
  async block(@CurrentUser() user: SessionUser, @Param() params: UserIdParamDto): Promise<void> {
    await this.blocks.block(user.id, params.userId);
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unblock a user (idempotent)' })
  @ApiNoContentResponse({ description: 'Unblocked' })
  @ApiBadRequestResponse({ description: 'Malformed id, or yourself' })
  @ApiNotFoundResponse({ description: 'Unknown user' })
  async unblock(@CurrentUser() user: SessionUser, @Param() params: UserIdParamDto): Promise<void> {
    await this.blocks.unblock(user.id, params.userId);
  }
}
