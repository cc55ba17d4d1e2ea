import {
  Inject,
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiCookieAuth, ApiExcludeController } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import {
  DomainError,
  INVALID_CREDENTIALS,
  MessagesService,
  RoomsService,
  UsersService,
} from '@app/chat';
import {
  LoginDto,
  Message,
  Room,
  SeedCreateRoomDto,
  SeedMessagesQueryDto,
  User,
  UserDto,
  UsersQueryDto,
} from '@app/contracts';
import { PARLEY_CONFIG, ParleyConfig } from '@app/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthService } from '../auth/auth.service';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { Exchange, HttpExchange } from '../common/http';
import { Public } from '../common/public.decorator';
import { SseStream } from '../events/sse-stream';
import { CompatExceptionFilter } from './compat-exception.filter';

const SEED_PAGE_DEFAULT = { offset: 0, size: 15 };

/**
 * The reference demo's root-path routes (docs/reference-client.md): its response
 * shapes, Parley's services and authorisation. Kept out of the OpenAPI document on purpose; new
 * clients use /api.
 */
@ApiExcludeController()
@ApiCookieAuth()
@UseFilters(CompatExceptionFilter)
@Controller()
export class CompatController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly rooms: RoomsService,
    private readonly messages: MessagesService,
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
  ) {}

  @Public()
  @Get('me')
  async me(@Req() req: FastifyRequest, @Res() res: FastifyReply): Promise<void> {
    const user = req.user ? await this.users.findOne(req.user.id) : null;
    // Nest would send an empty body for null; the client expects the JSON literal.
    res.code(200).type('application/json; charset=utf-8').send(JSON.stringify(user));
  }

  @Public()
  @Get('links')
  links() {
    return { github: 'https://github.com/redis-developer/basic-redis-chat-app-demo-nodejs' };
  }

  /** Login, or (SIGNUP_ON_LOGIN) registration of an unknown name: 201 new, 200 existing, 404 wrong. */
  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('login')
  async login(@Exchange() http: HttpExchange, @Body() body: LoginDto): Promise<User> {
    try {
      const { result, created } = await this.auth.login(http, body.username, body.password);
      http.reply.code(created ? 201 : 200);
      return result.user;
    } catch (err) {
      if (err instanceof DomainError && err.code === 'unauthorized')
        throw new NotFoundException(INVALID_CREDENTIALS);
      throw err;
    }
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@Exchange() http: HttpExchange): Promise<string> {
    await this.auth.logout(http);
    return 'OK';
  }

  /**
   * The Python demo's client opens `EventSource('/stream')` beside its socket and handles what
   * arrives on both the same way; the socket already carries every event, so this stream carries
   * keep-alive comments only (anything more would show twice).
   */
  @Get('stream')
  stream(@Res() res: FastifyReply): void {
    const { keepAliveSeconds, maxBufferBytes } = this.config.sse;
    new SseStream(res, { keepAliveMs: keepAliveSeconds * 1000, maxBufferBytes }).start();
  }

  @Get('users/online')
  async online(): Promise<UserMap> {
    return keyById(await this.users.online());
  }

  @Get('users')
  async usersById(@Query() query: UsersQueryDto): Promise<UserMap> {
    return keyById(await this.users.findMany(query.ids ?? []));
  }

  @Get('rooms/:userId')
  async roomsOf(
    @CurrentUser() user: SessionUser,
    @Param('userId') userId: string,
  ): Promise<Room[]> {
    if (userId !== user.id) throw new ForbiddenException('You can only list your own rooms');
    // The reference client knows General and DMs only.
    return this.rooms.roomsOf(user.id, 'general-and-dms');
  }

  @Post('room')
  @HttpCode(201)
  async createRoom(
    @CurrentUser() user: SessionUser,
    @Body() body: SeedCreateRoomDto,
  ): Promise<Room> {
    const { user1, user2 } = body;
    if (user1 !== user.id && user2 !== user.id) {
      throw new ForbiddenException('You can only open a DM that includes yourself');
    }
    const peer = user1 === user.id ? user2 : user1;
    const { room } = await this.rooms.openDm(user.id, peer);
    return room;
  }

  /** Newest first; `offset`/`size` default to 0/15 as the reference server's client expects. */
  @Get('room/:id/messages')
  messagesOf(
    @CurrentUser() user: SessionUser,
    @Param('id') roomId: string,
    @Query() query: SeedMessagesQueryDto,
  ): Promise<Message[]> {
    const { offset = SEED_PAGE_DEFAULT.offset, size = SEED_PAGE_DEFAULT.size } = query;
    return this.messages.newestFirst(user.id, roomId, offset, size);
  }
}

/** The reference demo's user maps: its own three fields, keyed by id. */
type UserMap = Record<string, Pick<User, 'id' | 'username' | 'online'>>;

function keyById(users: UserDto[]): UserMap {
  return Object.fromEntries(
    users.map(({ id, username, online }) => [id, { id, username, online }]),
  );
}
