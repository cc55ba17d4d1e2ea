import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { Message } from '../contracts';
import { displayName } from '../lib/selectors';
import type { ChatState, PendingMessage, RoomView } from '../lib/store';
import { dayKey, dayLabel } from '../lib/timeline';
import { MessageItem, MessageText, type MessageActions } from './MessageItem';

/**
 * The conversation's timeline: day separators, grouped bubbles, pending and failed sends, older
 * pages on scroll. User text is text (React escapes it) inside direction-isolated elements
 * (`<bdi dir="auto">`), so a right-to-left override in a message or a name cannot reorder the
 * surrounding labels.
 */
type Item =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'unread'; key: string }
  | { kind: 'message'; key: string; message: Message; head: boolean }
  | { kind: 'pending'; key: string; pending: PendingMessage };

const GROUP_MS = 5 * 60_000;

function buildItems(
  messages: readonly Message[],
  pending: readonly PendingMessage[],
  unreadAfter: number | null,
  me: string,
): Item[] {
  const items: Item[] = [];
  let prev: Message | undefined;
  let divided = unreadAfter === null;
  for (const message of messages) {
    const day = dayKey(message.date);
    const newDay = !prev || dayKey(prev.date) !== day;
    if (newDay) items.push({ kind: 'day', key: `day-${day}`, label: dayLabel(message.date) });
    const divider = !divided && message.seq > (unreadAfter ?? 0) && message.from !== me;
    if (divider) {
      divided = true;
      items.push({ kind: 'unread', key: 'unread-divider' });
    }
    const head =
      divider ||
      newDay ||
      !prev ||
      prev.from !== message.from ||
      (message.date - prev.date) * 1000 > GROUP_MS;
    items.push({ kind: 'message', key: message.id, message, head });
    prev = message;
  }
  if (pending.length > 0) {
    const today = dayKey(Date.now() / 1000);
    if (!prev || dayKey(prev.date) !== today)
      items.push({ kind: 'day', key: `day-${today}`, label: 'Today' });
    for (const p of pending)
      items.push({ kind: 'pending', key: `pending-${p.clientId}`, pending: p });
  }
  return items;
}

function atBottom(el: HTMLElement): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight < 48;
}

interface ListProps extends MessageActions {
  state: ChatState;
  view: RoomView;
  pending: PendingMessage[];
  /** The read marker when the room was opened, if anything was unread: the divider goes after. */
  unreadAfter: number | null;
  /** The id of the message being edited in the composer. */
  editingId: string | null;
  onLoadOlder: () => void;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
  /** Whether the newest message is on screen (after every render and scroll). */
  onBottom: (atBottom: boolean) => void;
}

