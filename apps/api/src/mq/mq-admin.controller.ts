import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueuesService, QueueStats } from '@app/chat';
import { CurrentUser, SessionUser } from '../common/current-user.decorator';
import { NoReadLimit } from '../common/read-rate.guard';
import { RequiresScope } from '../tokens/token-scope.guard';
import { field, MqBody } from './mq-input';

/** RestMQ's policy, control and stats routes for the caller's queues. */
@ApiTags('mq')
@RequiresScope('queues')
@NoReadLimit()
@Controller('mq')
export class MqAdminController {
  constructor(private readonly queues: QueuesService) {}

  @Get('p/:queue')
  @ApiOperation({ summary: "The queue's comet delivery policy" })
  @ApiOkResponse({ description: '{queue, value: "broadcast" | "roundrobin"}' })
  async policy(@CurrentUser() user: SessionUser, @Param('queue') queue: string) {
    return { queue, value: await this.queues.policy(user.id, queue) };
  }

  @Post('p/:queue')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set the policy: broadcast (every consumer) or roundrobin (one each)' })
  @ApiOkResponse({ description: '{queue, value}' })
  @ApiBadRequestResponse({ description: 'Unknown policy' })
  async setPolicy(
    @CurrentUser() user: SessionUser,
    @Param('queue') queue: string,
    @Body() body: MqBody,
  ) {
    return { queue, value: await this.queues.setPolicy(user.id, queue, field(body, 'policy')) };
  }

  @Get('control/:queue')
  @ApiOperation({ summary: 'Whether comet delivery runs (1) or is paused (0)' })
  @ApiOkResponse({ description: '{queue, status: 1 | 0}' })
  async status(@CurrentUser() user: SessionUser, @Param('queue') queue: string) {
    return { queue, status: await this.queues.status(user.id, queue) };
  }

  @Post('control/:queue')
  @HttpCode(200)
  @ApiOperation({ summary: '`status=start|stop`: stop pauses comet delivery only' })
  @ApiOkResponse({ description: '{queue, status: 1 | 0}' })
  @ApiBadRequestResponse({ description: 'Unknown status' })
  async setStatus(
    @CurrentUser() user: SessionUser,
    @Param('queue') queue: string,
    @Body() body: MqBody,
  ) {
    return { queue, status: await this.queues.setStatus(user.id, queue, field(body, 'status')) };
  }

  @Get('stats')
  @ApiOperation({
    summary: 'Every queue of the caller with its length, status, policy and counters',
  })
  @ApiOkResponse({
    description: '{queues: {name: {name, len, status, policy, leased, metrics}}, count}',
  })
  async stats(@CurrentUser() user: SessionUser) {
    const all = await this.queues.list(user.id);
    const queues: Record<string, QueueStats & { name: string }> = {};
    for (const { queue } of all) {
      queues[queue] = { name: queue, ...(await this.queues.stats(user.id, queue)) };
    }
    return { queues, count: all.length };
  }

  @Get('stats/:queue')
  @ApiOperation({ summary: "One queue's length, status, policy, leased messages and counters" })
  @ApiOkResponse({ description: '{queue, len, status, policy, leased, metrics}' })
  queue(@CurrentUser() user: SessionUser, @Param('queue') queue: string): Promise<QueueStats> {
    return this.queues.stats(user.id, queue);
  }
}
