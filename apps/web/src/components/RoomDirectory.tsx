import { useEffect, useRef, useState } from 'react';
import type { Room } from '../contracts';
import { ApiError } from '../lib/api';
import type { ChatState, ChatStore } from '../lib/store';
import { Avatar } from './Avatar';
import { Modal } from './Modal';

interface Props {
  store: ChatStore;
  state: ChatState;
  onClose: () => void;
  /** A room was joined or opened. */
  onOpened: () => void;
}

const DEBOUNCE_MS = 200;

/** "Browse rooms": the public rooms by name, prefix search, "Load more", Join / Open. */
export function RoomDirectory({ store, state, onClose, onOpened }: Props) {
  const [query, setQuery] = useState('');
  const [rooms, setRooms] = useState<Room[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [joining, setJoining] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const generation = useRef(0);
  const q = query.trim();

  useEffect(() => {
    const gen = ++generation.current;
    setLoading(true);
    const timer = setTimeout(() => {
      store.directory(q).then(
        (page) => {
          if (gen !== generation.current) return;
          setRooms(page.rooms);
          setCursor(page.nextCursor);
          setLoading(false);
          setError(null);
        },
        (err: unknown) => {
          if (gen !== generation.current) return;
          setLoading(false);
          setError(err instanceof ApiError ? err.message : 'Could not load rooms, try again');
        },
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [q, store]);

  async function loadMore() {
    if (!cursor || loading) return;
    const gen = generation.current;
    setLoading(true);
    try {
      const page = await store.directory(q, cursor);
      if (gen !== generation.current) return;
      setRooms((prev) => [...prev, ...page.rooms.filter((r) => !prev.some((p) => p.id === r.id))]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load rooms, try again');
    } finally {
      if (gen === generation.current) setLoading(false);
    }
  }

  async function join(room: Room) {
    setJoining(room.id);
    setError(null);
    try {
      await store.joinRoom(room.id);
      onOpened();
    } catch (err) {
      setJoining(null);
      setError(err instanceof ApiError ? err.message : 'Could not join, try again');
    }
  }

  return (
    <Modal title="Browse rooms" onClose={onClose} initialFocus={input} testId="room-directory">
      <input
        ref={input}
        className="dialog__search"
        type="search"
        placeholder="Find a room by name"
        aria-label="Find a room by name"
        value={query}
        maxLength={80}
        onChange={(e) => setQuery(e.target.value)}
        data-testid="directory-search"
      />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <ul className="people directory" aria-busy={loading}>
        {!loading && rooms.length === 0 && (
          <li className="people__empty">
            {q ? 'No public room starts with that' : 'No public rooms yet. Create one!'}
          </li>
        )}
        {rooms.map((room) => {
          const member = Boolean(state.rooms[room.id]);
          const count = state.rooms[room.id]?.room.memberCount ?? room.memberCount;
          return (
            <li
              key={room.id}
              className="directory__room"
              data-testid="directory-room"
              data-room-id={room.id}
            >
              <Avatar name={room.name} group />
              <span className="directory__main">
                <bdi className="directory__name">{room.name}</bdi>
                {room.topic && <bdi className="directory__topic">{room.topic}</bdi>}
                <span className="directory__count">
                  {count} {count === 1 ? 'member' : 'members'}
                </span>
              </span>
              <button
                type="button"
                className={`btn btn--sm${member ? '' : ' btn--primary'}`}
                disabled={joining !== null}
                onClick={() => void join(room)}
                aria-label={`${member ? 'Open' : 'Join'} ${room.name}`}
                data-testid="directory-join"
              >
                {joining === room.id ? 'Joining…' : member ? 'Open' : 'Join'}
              </button>
            </li>
          );
        })}
        {cursor && !loading && (
          <li className="people__more">
            <button
              type="button"
              className="btn btn--sm"
              onClick={() => void loadMore()}
              data-testid="directory-more"
            >
              Load more
            </button>
          </li>
        )}
        {loading && (
          <li className="people__empty" role="status">
            <span className="spinner" aria-hidden="true" /> Loading…
          </li>
        )}
      </ul>
    </Modal>
  );
}
