import type { RefObject } from 'react';
import {
  displayName,
  roomPeer,
  roomTitle,
  sortedRooms,
  unreadCount,
  type ChatState,
} from '../lib/store';
import { shortWhen } from '../lib/timeline';
import { Avatar } from './Avatar';

interface Props {
  state: ChatState;
  onOpen: (roomId: string) => void;
  onNewChat: () => void;
  onLogout: () => void;
  newChatRef: RefObject<HTMLButtonElement | null>;
}

export function Sidebar({ state, onOpen, onNewChat, onLogout, newChatRef }: Props) {
  const me = state.me;
  const rooms = sortedRooms(state);
  return (
    <aside className="sidebar" aria-label="Conversations">
      <header className="sidebar__header">
        <Avatar name={me.username} size="sm" />
        <span className="sidebar__me" data-testid="me">
          {me.username}
        </span>
        <button type="button" className="btn btn--ghost" onClick={onLogout}>
          Sign out
        </button>
      </header>
      <div className="sidebar__actions">
        <h2 className="sidebar__title">Chats</h2>
        <button
          ref={newChatRef}
          type="button"
          className="btn btn--primary btn--sm"
          onClick={onNewChat}
          data-testid="new-chat"
        >
          + New chat
        </button>
      </div>
      <nav>
        <ul className="rooms">
          {rooms.map((view) => {
            const room = view.room;
            const title = roomTitle(state, room);
            const peer = roomPeer(state, room);
            const last = view.messages[view.messages.length - 1];
            const unread = unreadCount(view, me.id);
            const activeRoom = room.id === state.activeRoomId;
            const preview = last
              ? `${last.from === me.id ? 'You: ' : room.kind === 'public' ? `${displayName(state, last.from)}: ` : ''}${last.message}`
              : view.loaded
                ? 'No messages yet'
                : '';
            return (
              <li key={room.id}>
                <button
                  type="button"
                  className={`room${activeRoom ? ' room--active' : ''}${unread ? ' room--unread' : ''}`}
                  aria-current={activeRoom ? 'page' : undefined}
                  onClick={() => onOpen(room.id)}
                  data-testid="room"
                  data-room-id={room.id}
                  data-online={peer ? String(peer.online) : undefined}
                >
                  <Avatar
                    name={title}
                    group={room.kind === 'public'}
                    online={peer ? peer.online : undefined}
                  />
                  <span className="room__main">
                    <span className="room__name">
                      {title}
                      {peer && (
                        <span className="sr-only">{peer.online ? ' (online)' : ' (offline)'}</span>
                      )}
                    </span>
                    <span className="room__preview">{preview.slice(0, 120)}</span>
                  </span>
                  <span className="room__side">
                    {last && <time className="room__time">{shortWhen(last.date)}</time>}
                    {unread > 0 && (
                      <span className="badge" data-testid="unread" aria-label={`${unread} unread`}>
                        {unread > 99 ? '99+' : unread}
                      </span>
                    )}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      </nav>
    </aside>
  );
}
