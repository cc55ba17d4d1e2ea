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
import type { FastifyReply } from 'fastify';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { NoReadLimit } from '../common/read-rate.guard';
import { RequiresScope } from '../tokens/token-scope.guard';
import { field, MqBody, seconds, sendEmpty, shown, valueOf, wholeNumber } from './mq-input';

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
  @ApiOperation({
    summary: 'Add a value (form or JSON `value`/`msg`, optional `ttl` seconds)',
    description:
      'Batch add (a Parley extension): a JSON body `{"values": [...], "ttl"?}` without `value` ' +
      'or `msg` adds 1-1000 strings in order, all or none, and answers `{"keys": [...]}`.',
  })
  @ApiOkResponse({
    description: 'text/plain: the new key, `<queue>:<n>`; a batch add: JSON `{keys: [...]}`',
  })
  @ApiBadRequestResponse({
    description: 'No value, bad queue name or ttl; a batch of 0 or over 1000 values, or a bad one',
  })
  @ApiPayloadTooLargeResponse({ description: 'The value is over 64 KB; a JSON body over 2 MB' })
  @ApiConflictResponse({
    description: 'The queue holds LIMIT_QUEUE_LENGTH messages (a batch: would hold more)',
  })
  async add(
    @CurrentUser() user: SessionUser,
    @Param('queue') queue: string,
    @Body() body: MqBody,
    @Res() res: FastifyReply,
  ): Promise<void> {
    const ttl = () => seconds(field(body, 'ttl'), 'ttl');
    if (Array.isArray(body?.values) && field(body, 'value', 'msg') === undefined) {
      res.send({ keys: await this.queues.addMany(user.id, queue, body.values, ttl()) });
      return;
    }
    // The value is checked before the ttl, as before batches: the same error for the same body.
    const value = valueOf(body);
    const key = await this.queues.add(user.id, queue, value, ttl());
    res.type('text/plain; charset=utf-8').send(key);
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
  @ApiQuery({
    name: 'n',
    required: false,
    description:
      'Batch get (a Parley extension): up to n (1-1000) hard, soft or leased gets at once',
  })
  @ApiOkResponse({
    description:
      '{key, value, count} (+ lease, leaseUntil with ?lease); with ?n a JSON array of those, oldest first',
  })
  @ApiNotFoundResponse({ description: '{"error": "empty queue"} (with ?n too)' })
  async get(
    @CurrentUser() user: SessionUser,
    @Param('queue') queue: string,
    @Query('soft') soft: unknown,
    @Query('lease') leaseRaw: unknown,
    @Query('n') nRaw: unknown,
    @Res() res: FastifyReply,
  ): Promise<void> {
    const lease = seconds(leaseRaw, 'lease');
    const isSoft = soft !== undefined && soft !== '0';
    if (nRaw !== undefined) {
      const n = wholeNumber(nRaw, 'n');
      const messages = isSoft
        ? await this.queues.peekMany(user.id, queue, n)
        : await this.queues.takeMany(user.id, queue, n, lease);
      if (messages.length === 0) return sendEmpty(res);
      res.send(messages.map((m) => shown(m, lease)));
      return;
    }
    const message = isSoft
      ? await this.queues.peek(user.id, queue)
      : await this.queues.take(user.id, queue, lease);
    if (!message) return sendEmpty(res);
    res.send(shown(message, lease));
  }

  @Post('q/:queue/ack')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Batch ack (a Parley extension): JSON `{"keys": [...]}`, 1-1000 leased keys',
  })
  @ApiOkResponse({ description: '{acked: how many were still leased and are now acked}' })
  @ApiBadRequestResponse({ description: 'No keys, over 1000, or one not `<queue>:<n>`' })
  async ackMany(
    @CurrentUser() user: SessionUser,
    @Param('queue') queue: string,
    @Body() body: MqBody,
  ): Promise<{ acked: number }> {
    return { acked: await this.queues.ackMany(user.id, queue, body?.keys) };
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
    @Res() res: FastifyReply,
  ): Promise<void> {
    return this.add(user, field(body, 'queue') ?? '', body, res);
  }
}
