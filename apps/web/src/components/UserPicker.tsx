import { useEffect, useRef, useState } from 'react';
import { Limits, type User } from '../contracts';
import { ApiError } from '../lib/api';
import type { ChatState, ChatStore } from '../lib/store';
import { statusLabel } from '../lib/presence';
import { Avatar } from './Avatar';
import { Modal } from './Modal';

interface Props {
  store: ChatStore;
  state: ChatState;
  title: string;
  onClose: () => void;
  /** Resolves when done; throws to show an error on the row. */
  onPick: (user: User) => Promise<void>;
  /** Keep the dialog open after a pick and mark the person done (inviting several people). */
  multiple?: boolean;
  /** The label of a done row in `multiple` mode. */
  doneLabel?: string;
  testId?: string;
}

const DEBOUNCE_MS = 200;
/** What the server's username prefix search accepts (anything else cannot match a username). */
const SEARCHABLE = /^[A-Za-z0-9_.-]*$/;

/**
 * Finds people by username prefix (`GET /api/users/search`, paged with "Load more"): the client
 * never holds the whole user table. Presence of the people listed is watched while it is open.
 */
export function UserPicker({
  store,
  state,
  title,
  onClose,
  onPick,
  multiple = false,
  doneLabel = 'Added',
  testId = 'user-picker',
}: Props) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<User[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [searching, setSearching] = useState(true);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState<Set<string>>(() => new Set());
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const generation = useRef(0);

  const q = query.trim().slice(0, Limits.usernameMaxLength);
  const searchable = SEARCHABLE.test(q);

  useEffect(() => {
    const gen = ++generation.current;
    if (!searchable) {
      setResults([]);
      setCursor(null);
      setSearching(false);
      return;
    }
    setSearching(true);
    const timer = setTimeout(() => {
      store.searchUsers(q).then(
        (page) => {
          if (gen !== generation.current) return;
          setResults(page.users);
          setCursor(page.nextCursor);
          setSearching(false);
          setSearchError(null);
        },
        (err: unknown) => {
          if (gen !== generation.current) return;
          setSearching(false);
          setSearchError(err instanceof ApiError ? err.message : 'Search failed, try again');
        },
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [q, searchable, store]);

  async function loadMore() {
    if (!cursor || searching) return;
    const gen = generation.current;
    setSearching(true);
    try {
      const page = await store.searchUsers(q, cursor);
      if (gen !== generation.current) return;
      setResults((prev) => [
        ...prev,
        ...page.users.filter((u) => !prev.some((p) => p.id === u.id)),
      ]);
      setCursor(page.nextCursor);
    } catch (err) {
      setSearchError(err instanceof ApiError ? err.message : 'Search failed, try again');
    } finally {
      if (gen === generation.current) setSearching(false);
    }
  }

  const people = results.filter((u) => u.id !== state.me.id);
  const shownIds = people.map((u) => u.id).join(',');

  // Presence of the people listed (we may share no room with them), for as long as they are.
  useEffect(() => {
    store.watchPresence(shownIds ? shownIds.split(',') : []);
  }, [shownIds, store]);
  useEffect(() => () => store.watchPresence([]), [store]);

  async function pick(user: User) {
    setBusy(user.id);
    setError(null);
    try {
      await onPick(user);
      if (multiple) setDone((prev) => new Set(prev).add(user.id));
    } catch (err) {
      setError(
        err instanceof ApiError && err.status !== 0
          ? err.message
          : `Could not do that for ${user.username}, try again`,
      );
    } finally {
      setBusy(null);
    }
  }

  return (
    <Modal title={title} onClose={onClose} initialFocus={input} testId={testId}>
      <input
        ref={input}
        className="dialog__search"
        type="search"
        placeholder="Search people by name"
        aria-label="Search people"
        value={query}
        maxLength={Limits.usernameMaxLength}
        onChange={(e) => setQuery(e.target.value)}
        data-testid="user-search"
      />
      {(error || searchError) && (
        <p className="form-error" role="alert">
          {error ?? searchError}
        </p>
      )}
      <ul className="people" aria-busy={searching}>
        {!searching && people.length === 0 && <li className="people__empty">Nobody found</li>}
        {people.map((found) => {
          const user = state.users[found.id] ?? found;
          const isDone = done.has(user.id);
          return (
            <li key={user.id}>
              <button
                type="button"
                className="person"
                disabled={busy !== null || isDone}
                onClick={() => void pick(user)}
                data-testid="person"
                data-user-id={user.id}
              >
                <Avatar name={user.username} status={user.status} size="sm" />
                <bdi className="person__name">{user.username}</bdi>
                <span className={`person__status${user.online ? ' person__status--on' : ''}`}>
                  {isDone ? doneLabel : busy === user.id ? '…' : statusLabel[user.status]}
                </span>
              </button>
            </li>
          );
        })}
        {cursor && (
          <li className="people__more">
            <button
              type="button"
              className="btn btn--sm"
              onClick={() => void loadMore()}
              disabled={searching}
            >
              Load more
            </button>
          </li>
        )}
        {searching && (
          <li className="people__empty" role="status">
            <span className="spinner" aria-hidden="true" /> Searching…
          </li>
        )}
      </ul>
    </Modal>
  );
}
