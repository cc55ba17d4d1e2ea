import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { ChatState } from '../lib/store';
import { Avatar } from './Avatar';

interface Props {
  state: ChatState;
  onClose: () => void;
  onPick: (userId: string) => Promise<void>;
}

/** "New chat": everyone but me, online first, filterable; Escape closes. */
export function UserPicker({ state, onClose, onPick }: Props) {
  const [filter, setFilter] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const dialog = useRef<HTMLDivElement>(null);
  const titleId = useId();

  useEffect(() => input.current?.focus(), []);

  const users = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    return Object.values(state.users)
      .filter((u) => u.id !== state.me.id && u.username.toLowerCase().includes(needle))
      .sort(
        (a, b) =>
          Number(b.online) - Number(a.online) ||
          a.username.localeCompare(b.username, undefined, { sensitivity: 'base' }),
      );
  }, [state.users, state.me.id, filter]);

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'Escape') {
      event.stopPropagation();
      onClose();
      return;
    }
    if (event.key !== 'Tab' || !dialog.current) return;
    // Keep focus inside the dialog.
    const focusable = dialog.current.querySelectorAll<HTMLElement>('input, button:not([disabled])');
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  async function pick(userId: string) {
    setBusy(true);
    setError(null);
    try {
      await onPick(userId);
    } catch {
      setError('Could not open that conversation, try again');
      setBusy(false);
    }
  }

  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={dialog}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={onKeyDown}
        data-testid="user-picker"
      >
        <header className="dialog__header">
          <h2 id={titleId}>New chat</h2>
          <button type="button" className="btn btn--ghost" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </header>
        <input
          ref={input}
          className="dialog__search"
          type="search"
          placeholder="Search people"
          aria-label="Search people"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        {error && (
          <p className="auth__error" role="alert">
            {error}
          </p>
        )}
        <ul className="people">
          {users.length === 0 && <li className="people__empty">Nobody found</li>}
          {users.map((user) => (
            <li key={user.id}>
              <button
                type="button"
                className="person"
                disabled={busy}
                onClick={() => void pick(user.id)}
                data-testid="person"
                data-user-id={user.id}
              >
                <Avatar name={user.username} online={user.online} size="sm" />
                <span className="person__name">{user.username}</span>
                <span className={`person__status${user.online ? ' person__status--on' : ''}`}>
                  {user.online ? 'online' : 'offline'}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
