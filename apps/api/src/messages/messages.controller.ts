import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
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
import type { Request, Response } from 'express';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { sendJson } from '../common/send-json';

@ApiTags('messages')
@ApiCookieAuth()
@ApiParam({ name: 'id', description: 'Room id: "0", a DM id "a:b", or a room id', example: '0' })
@ApiUnauthorizedResponse({ description: 'No valid session' })
@ApiForbiddenResponse({ description: 'Not a member of the room' })
@ApiNotFoundResponse({ description: 'Unknown room' })
@Controller('api/rooms/:id/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  @ApiOkResponse({ type: MessagePageDto })
  async history(
    @CurrentUser() user: SessionUser,
    @Param('id') roomId: string,
    @Query() query: HistoryQueryDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const page: MessagePageDto = await this.messages.history(
      user.id,
      roomId,
      query.before,
      query.limit ?? Limits.historyPageDefault,
    );
    // The newest page is shared between readers; sendJson encodes it once, not per request.
    sendJson(req, res, page);
  }

  @Post()
  @ApiCreatedResponse({
    type: MessageDto,
    description: 'Stored; a repeated clientId returns the stored copy',
  })
  @ApiTooManyRequestsResponse({ description: 'Message rate limit reached' })
  async send(
    @CurrentUser() user: SessionUser,
    @Param('id') roomId: string,
    @Body() body: SendMessageDto,
  ): Promise<MessageDto> {
    const { message } = await this.messages.send(user.id, roomId, body.message, body.clientId);
    return message;
  }
}
