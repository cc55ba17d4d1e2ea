import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { MessagesService } from '@app/chat';
import {
  HistoryQueryDto,
  Limits,
  MessageDto,
  MessagePageDto,
  SendMessageDto,
} from '@app/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { sendJson } from '../common/send-json';
import { RoomIdPipe } from '../common/validation.pipe';

@ApiTags('messages')
@ApiCookieAuth()
@ApiParam({ name: 'id', description: 'Room id: "0", a DM id "a:b", or a room id', example: '0' })
@ApiUnauthorizedResponse({ description: 'No valid session' })
@ApiBadRequestResponse({ description: 'Malformed room id, body or query' })
@ApiForbiddenResponse({ description: 'Not a member of the room' })
@ApiNotFoundResponse({ description: 'No such room' })
@Controller('api/rooms/:id/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  @ApiOperation({
    summary:
      'A page of history, oldest first: the newest, older than `before`, or newer than `after`',
  })
  @ApiOkResponse({ type: MessagePageDto })
  async history(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Query() query: HistoryQueryDto,
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
  ): Promise<void> {
    if (query.before !== undefined && query.after !== undefined)
      throw new BadRequestException(['give before or after, not both']);
    const limit = query.limit ?? Limits.historyPageDefault;
    const page: MessagePageDto =
      query.after === undefined
        ? await this.messages.history(user.id, roomId, query.before, limit)
        : await this.messages.historyAfter(user.id, roomId, query.after, limit);
    // The newest page is shared between readers; sendJson encodes it once, not per request.
    sendJson(req, res, page);
  }

  @Post()
  @ApiOperation({
    summary: 'Send a message (members); it reaches the room live as over the socket',
  })
  @ApiCreatedResponse({
    type: MessageDto,
    description:
      'Stored; a repeated clientId returns the stored copy with `replayed: true`, not a second message',
  })
  @ApiConflictResponse({
    description: 'The clientId was already used for a different text (or one no longer in history)',
  })
  @ApiTooManyRequestsResponse({ description: 'Message rate limit reached' })
  async send(
    @CurrentUser() user: SessionUser,
    @Param('id', RoomIdPipe) roomId: string,
    @Body() body: SendMessageDto,
  ): Promise<MessageDto> {
    const { message, created } = await this.messages.send(
      user.id,
      roomId,
      body.message,
      body.clientId,
    );
    return created ? message : { ...message, replayed: true };
  }
}
