import type { RefObject } from 'react';
import { displayName, roomPeer, roomSections, roomTitle, unreadCount } from '../lib/selectors';
import type { ChatState, RoomView } from '../lib/store';
import { shortWhen } from '../lib/timeline';
import { useNow } from '../lib/clock';
import { Avatar } from './Avatar';
import { KeyIcon, LockIcon } from './LockIcon';
import { Presence, PresenceWords } from './Presence';
import { StatusButton } from './StatusPicker';

interface Props {
  state: ChatState;
  onOpen: (roomId: string) => void;
  onNewChat: () => void;
  onNewRoom: () => void;
  onBrowse: () => void;
  onLogout: () => void;
  onStatus: () => void;
  onTokens: () => void;
  newChatRef: RefObject<HTMLButtonElement | null>;
}

export function Sidebar({
  state,
  onOpen,
  onNewChat,
  onNewRoom,
  onBrowse,
  onLogout,
  onStatus,
  onTokens,
  newChatRef,
}: Props) {
  const { groups, dms } = roomSections(state);
  return (
    <aside className="sidebar" aria-label="Conversations">
      <header className="sidebar__header">
        <StatusButton state={state} onOpen={onStatus} />
        <button
          type="button"
          className="btn btn--ghost btn--icon"
          onClick={onTokens}
          aria-label="API tokens"
          title="API tokens"
          data-testid="open-tokens"
        >
          <KeyIcon />
        </button>
        <button type="button" className="btn btn--ghost" onClick={onLogout}>
          Sign out
        </button>
      </header>
      <nav aria-label="Rooms and direct messages">
        <div className="sidebar__section">
          <h2 className="sidebar__title" id="rooms-heading">
            Rooms
          </h2>
          <button
            type="button"
            className="btn btn--ghost btn--sm"
            onClick={onBrowse}
            data-testid="browse-rooms"
          >
            Browse
          </button>
          <button
            type="button"
            className="btn btn--primary btn--sm btn--icon"
            onClick={onNewRoom}
            aria-label="Create a room"
            title="Create a room"
            data-testid="new-room"
          >
            +
          </button>
        </div>
        <ul className="rooms" aria-labelledby="rooms-heading" data-testid="group-rooms">
          {groups.map((view) => (
            <RoomItem key={view.room.id} state={state} view={view} onOpen={onOpen} />
          ))}
        </ul>
        <div className="sidebar__section">
          <h2 className="sidebar__title" id="dms-heading">
            Direct messages
          </h2>
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
        <ul className="rooms" aria-labelledby="dms-heading" data-testid="dm-rooms">
          {dms.length === 0 && <li className="rooms__empty">No direct messages yet</li>}
          {dms.map((view) => (
            <RoomItem key={view.room.id} state={state} view={view} onOpen={onOpen} />
          ))}
        </ul>
      </nav>
    </aside>
  );
}

function RoomItem({
  state,
  view,
  onOpen,
}: {
  state: ChatState;
  view: RoomView;
  onOpen: (roomId: string) => void;
}) {
  const me = state.me;
  const room = view.room;
  const title = roomTitle(state, room);
  const peer = roomPeer(state, room);
  const last = view.messages[view.messages.length - 1];
  const unread = unreadCount(view);
  const active = room.id === state.activeRoomId;
  const group = room.kind !== 'dm';
  const who = last
    ? last.from === me.id
      ? 'You'
      : group
        ? displayName(state, last.from)
        : null
    : null;
  return (
    <li>
      <button
        type="button"
        className={`room${active ? ' room--active' : ''}${unread ? ' room--unread' : ''}`}
        aria-current={active ? 'page' : undefined}
        onClick={() => onOpen(room.id)}
        data-testid="room"
        data-room-id={room.id}
        data-kind={room.kind}
        data-online={peer ? String(peer.online) : undefined}
      >
        <Avatar name={title} group={group} status={peer?.status} />
        <span className="room__main">
          <span className="room__name">
            {room.kind === 'private' && <LockIcon label="Private" />}
            <bdi data-testid="room-name">{title}</bdi>
            {peer && (
              <span className="sr-only">
                {' ('}
                <PresenceWords user={peer} />)
              </span>
            )}
            {peer && <Presence user={peer} textOnly />}
          </span>
          <span className="room__preview">
            {last ? (
              <>
                {who && (
                  <>
                    <bdi>{who}</bdi>:{' '}
                  </>
                )}
                {last.deleted ? <i>Message deleted</i> : <bdi>{last.message.slice(0, 120)}</bdi>}
              </>
            ) : view.loaded ? (
              'No messages yet'
            ) : (
              ''
            )}
          </span>
        </span>
        <span className="room__side">
          {last && <ShortWhen date={last.date} />}
          {unread > 0 && (
            <span className="badge" data-testid="unread" aria-label={`${unread} unread`}>
              {unread > 99 ? '99+' : unread}
            </span>
          )}
        </span>
      </button>
    </li>
  );
}

/** The time of a room's last message: the time today, else a day or date (the clock moves it). */
function ShortWhen({ date }: { date: number }) {
  const now = useNow();
  return <time className="room__time">{shortWhen(date, new Date(now))}</time>;
}
