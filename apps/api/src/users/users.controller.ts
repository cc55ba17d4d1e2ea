import {
  BadRequestException,
  Body,
  Controller,
  Get,
  NotFoundException,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCookieAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { StatusService, UsersService } from '@app/chat';
import {
  Limits,
  OwnStatusDto,
  SetStatusDto,
  UserDto,
  UserSearchQueryDto,
  UsersPageDto,
  UsersQueryDto,
} from '@app/contracts';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';

@ApiTags('users')
@ApiCookieAuth()
@ApiUnauthorizedResponse({ description: 'No valid session' })
@Controller('api')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly status: StatusService,
  ) {}

  @Get('me')
  @ApiOkResponse({ type: UserDto })
  async me(@CurrentUser() user: SessionUser): Promise<UserDto> {
    const found = await this.users.findOne(user.id);
    if (!found) throw new NotFoundException('User not found');
    return found;
  }

  @Get('me/status')
  @ApiOperation({ summary: 'Your own status setting (invisible included) and its text' })
  @ApiOkResponse({ type: OwnStatusDto })
  ownStatus(@CurrentUser() user: SessionUser): Promise<OwnStatusDto> {
    return this.status.own(user.id);
  }

  @Put('me/status')
  @ApiOperation({
    summary: 'Set your status: online, away, dnd or invisible (others see offline)',
    description: 'Without `text` the current text is kept; `""` clears it.',
  })
  @ApiOkResponse({ type: OwnStatusDto })
  @ApiBadRequestResponse({ description: 'Unknown status or a text over 100 characters' })
  setStatus(@CurrentUser() user: SessionUser, @Body() body: SetStatusDto): Promise<OwnStatusDto> {
    return this.status.set(user.id, body.status, body.text);
  }

  @Get('users')
  @ApiOperation({ summary: 'Users by id (at most 500); to find users by name, use search' })
  @ApiOkResponse({ type: [UserDto], description: 'The requested users (unknown ids left out)' })
  @ApiBadRequestResponse({ description: '`ids` missing or malformed' })
  list(@Query() query: UsersQueryDto): Promise<UserDto[]> {
    // No route hands out the whole user table: at scale it is megabytes per call.
    if (!query.ids) throw new BadRequestException(['ids is required (comma separated user ids)']);
    return this.users.findMany(query.ids);
  }

  @Get('users/search')
  @ApiOperation({ summary: 'Users by username prefix (case-insensitive), paged' })
  @ApiOkResponse({ type: UsersPageDto })
  @ApiBadRequestResponse({ description: 'Malformed `q`, `cursor` or `limit`' })
  search(@Query() query: UserSearchQueryDto): Promise<UsersPageDto> {
    return this.users.search(
      query.q ?? '',
      query.cursor ?? null,
      query.limit ?? Limits.listPageDefault,
    );
  }

  @Get('users/online')
  @ApiOkResponse({ type: [UserDto] })
  online(): Promise<UserDto[]> {
    return this.users.online();
  }
}
