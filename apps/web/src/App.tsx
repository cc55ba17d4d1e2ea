import { useCallback, useEffect, useRef, useState } from 'react';
import { ChatView } from './components/ChatView';
import { LoginView } from './components/LoginView';
import type { User } from './contracts';
import { api } from './lib/api';
import { loadConfig, type WebConfig } from './lib/config';
import { ChatStore } from './lib/store';

type Phase =
  | { name: 'boot' }
  | { name: 'unreachable' }
  | { name: 'login'; notice: string | null }
  | { name: 'chat'; store: ChatStore };

const NARROW = '(max-width: 720px)';

export function App() {
  const [phase, setPhase] = useState<Phase>({ name: 'boot' });
  const config = useRef<WebConfig | null>(null);

  const startChat = useCallback(async (user: User, token: string | null) => {
    const cfg = config.current as WebConfig;
    // On a phone the room list comes first; on a desktop, General is open beside it.
    const initialRoom = window.matchMedia(NARROW).matches ? null : '0';
    const store: ChatStore = new ChatStore(
      user,
      cfg,
      token,
      (reason) => setPhase({ name: 'login', notice: reason }),
      initialRoom,
    );
    try {
      await store.start();
      setPhase({ name: 'chat', store });
    } catch {
      store.dispose();
      setPhase({
        name: 'login',
        notice: 'Could not load your conversations. Please sign in again.',
      });
    }
  }, []);

  const boot = useCallback(async () => {
    setPhase({ name: 'boot' });
    try {
      const [cfg, user] = await Promise.all([loadConfig(), api.session()]);
      config.current = cfg;
      if (user) await startChat(user, null);
      else setPhase({ name: 'login', notice: null });
    } catch {
      setPhase({ name: 'unreachable' });
    }
  }, [startChat]);

  const booted = useRef(false);
  useEffect(() => {
    if (booted.current) return; // StrictMode runs effects twice in development
    booted.current = true;
    void boot();
  }, [boot]);

  useEffect(() => {
    if (phase.name !== 'chat') document.title = 'Parley';
  }, [phase]);

  switch (phase.name) {
    case 'boot':
      return (
        <div className="splash" role="status">
          <span className="spinner" aria-hidden="true" /> Loading Parley…
        </div>
      );
    case 'unreachable':
      return (
        <div className="splash" role="alert">
          <p>Parley cannot be reached right now.</p>
          <button className="btn btn--primary" type="button" onClick={() => void boot()}>
            Try again
          </button>
        </div>
      );
    case 'login':
      return (
        <LoginView
          config={config.current as WebConfig}
          notice={phase.notice}
          onSignedIn={(user, token) => startChat(user, token)}
        />
      );
    case 'chat':
      return <ChatView store={phase.store} />;
  }
}
