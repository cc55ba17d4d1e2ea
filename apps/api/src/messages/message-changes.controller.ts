import {
  applyDecorators,
  BadRequestException,
  Body,
  Controller,
  Delete,
  HttpCode,
  Injectable,
  Param,
  Patch,
  PipeTransform,
  Post,
  Put,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { MessageUpdatesService, ReadsService } from '@app/chat';
import {
  EditMessageDto,
  isMessageId,
  Limits,
  MessageDto,
  ReadDto,
  ReadResultDto,
} from '@app/contracts';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { RoomIdPipe } from '../common/validation.pipe';

/** A message id in the path; a malformed one is a 400 rather than a 404. */
@Injectable()
class MessageIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isMessageId(value)) throw new BadRequestException(['messageId must be a message id']);
    return value;
  }
}

const ROOM_PARAM = { name: 'id', description: 'Room id: "0", a DM id "a:b", or a room id' };
const EMOJI_PARAM = {
  name: 'emoji',
  example: '👍',
  description: `One grapheme cluster, at most ${Limits.reactionEmojiMaxBytes} bytes (URL-encoded)`,
};

/** The OpenAPI description every change of a message shares. */
function changeDocs(summary: string, forbidden: string, conflict?: string, emoji = false) {
  return applyDecorators(
    ApiOperation({ summary }),
    ApiParam({ name: 'messageId', example: '1763784000123-0' }),
    ...(emoji ? [ApiParam(EMOJI_PARAM)] : []),
    ApiOkResponse({ type: MessageDto, description: 'The message as it now stands' }),
    ApiForbiddenResponse({ description: forbidden }),
    ...(conflict ? [ApiConflictResponse({ description: conflict })] : []),
    ApiTooManyRequestsResponse({ description: 'Change rate limit reached' }),
  );
}
const DELETED = 'The message was deleted';

@ApiTags('messages')
@ApiCookieAuth()
@ApiParam(ROOM_PARAM)
@ApiUnauthorizedResponse({ description: 'No valid session' })
@ApiBadRequestResponse({ description: 'Malformed room id, message id, body or emoji' })
@ApiNotFoundResponse({ description: 'No such room (or message)' })
@Controller('api/rooms/:id')
export class MessageChangesController {
  constructor(
    private readonly updates: MessageUpdatesService,
    private readonly reads: ReadsService,
  ) {}

  @Post('read')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Move the caller's read marker forward to `seq` (never back); other devices follow live",
  })
  @ApiOkResponse({ type: ReadResultDto })
  @ApiForbiddenResponse({ description: 'Not a member of the room' })
  async read(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Body() body: ReadDto,
  ): Promise<ReadResultDto> {
    return { readSeq: await this.reads.markRead(user.id, roomId, body.seq) };
  }

  @Patch('messages/:messageId')
  @changeDocs(
    'Edit a message (its author only); it takes the next seq',
    'Not a member, or not the author',
    DELETED,
  )
  edit(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Param('messageId', MessageIdPipe) messageId: string,
    @Body() body: EditMessageDto,
  ): Promise<MessageDto> {
    return this.updates.edit(user.id, roomId, messageId, body.message);
  }

  @Delete('messages/:messageId')
  @changeDocs(
    'Delete a message (its author, or a room admin): it stays as a tombstone (`deleted: true`, text "")',
    'Not a member, or neither the author nor an admin',
  )
  remove(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Param('messageId', MessageIdPipe) messageId: string,
  ): Promise<MessageDto> {
    return this.updates.remove(user.id, roomId, messageId);
  }

  @Put('messages/:messageId/reactions/:emoji')
  @changeDocs(
    'React with an emoji (idempotent: the same reaction twice is one)',
    'Not a member of the room',
    `${DELETED}, or it has ${Limits.reactionsPerMessageMax} different reactions already`,
    true,
  )
  react(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Param('messageId', MessageIdPipe) messageId: string,
    @Param('emoji') emoji: string,
  ): Promise<MessageDto> {
    return this.updates.react(user.id, roomId, messageId, emoji, true);
  }

  @Delete('messages/:messageId/reactions/:emoji')
  @changeDocs(
    "Take the caller's reaction back (idempotent)",
    'Not a member of the room',
    DELETED,
    true,
  )
  unreact(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Param('messageId', MessageIdPipe) messageId: string,
    @Param('emoji') emoji: string,
  ): Promise<MessageDto> {
    return this.updates.react(user.id, roomId, messageId, emoji, false);
  }
}
