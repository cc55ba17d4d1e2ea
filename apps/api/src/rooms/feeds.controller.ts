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
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { FeedsService } from '@app/chat';
import { CreateFeedDto, FeedDto, Limits } from '@app/contracts';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { RoomIdPipe } from '../common/validation.pipe';
import { RequiresScope } from '../tokens/token-scope.guard';

const ROOM_ID = { name: 'id', description: 'Room id: "0", a DM id "a:b", or a room id' };

/**
 * Room feeds: every later message of the room (and each change, as `{type: "update"}`) added to
 * one of the caller's /mq queues as JSON `{type: "message", message}`. A feed reads the room, so
 * an API token needs `messages:read`.
 */
@ApiTags('rooms')
@RequiresScope('messages:read')
@Controller('api/rooms/:id/feeds')
export class FeedsController {
  constructor(private readonly feeds: FeedsService) {}

  @Post()
  @ApiOperation({ summary: "Feed the room's later messages into one of the caller's queues" })
  @ApiParam(ROOM_ID)
  @ApiCreatedResponse({ type: FeedDto })
  @ApiBadRequestResponse({ description: 'Bad room id or queue name' })
  @ApiForbiddenResponse({ description: 'Not a member of the room' })
  @ApiNotFoundResponse({ description: 'No such room' })
  @ApiConflictResponse({
    description: `The feed exists, or the room (${Limits.feedsPerRoom}) or the account (${Limits.feedsPerUser}) has its most`,
  })
  create(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Body() body: CreateFeedDto,
  ): Promise<FeedDto> {
    return this.feeds.create(user.id, roomId, body.queue);
  }

  @Get()
  @ApiOperation({ summary: "The caller's feeds of the room (members only)" })
  @ApiParam(ROOM_ID)
  @ApiOkResponse({ type: FeedDto, isArray: true })
  @ApiForbiddenResponse({ description: 'Not a member of the room' })
  list(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
  ): Promise<FeedDto[]> {
    return this.feeds.list(user.id, roomId);
  }

  @Delete(':queue')
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop feeding the room into this queue (the queue itself stays)' })
  @ApiParam(ROOM_ID)
  @ApiNoContentResponse({ description: 'Stopped' })
  @ApiNotFoundResponse({ description: 'The caller has no such feed' })
  remove(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Param('queue') queue: string,
  ): Promise<void> {
    return this.feeds.remove(user.id, roomId, queue);
  }
}
