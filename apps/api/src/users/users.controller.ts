import { Controller, Get, NotFoundException, Query } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { UsersService } from '@app/chat';
import { UserDto, UsersQueryDto } from '@app/contracts';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';

@ApiTags('users')
@ApiCookieAuth()
@ApiUnauthorizedResponse({ description: 'No valid session' })
@Controller('api')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiOkResponse({ type: UserDto })
  async me(@CurrentUser() user: SessionUser): Promise<UserDto> {
    const found = await this.users.findOne(user.id);
    if (!found) throw new NotFoundException('User not found');
    return found;
  }

  @Get('users')
  @ApiOkResponse({
    type: [UserDto],
    description: 'The requested users (unknown ids left out); all users without `ids`',
  })
  list(@Query() query: UsersQueryDto): Promise<UserDto[]> {
    return query.ids ? this.users.findMany(query.ids) : this.users.all();
  }

  @Get('users/online')
  @ApiOkResponse({ type: [UserDto] })
  online(): Promise<UserDto[]> {
    return this.users.online();
  }
}
