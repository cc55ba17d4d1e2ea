import { useState } from 'react';
import type { Message } from '../contracts';
import { isolate, isTeamRoom, roomPeer, roomTitle } from '../lib/selectors';
import type { ChatState, ChatStore, RoomView } from '../lib/store';
import { Avatar } from './Avatar';
import { BlockButton } from './BlockButton';
import { Presence, PresenceWords } from './Presence';
import { LockIcon } from './LockIcon';
import { Composer } from './Composer';
import { MessageList, TypingLine } from './MessageList';

interface Props {
  store: ChatStore;
  state: ChatState;
  view: RoomView;
  drafts: Map<string, string>;
  onBack: () => void;
  /** Opens the room's settings (group rooms other than General). */
  onSettings: () => void;
}

export function Conversation({ store, state, view, drafts, onBack, onSettings }: Props) {
  const room = view.room;
  // Where "New messages" goes: after the marker as it was when the room was opened.
  const [unreadAfter] = useState(() => (view.unread > 0 ? view.readSeq : null));
  const [editing, setEditing] = useState<Message | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const change = (action: Promise<unknown>) => {
    setProblem(null);
    action.catch((err: Error) => setProblem(err.message || 'That did not work, try again'));
  };
  /** ↑ in an empty composer: the newest message of one's own that can be edited. */
  const editLast = () => {
    const mine = view.messages.filter((m) => m.from === state.me.id && !m.deleted);
    const last = mine[mine.length - 1];
    if (last) setEditing(last);
    return Boolean(last);
  };
  const title = roomTitle(state, room);
  const peer = roomPeer(state, room);
  const pending = state.pending.filter((p) => p.roomId === room.id);
  const group = room.kind !== 'dm';
  const count = room.memberCount;
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
        <Avatar name={title} group={group} status={peer?.status} />
        <div className="conversation__title">
          <h2 data-testid="room-title">
            {room.kind === 'private' && <LockIcon label="Private room" />}
            <bdi>{title}</bdi>
          </h2>
          <p className="conversation__sub" data-testid="room-status">
            {peer ? (
              <PresenceWords user={peer} />
            ) : (
              <>
                {count > 0 && (
                  <span className="conversation__count" data-testid="room-members">
                    {count} {count === 1 ? 'member' : 'members'}
                  </span>
                )}
                {room.topic && (
                  <bdi className="conversation__topic" data-testid="room-topic" title={room.topic}>
                    {room.topic}
                  </bdi>
                )}
              </>
            )}
          </p>
          {peer?.statusText && (
            <p className="conversation__sub">
              <Presence user={peer} textOnly />
            </p>
          )}
        </div>
        {peer && <BlockButton store={store} state={state} user={peer} />}
        {isTeamRoom(room) && (
          <button
            type="button"
            className="btn btn--ghost conversation__settings"
            onClick={onSettings}
            aria-label="Room settings"
            data-testid="room-settings-open"
          >
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
              <path
                fill="currentColor"
                d="M12 8.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7Zm8.3 4.6-1.7-.4a6.9 6.9 0 0 1-.6 1.5l1 1.5-1.6 1.6-1.5-1a6.9 6.9 0 0 1-1.5.6l-.4 1.7h-2.2l-.4-1.7a6.9 6.9 0 0 1-1.5-.6l-1.5 1-1.6-1.6 1-1.5a6.9 6.9 0 0 1-.6-1.5l-1.7-.4v-2.2l1.7-.4c.1-.5.3-1 .6-1.5l-1-1.5 1.6-1.6 1.5 1c.5-.3 1-.5 1.5-.6l.4-1.7h2.2l.4 1.7c.5.1 1 .3 1.5.6l1.5-1 1.6 1.6-1 1.5c.3.5.5 1 .6 1.5l1.7.4v2.2Z"
              />
            </svg>
          </button>
        )}
      </header>
      <MessageList
        state={state}
        view={view}
        pending={pending}
        onLoadOlder={() => void store.loadOlder(room.id)}
        onRetry={(id) => store.retry(id)}
        onDiscard={(id) => store.discard(id)}
        onBottom={(atBottom) => store.setAtBottom(room.id, atBottom)}
        unreadAfter={unreadAfter}
        editingId={editing?.id ?? null}
        onEdit={setEditing}
        onDelete={(m) => {
          if (editing?.id === m.id) setEditing(null);
          change(store.deleteMessage(room.id, m.id));
        }}
        onReact={(m, emoji, on) => change(store.react(room.id, m.id, emoji, on))}
        onBlock={(userId, on) => change(store.setBlocked(userId, on))}
      />
      {problem && (
        <p className="conversation__problem" role="alert" data-testid="change-error">
          {problem}
        </p>
      )}
      <TypingLine state={state} view={view} />
      <Composer
        key={room.id}
        store={store}
        roomId={room.id}
        placeholder={group ? `Message #${isolate(title)}` : `Message ${isolate(title)}`}
        drafts={drafts}
        editing={editing}
        onEditLast={editLast}
        onEndEdit={(text) => {
          const m = editing;
          setEditing(null);
          if (m && text !== undefined && text !== m.message)
            change(store.edit(room.id, m.id, text));
        }}
      />
    </section>
  );
}
