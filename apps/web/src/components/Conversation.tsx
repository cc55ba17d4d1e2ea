import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Limits, type Message } from '../contracts';
import {
  ChatStore,
  displayName,
  roomPeer,
  roomTitle,
  type ChatState,
  type PendingMessage,
  type RoomView,
} from '../lib/store';
import { codePoints, dayKey, dayLabel, linkify, timeLabel } from '../lib/timeline';
import { Avatar } from './Avatar';

interface Props {
  store: ChatStore;
  state: ChatState;
  view: RoomView;
  drafts: Map<string, string>;
  onBack: () => void;
}

export function Conversation({ store, state, view, drafts, onBack }: Props) {
  const room = view.room;
  const title = roomTitle(state, room);
  const peer = roomPeer(state, room);
  const pending = state.pending.filter((p) => p.roomId === room.id);
  const people = Object.keys(state.users).length;
  return (
    <section
      className="conversation"
      aria-label={`Conversation: ${title}`}
      data-testid="conversation"
      data-room-id={room.id}
    >
      <header className="conversation__header">
        <button
          type="button"
          className="btn btn--ghost back"
          onClick={onBack}
          aria-label="Back to chats"
        >
          ←
        </button>
        <Avatar
          name={title}
          group={room.kind === 'public'}
          online={peer ? peer.online : undefined}
        />
        <div className="conversation__title">
          <h2 data-testid="room-title">{title}</h2>
          <p className="conversation__sub" data-testid="room-status">
            {peer
              ? peer.online
                ? 'online'
                : 'offline'
              : `${people} ${people === 1 ? 'person' : 'people'}`}
          </p>
        </div>
      </header>
      <MessageList
        state={state}
        view={view}
        pending={pending}
        onLoadOlder={() => void store.loadOlder(room.id)}
        onRetry={(id) => store.retry(id)}
        onDiscard={(id) => store.discard(id)}
      />
      <TypingLine state={state} view={view} />
      <Composer
        key={room.id}
        store={store}
        roomId={room.id}
        placeholder={room.kind === 'public' ? `Message #${title}` : `Message ${title}`}
        drafts={drafts}
      />
    </section>
  );
}

// ---- messages ---------------------------------------------------------------------------------

type Item =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'message'; key: string; message: Message; head: boolean }
  | { kind: 'pending'; key: string; pending: PendingMessage };

const GROUP_MS = 5 * 60_000;

function buildItems(messages: readonly Message[], pending: readonly PendingMessage[]): Item[] {
  const items: Item[] = [];
  let prev: Message | undefined;
  for (const message of messages) {
    const day = dayKey(message.date);
    const newDay = !prev || dayKey(prev.date) !== day;
    if (newDay) items.push({ kind: 'day', key: `day-${day}`, label: dayLabel(message.date) });
    const head =
      newDay || !prev || prev.from !== message.from || (message.date - prev.date) * 1000 > GROUP_MS;
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

interface ListProps {
  state: ChatState;
  view: RoomView;
  pending: PendingMessage[];
  onLoadOlder: () => void;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
}

function MessageList({ state, view, pending, onLoadOlder, onRetry, onDiscard }: ListProps) {
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
    if (snap.current.atBottom) setUnseenBelow(false);
    if (el.scrollTop < 300 && view.hasOlder && !view.loadingOlder) onLoadOlder();
  }

  function jumpToBottom() {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    setUnseenBelow(false);
  }

  const items = buildItems(view.messages, pending);
  const showNames = view.room.kind === 'public';
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
            if (item.kind === 'message') {
              const m = item.message;
              const own = m.from === me;
              return (
                <li
                  key={item.key}
                  className={`msg${own ? ' msg--own' : ''}${item.head ? ' msg--head' : ''}`}
                  data-testid="message"
                  data-id={m.id}
                  data-seq={m.seq}
                  data-status="sent"
                >
                  {item.head && showNames && !own && (
                    <div className="msg__author">{displayName(state, m.from)}</div>
                  )}
                  <div className="msg__bubble">
                    <span className="msg__text" data-testid="message-text">
                      <MessageText text={m.message} />
                    </span>
                    <time
                      className="msg__time"
                      dateTime={new Date(m.date * 1000).toISOString()}
                      title={new Date(m.date * 1000).toLocaleString()}
                    >
                      {timeLabel(m.date)}
                    </time>
                  </div>
                </li>
              );
            }
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
                  <span className="msg__text" data-testid="message-text">
                    <MessageText text={p.text} />
                  </span>
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

/** Text only (React escapes it); http(s) URLs become plain links that open in a new tab. */
function MessageText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((part, i) =>
        part.href ? (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow ugc">
            {part.text}
          </a>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </>
  );
}

// ---- typing -----------------------------------------------------------------------------------

function TypingLine({ state, view }: { state: ChatState; view: RoomView }) {
  const names = Object.keys(view.typing)
    .filter((id) => id !== state.me.id)
    .map((id) => displayName(state, id));
  let text = '';
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = 'Several people are typing…';
  return (
    <div className="typing" aria-live="polite" data-testid="typing">
      {text && <span className="typing__dots" aria-hidden="true" />}
      {text}
    </div>
  );
}

// ---- composer ---------------------------------------------------------------------------------

interface ComposerProps {
  store: ChatStore;
  roomId: string;
  placeholder: string;
  drafts: Map<string, string>;
}

function Composer({ store, roomId, placeholder, drafts }: ComposerProps) {
  const [text, setText] = useState(() => drafts.get(roomId) ?? '');
  const area = useRef<HTMLTextAreaElement>(null);
  const max = Limits.messageMaxCodePoints;
  const length = codePoints(text);
  const tooLong = length > max;
  const canSend = text.trim().length > 0 && !tooLong;

  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 160)}px`;
  }, [text]);

  useEffect(() => {
    if (!window.matchMedia('(max-width: 720px)').matches) area.current?.focus();
  }, []);

  function update(value: string) {
    setText(value);
    if (value) drafts.set(roomId, value);
    else drafts.delete(roomId);
    store.setTyping(roomId, value.trim().length > 0);
  }

  function submit() {
    if (!canSend) return;
    if (store.send(roomId, text)) {
      setText('');
      drafts.delete(roomId);
    }
    area.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  const counterClass = tooLong ? ' counter--over' : length > max * 0.9 ? ' counter--near' : '';
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="composer__field">
        <textarea
          ref={area}
          rows={1}
          value={text}
          placeholder={placeholder}
          aria-label="Message"
          aria-describedby={`counter-${roomId}`}
          aria-invalid={tooLong || undefined}
          onChange={(e) => update(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={() => store.setTyping(roomId, false)}
          data-testid="composer"
        />
        <span id={`counter-${roomId}`} className={`counter${counterClass}`} data-testid="counter">
          {tooLong
            ? `${length - max} over the ${max} character limit`
            : length > 0
              ? `${length}/${max}`
              : `Enter to send · Shift+Enter for a new line`}
        </span>
      </div>
      <button
        className="btn btn--primary send"
        type="submit"
        disabled={!canSend}
        aria-label="Send"
        data-testid="send"
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path d="M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z" fill="currentColor" />
        </svg>
      </button>
    </form>
  );
}