export function MessageList({
  state,
  view,
  pending,
  unreadAfter,
  editingId,
  onLoadOlder,
  onRetry,
  onDiscard,
  onBottom,
  ...actions
}: ListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const snap = useRef({ ready: false, height: 0, first: '', last: '', pending: 0, atBottom: true });
  const [unseenBelow, setUnseenBelow] = useState(false);
  const me = state.me.id;
  const firstId = view.messages[0]?.id ?? '';
  const lastMessage = view.messages[view.messages.length - 1];
  const lastId = lastMessage?.id ?? '';

  // Scroll position rules, applied after every render: start at the bottom; keep the reader's
  // place when an older page is prepended; follow new messages only when already at the bottom
  // (or when they are one's own), else offer a "new messages" button.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const s = snap.current;
    if (!s.ready) {
      el.scrollTop = el.scrollHeight;
      // Opened with unread messages: start at the divider when they do not all fit.
      const divider = el.querySelector('[data-testid="unread-divider"]');
      if (view.loaded && divider) {
        const top = divider.getBoundingClientRect().top - el.getBoundingClientRect().top;
        if (top < 0) el.scrollTop += top - 24;
      }
      s.ready = view.loaded;
    } else if (firstId !== s.first && lastId === s.last) {
      el.scrollTop += el.scrollHeight - s.height;
    } else if (el.scrollHeight !== s.height || lastId !== s.last || pending.length !== s.pending) {
      const ownNew = pending.length > s.pending || (lastId !== s.last && lastMessage?.from === me);
      if (s.atBottom || ownNew) el.scrollTop = el.scrollHeight;
      else if (lastId !== s.last) setUnseenBelow(true);
    }
    s.height = el.scrollHeight;
    s.first = firstId;
    s.last = lastId;
    s.pending = pending.length;
    s.atBottom = atBottom(el);
    if (view.loaded) onBottom(s.atBottom);
    // Too little to scroll: nothing would ever trigger the next page, so fetch it now.
    if (
      view.loaded &&
      view.hasOlder &&
      !view.loadingOlder &&
      !view.olderError &&
      el.scrollHeight <= el.clientHeight + 40
    )
      onLoadOlder();
  });

  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (snap.current.atBottom) el.scrollTop = el.scrollHeight;
      snap.current.height = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  function onScroll() {
    const el = scroller.current;
    if (!el) return;
    snap.current.atBottom = atBottom(el);
    if (view.loaded) onBottom(snap.current.atBottom);
    if (snap.current.atBottom) setUnseenBelow(false);
    if (el.scrollTop < 300 && view.hasOlder && !view.loadingOlder) onLoadOlder();
  }

  function jumpToBottom() {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    setUnseenBelow(false);
  }

  const items = buildItems(view.messages, pending, unreadAfter, me);
  return (
    <div className="messages-wrap">
      <div
        ref={scroller}
        className="messages"
        onScroll={onScroll}
        role="log"
        aria-label="Messages"
        tabIndex={0}
        data-testid="messages"
      >
        <div className="history-edge" data-testid="history-edge">
          {!view.loaded ? (
            'Loading messages…'
          ) : view.loadingOlder ? (
            'Loading earlier messages…'
          ) : view.olderError ? (
            <button type="button" className="link" onClick={onLoadOlder}>
              Could not load earlier messages. Retry
            </button>
          ) : view.hasOlder ? (
            ''
          ) : view.messages.length > 0 ? (
            'This is the beginning of the conversation'
          ) : (
            'No messages yet. Say hello!'
          )}
        </div>
        <ol className="timeline">
          {items.map((item) => {
            if (item.kind === 'day')
              return (
                <li key={item.key} className="day" role="separator" data-testid="day-separator">
                  <span>{item.label}</span>
                </li>
              );
            if (item.kind === 'unread')
              return (
                <li
                  key={item.key}
                  className="day day--unread"
                  role="separator"
                  data-testid="unread-divider"
                >
                  <span>New messages</span>
                </li>
              );
            if (item.kind === 'message')
              return (
                <MessageItem
                  key={item.key}
                  state={state}
                  room={view.room}
                  message={item.message}
                  head={item.head}
                  editing={item.message.id === editingId}
                  {...actions}
                />
              );
            const p = item.pending;
            return (
              <li
                key={item.key}
                className={`msg msg--own msg--${p.status}`}
                data-testid="message"
                data-client-id={p.clientId}
                data-status={p.status}
              >
                <div className="msg__bubble">
                  <bdi className="msg__text" dir="auto" data-testid="message-text">
                    <MessageText text={p.text} />
                  </bdi>
                  <span className="msg__time">{p.status === 'pending' ? 'Sending…' : ''}</span>
                </div>
                {p.status === 'failed' && (
                  <div className="msg__failed" role="alert">
                    Not sent{p.error ? `: ${p.error}` : ''}.{' '}
                    <button
                      type="button"
                      className="link"
                      onClick={() => onRetry(p.clientId)}
                      data-testid="retry"
                    >
                      Retry
                    </button>{' '}
                    ·{' '}
                    <button type="button" className="link" onClick={() => onDiscard(p.clientId)}>
                      Delete
                    </button>
                  </div>
                )}
              </li>
            );
          })}
        </ol>
      </div>
      {unseenBelow && (
        <button type="button" className="jump" onClick={jumpToBottom}>
          New messages ↓
        </button>
      )}
    </div>
  );
}

export function TypingLine({ state, view }: { state: ChatState; view: RoomView }) {
  const names = Object.keys(view.typing)
    .filter((id) => id !== state.me.id)
    .map((id) => displayName(state, id));
  let text: ReactNode = null;
  if (names.length === 1)
    text = (
      <>
        <bdi>{names[0]}</bdi> is typing…
      </>
    );
  else if (names.length === 2)
    text = (
      <>
        <bdi>{names[0]}</bdi> and <bdi>{names[1]}</bdi> are typing…
      </>
    );
  else if (names.length > 2) text = 'Several people are typing…';
  return (
    <div className="typing" aria-live="polite" data-testid="typing">
      {text && <span className="typing__dots" aria-hidden="true" />}
      {text}
    </div>
  );
}
