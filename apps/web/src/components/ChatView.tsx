import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { ChatStore, sortedRooms, unreadCount } from '../lib/store';
import { Conversation } from './Conversation';
import { Sidebar } from './Sidebar';
import { UserPicker } from './UserPicker';

const NARROW = '(max-width: 720px)';

export function ChatView({ store }: { store: ChatStore }) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const [pickerOpen, setPickerOpen] = useState(false);
  const drafts = useRef(new Map<string, string>());
  const newChatButton = useRef<HTMLButtonElement>(null);

  // The store is disposed by whoever ends the session (sign-out, revocation), not on unmount:
  // StrictMode unmounts and remounts once in development.
  const totalUnread = sortedRooms(state).reduce((n, r) => n + unreadCount(r, state.me.id), 0);
  useEffect(() => {
    document.title = totalUnread > 0 ? `(${totalUnread}) Parley` : 'Parley';
  }, [totalUnread]);

  const openRoom = useCallback((roomId: string) => store.setActive(roomId), [store]);
  const back = useCallback(() => {
    // On a phone, "back" shows the room list; on a desktop the list is always there.
    if (window.matchMedia(NARROW).matches) store.setActive(null);
  }, [store]);

  const active = state.activeRoomId ? state.rooms[state.activeRoomId] : undefined;
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
          onNewChat={() => setPickerOpen(true)}
          onLogout={() => void store.logout()}
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
          />
        ) : (
          <section className="conversation conversation--empty" aria-label="No conversation">
            <p>Pick a conversation, or start a new one.</p>
          </section>
        )}
      </div>
      {pickerOpen && (
        <UserPicker
          state={state}
          onClose={() => {
            setPickerOpen(false);
            newChatButton.current?.focus();
          }}
          onPick={async (userId) => {
            await store.openDm(userId);
            setPickerOpen(false);
          }}
        />
      )}
    </div>
  );
}
