import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { QueueConsumers, QueueInfo, QueuesService } from '@app/chat';
import type { Response } from 'express';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { NoReadLimit } from '../common/read-rate.guard';
import { RequiresScope } from '../tokens/token-scope.guard';
import { field, MqBody, seconds, sendEmpty, valueOf } from './mq-input';

/**
 * RestMQ's queue routes under /mq, in the caller's own namespace: add, hard/soft get, leases and
 * their acks, the queue list, deletion. Gets take messages, so they do not count as reads.
 */
@ApiTags('mq')
@RequiresScope('queues')
@NoReadLimit()
@Controller('mq')
export class MqController {
  constructor(
    private readonly queues: QueuesService,
    private readonly consumers: QueueConsumers,
  ) {}

  @Get('q')
  @ApiOperation({ summary: "The caller's queues" })
  @ApiOkResponse({ description: '[{queue, len, status, policy}]' })
  list(@CurrentUser() user: SessionUser): Promise<QueueInfo[]> {
    return this.queues.list(user.id);
  }

  @Post('q/:queue')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add a value (form or JSON `value`/`msg`, optional `ttl` seconds)' })
  @ApiOkResponse({ description: 'text/plain: the new key, `<queue>:<n>`' })
  @ApiBadRequestResponse({ description: 'No value, bad queue name or ttl' })
  @ApiPayloadTooLargeResponse({ description: 'The value is over 64 KB' })
  @ApiConflictResponse({ description: 'The queue holds LIMIT_QUEUE_LENGTH messages' })
  async add(
    @CurrentUser() user: SessionUser,
    @Param('queue') queue: string,
    @Body() body: MqBody,
    @Res() res: Response,
  ): Promise<void> {
    const key = await this.queues.add(
      user.id,
      queue,
      valueOf(body),
      seconds(field(body, 'ttl'), 'ttl'),
    );
    res.type('text/plain').send(key);
  }

  @Get('q/:queue')
  @ApiOperation({
    summary: 'Hard get (FIFO, removes), soft get (?soft=1) or leased get (?lease=s)',
  })
  @ApiQuery({ name: 'soft', required: false, description: '1: read the head, leave it in place' })
  @ApiQuery({
    name: 'lease',
    required: false,
    description: 'Seconds (1-3600) until redelivery unless acked',
  })
  @ApiOkResponse({ description: '{key, value, count} (+ lease, leaseUntil with ?lease)' })
  @ApiNotFoundResponse({ description: '{"error": "empty queue"}' })
  async get(
    @CurrentUser() user: SessionUser,
    @Param('queue') queue: string,
    @Query('soft') soft: unknown,
    @Query('lease') leaseRaw: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const lease = seconds(leaseRaw, 'lease');
    const message =
      soft !== undefined && soft !== '0'
        ? await this.queues.peek(user.id, queue)
        : await this.queues.take(user.id, queue, lease);
    if (!message) return sendEmpty(res);
    const { key, value, count, leaseUntil } = message;
    res.json(leaseUntil ? { key, value, count, lease, leaseUntil } : { key, value, count });
  }

  @Delete('q/:queue/:key')
  @HttpCode(204)
  @ApiOperation({ summary: 'Ack a leased message: it is done and will not come back' })
  @ApiNoContentResponse({ description: 'Acked' })
  @ApiNotFoundResponse({
    description: 'Not leased: unknown key, or the lease ran out and it was redelivered',
  })
  async ack(
    @CurrentUser() user: SessionUser,
    @Param('queue') queue: string,
    @Param('key') key: string,
  ): Promise<void> {
    if (!(await this.queues.ack(user.id, queue, key))) {
      throw new NotFoundException(
        'No lease on this key (unknown, acked, or expired and redelivered)',
      );
    }
  }

  @Delete('q/:queue')
  @ApiOperation({ summary: 'Delete the queue and close its comet consumers' })
  @ApiOkResponse({ description: '{queue, status: messages deleted}' })
  async purge(@CurrentUser() user: SessionUser, @Param('queue') queue: string) {
    return { queue, status: await this.consumers.purge(user.id, queue) };
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: "RestMQ's root form: `queue=` and `value=`; answers the key" })
  async addForm(
    @CurrentUser() user: SessionUser,
    @Body() body: MqBody,
    @Res() res: Response,
  ): Promise<void> {
    return this.add(user, field(body, 'queue') ?? '', body, res);
  }
}
