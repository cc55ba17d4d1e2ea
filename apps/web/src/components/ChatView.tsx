import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { isTeamRoom, sortedRooms, unreadCount } from '../lib/selectors';
import type { ChatStore } from '../lib/store';
import { Conversation } from './Conversation';
import { CreateRoomDialog } from './CreateRoomDialog';
import { RoomDirectory } from './RoomDirectory';
import { RoomSettings } from './RoomSettings';
import { Sidebar } from './Sidebar';
import { StatusPicker } from './StatusPicker';
import { TokensDialog } from './TokensDialog';
import { UserPicker } from './UserPicker';

const NARROW = '(max-width: 720px)';

type Dialog =
  | { name: 'new-chat' }
  | { name: 'new-room' }
  | { name: 'directory' }
  | { name: 'status' }
  | { name: 'tokens' }
  | { name: 'settings'; roomId: string };

export function ChatView({ store }: { store: ChatStore }) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const drafts = useRef(new Map<string, string>());
  const newChatButton = useRef<HTMLButtonElement>(null);

  // The store is disposed by whoever ends the session (sign-out, revocation), not on unmount:
  // StrictMode unmounts and remounts once in development.
  const totalUnread = sortedRooms(state).reduce((n, r) => n + unreadCount(r), 0);
  useEffect(() => {
    document.title = totalUnread > 0 ? `(${totalUnread}) Parley` : 'Parley';
  }, [totalUnread]);

  const openRoom = useCallback((roomId: string) => store.setActive(roomId), [store]);
  const back = useCallback(() => {
    // On a phone, "back" shows the room list; on a desktop the list is always there.
    if (window.matchMedia(NARROW).matches) store.setActive(null);
  }, [store]);
  const close = useCallback(() => setDialog(null), []);

  const active = state.activeRoomId ? state.rooms[state.activeRoomId] : undefined;
  // Settings of a room we are no longer in (left, removed) close with it.
  const settingsView =
    dialog?.name === 'settings' && active?.room.id === dialog.roomId ? active : undefined;
  const settingsGone = dialog?.name === 'settings' && !settingsView;
  useEffect(() => {
    if (settingsGone) setDialog(null); // not to reopen if the room comes back
  }, [settingsGone]);
  return (
    <div className="app" data-view={active ? 'chat' : 'list'}>
      {state.connection === 'disconnected' && (
        <div className="banner" role="status" data-testid="offline-banner">
          <span className="spinner spinner--light" aria-hidden="true" />
          Connection lost. Reconnecting… Messages you send will go out when it is back.
        </div>
      )}
      <div className="layout">
        <Sidebar
          state={state}
          onOpen={openRoom}
          onNewChat={() => setDialog({ name: 'new-chat' })}
          onNewRoom={() => setDialog({ name: 'new-room' })}
          onBrowse={() => setDialog({ name: 'directory' })}
          onLogout={() => void store.logout()}
          onStatus={() => setDialog({ name: 'status' })}
          onTokens={() => setDialog({ name: 'tokens' })}
          newChatRef={newChatButton}
        />
        {active ? (
          <Conversation
            key={active.room.id}
            store={store}
            state={state}
            view={active}
            drafts={drafts.current}
            onBack={back}
            onSettings={() =>
              isTeamRoom(active.room) && setDialog({ name: 'settings', roomId: active.room.id })
            }
          />
        ) : (
          <section className="conversation conversation--empty" aria-label="No conversation">
            <p>Pick a conversation, or start a new one.</p>
          </section>
        )}
      </div>
      {state.notice && (
        <div className="toast" role="status" data-testid="notice" key={state.notice.id}>
          <span>
            {state.notice.text}
            {state.notice.name !== undefined && <bdi>{state.notice.name}</bdi>}
            {state.notice.after}
          </span>
          <button
            type="button"
            className="btn btn--ghost btn--sm"
            onClick={() => store.dismissNotice()}
            aria-label="Dismiss"
          >
            ✕
          </button>
        </div>
      )}
      {dialog?.name === 'new-chat' && (
        <UserPicker
          store={store}
          state={state}
          title="New chat"
          onClose={close}
          onPick={async (user) => {
            await store.openDm(user.id);
            setDialog(null);
          }}
        />
      )}
      {dialog?.name === 'status' && <StatusPicker store={store} state={state} onClose={close} />}
      {dialog?.name === 'tokens' && <TokensDialog onClose={close} />}
      {dialog?.name === 'new-room' && (
        <CreateRoomDialog store={store} onClose={close} onCreated={close} />
      )}
      {dialog?.name === 'directory' && (
        <RoomDirectory store={store} state={state} onClose={close} onOpened={close} />
      )}
      {settingsView && (
        <RoomSettings store={store} state={state} view={settingsView} onClose={close} />
      )}
    </div>
  );
}
