import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { QueueSignals } from '@app/redis';
import { QueueMessage, QueuesService } from './queues.service';

/** Where a long-lived consumer (comet, WebSocket) receives its messages. */
export interface QueueSink {
  /**
   * False when the consumer is gone: the message goes to another one. `leased`: the message is
   * out on a lease taken for this consumer (it comes back by itself unless acked).
   */
  send(message: Pick<QueueMessage, 'key' | 'value'>, leased: boolean): boolean;
  /** The queue was deleted, or this process is shutting down. */
  close(reason: 'deleted' | 'shutdown'): void;
  /**
   * Set for a consumer that acks (`/mq/ws?ack=1`): under roundrobin its messages are taken with
   * a lease of this many seconds, so one it never acks comes back to the queue, even when this
   * process dies. Under broadcast every consumer gets its own copy and the consumer itself sends
   * it again.
   */
  leaseSeconds?: number;
}

/** RestMQ's comet dispatcher also looks once a second, for what no wake-up announced. */
const TICK_MS = 1000;
/** Messages one drain pass takes before yielding to other queues' work. */
const PASS_MAX = 500;
const PURGED = 'purged';

const pushedOf = ({ key, value }: QueueMessage) => ({ key, value });

/**
 * The consumers of one queue on this process. Takes are atomic in Redis, so whichever process
 * takes a message is the only one holding it: under roundrobin it goes to one local consumer
 * (each message to exactly one consumer cluster-wide); under broadcast it is published once and
 * every process hands it to all of its consumers.
 */
class QueueDispatcher {
  readonly sinks: QueueSink[] = [];
  /** Resolves once the dispatcher hears its queue's signals. */
  ready: Promise<void> = Promise.resolve();
  /** Transports about to attach a consumer (`QueueConsumers.hold`). */
  holds = 0;
  private next = 0;
  private draining = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  private stops: Array<() => void> = [];

  constructor(
    private readonly userId: string,
    private readonly queue: string,
    private readonly queues: QueuesService,
    private readonly signals: QueueSignals,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const { wake, broadcast } = this.signals.channels(this.userId, this.queue);
    this.stops = await Promise.all([
      this.signals.listen(wake, (payload) =>
        payload === PURGED ? this.closeAll('deleted') : this.drain(),
      ),
      this.signals.listen(broadcast, (payload) => this.fanOut(payload)),
    ]);
    this.timer = setInterval(() => this.drain(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.stops.forEach((stop) => stop());
  }

  closeAll(reason: 'deleted' | 'shutdown'): void {
    for (const sink of this.sinks.splice(0)) sink.close(reason);
  }

  /** Takes and hands out what waits; a wake-up during a pass runs one more pass. */
  drain(): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    this.pass()
      .catch((err: Error) => this.logger.warn(`queue drain failed: ${err.message}`))
      .finally(() => {
        this.draining = false;
        if (this.again && this.sinks.length > 0) {
          this.again = false;
          this.drain();
        }
      });
  }

  private async pass(): Promise<void> {
    if (this.sinks.length === 0) return;
    if ((await this.queues.status(this.userId, this.queue)) === 0) return;
    const policy = await this.queues.policy(this.userId, this.queue);
    const { broadcast } = this.signals.channels(this.userId, this.queue);
    for (let i = 0; i < PASS_MAX && this.sinks.length > 0; i += 1) {
      if (policy === 'broadcast') {
        const message = await this.queues.take(this.userId, this.queue);
        if (!message) return;
        await this.signals.publish(broadcast, JSON.stringify(pushedOf(message)));
        continue;
      }
      // The consumer is chosen first: whether the take holds a lease depends on it.
      this.next = (this.next + 1) % this.sinks.length;
      const sink = this.sinks[this.next];
      const message = await this.queues.take(this.userId, this.queue, sink.leaseSeconds);
      if (!message) return;
      await this.handOut(message, sink);
    }
    this.again = true; // more may wait: another pass
  }

  /** To `first`, or when it turns out closed, to the next consumer in turn. */
  private async handOut(message: QueueMessage, first: QueueSink): Promise<void> {
    let sink: QueueSink | undefined = first;
    while (sink) {
      if (sink.send(pushedOf(message), Boolean(message.leaseUntil))) {
        // A lease taken for an acking consumer, handed to one that consumes as sent: done now.
        if (message.leaseUntil && !sink.leaseSeconds) {
          await this.queues.ack(this.userId, this.queue, message.key);
        }
        return;
      }
      const i = this.sinks.indexOf(sink);
      if (i >= 0) this.sinks.splice(i, 1);
      if (this.sinks.length === 0) break;
      this.next = (this.next + 1) % this.sinks.length;
      sink = this.sinks[this.next];
    }
    // Leased: it comes back when the lease runs out. Hard-got: RestMQ's behaviour, it is gone.
    if (!message.leaseUntil)
      this.logger.warn('a queue message was taken after its last consumer left');
  }

  private fanOut(payload: string): void {
    const message = JSON.parse(payload) as Pick<QueueMessage, 'key' | 'value'>;
    for (const sink of this.sinks) sink.send(message, false);
  }
}

/**
 * Long-lived consumers of queues on this process (comet and WebSocket), keyed by account
 * and queue, and the "queue deleted" signal that closes them on every process.
 */
@Injectable()
export class QueueConsumers implements OnApplicationShutdown {
  private readonly logger = new Logger('QueueConsumers');
  private readonly dispatchers = new Map<string, QueueDispatcher>();

  constructor(
    private readonly queues: QueuesService,
    private readonly signals: QueueSignals,
  ) {}

  /** Registers a consumer; resolves once it hears wake-ups; returns its removal. */
  async attach(userId: string, queue: string, sink: QueueSink): Promise<() => void> {
    return (await this.hold(userId, queue)).attach(sink);
  }

  /**
   * Starts (or joins) the queue's dispatcher and resolves once this process hears the queue's
   * wake-ups and deletion, before any consumer is attached: a transport can then accept its
   * consumer (a WebSocket's upgrade) knowing that a deletion sent after that reaches it. A held
   * dispatcher without consumers takes nothing. `attach` adds the consumer (once); `release`
   * drops the hold of one that never came.
   */
  async hold(
    userId: string,
    queue: string,
  ): Promise<{ attach(sink: QueueSink): () => void; release(): void }> {
    const id = `${userId}\0${queue}`;
    let d = this.dispatchers.get(id);
    if (!d) {
      d = new QueueDispatcher(userId, queue, this.queues, this.signals, this.logger);
      this.dispatchers.set(id, d);
      d.ready = d.start();
    }
    const dispatcher = d;
    dispatcher.holds += 1;
    try {
      // A second consumer of a dispatcher still starting waits for the same subscription.
      await dispatcher.ready;
    } catch (err) {
      dispatcher.holds -= 1;
      this.stopIfIdle(id, dispatcher);
      throw err;
    }
    let held = true;
    const unhold = () => {
      if (!held) return;
      held = false;
      dispatcher.holds -= 1;
    };
    return {
      attach: (sink) => {
        unhold();
        dispatcher.sinks.push(sink);
        dispatcher.drain();
        return () => {
          const i = dispatcher.sinks.indexOf(sink);
          if (i >= 0) dispatcher.sinks.splice(i, 1);
          this.stopIfIdle(id, dispatcher);
        };
      },
      release: () => {
        unhold();
        this.stopIfIdle(id, dispatcher);
      },
    };
  }

  private stopIfIdle(id: string, d: QueueDispatcher): void {
    if (d.sinks.length > 0 || d.holds > 0 || this.dispatchers.get(id) !== d) return;
    this.dispatchers.delete(id);
    d.stop();
  }

  /** Deletes the queue and closes its consumers on every process. */
  async purge(userId: string, queue: string): Promise<number> {
    const held = await this.queues.purge(userId, queue);
    await this.signals.publish(this.signals.channels(userId, queue).wake, PURGED);
    return held;
  }

  onApplicationShutdown(): void {
    for (const d of this.dispatchers.values()) {
      d.stop();
      d.closeAll('shutdown');
    }
    this.dispatchers.clear();
  }
}
