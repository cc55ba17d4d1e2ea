import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, errorText } from '../lib/api';
import { isAdmin, isOwner, roomTitle } from '../lib/selectors';
import type { ChatState, ChatStore, RoomView } from '../lib/store';
import { roomNameProblem, topicProblem } from './CreateRoomDialog';
import { Modal } from './Modal';
import { RoomMembers } from './RoomMembers';
import { UserPicker } from './UserPicker';

interface Props {
  store: ChatStore;
  state: ChatState;
  view: RoomView;
  onClose: () => void;
}

/**
 * A group room's settings, as a drawer: name and topic (admins edit them), the members (paged,
 * live) with invite, remove and role changes as the caller's role allows, and leaving the room.
 */
export function RoomSettings({ store, state, view, onClose }: Props) {
  const room = view.room;
  const title = roomTitle(state, room);
  const [inviting, setInviting] = useState(false);
  const [leaveError, setLeaveError] = useState<string | null>(null);
  const [leaving, setLeaving] = useState(false);

  useEffect(() => {
    void store.openMembers(room.id);
    return () => store.closeMembers(room.id);
  }, [store, room.id]);

  async function leave() {
    setLeaving(true);
    setLeaveError(null);
    try {
      await store.leaveRoom(room.id);
      // The room is gone from the list; this drawer closes with it.
    } catch (err) {
      setLeaving(false);
      setLeaveError(
        err instanceof ApiError && err.status === 409 && isOwner(room)
          ? 'You are the owner of this room. Make another member the owner before you leave.'
          : errorText(err, 'Could not leave the room, try again'),
      );
    }
  }

  return (
    <>
      <Modal
        title={
          <>
            <bdi>{title}</bdi>
            <span className="sr-only"> settings</span>
          </>
        }
        onClose={onClose}
        variant="drawer"
        testId="room-settings"
      >
        <p className="settings__kind">
          {room.kind === 'private'
            ? 'Private room: people join when invited'
            : 'Public room: anyone can find and join it'}
        </p>
        {isAdmin(room) ? (
          <DetailsForm key={room.id} store={store} view={view} />
        ) : (
          room.topic && (
            <p className="settings__topic" data-testid="settings-topic">
              <bdi>{room.topic}</bdi>
            </p>
          )
        )}
        <RoomMembers store={store} state={state} view={view} onInvite={() => setInviting(true)} />
        <section className="settings__section" aria-label="Leave">
          {leaveError && (
            <p className="form-error" role="alert" data-testid="leave-error">
              {leaveError}
            </p>
          )}
          <button
            type="button"
            className="btn btn--danger btn--block"
            disabled={leaving}
            onClick={() => void leave()}
            data-testid="leave-room"
          >
            {leaving ? 'Leaving…' : 'Leave room'}
          </button>
        </section>
      </Modal>
      {inviting && (
        <UserPicker
          store={store}
          state={state}
          title="Invite people"
          multiple
          doneLabel="Added"
          testId="invite-picker"
          onClose={() => setInviting(false)}
          onPick={(user) => store.invite(room.id, user)}
        />
      )}
    </>
  );
}

// ---- name and topic ---------------------------------------------------------------------------

function DetailsForm({ store, view }: { store: ChatStore; view: RoomView }) {
  const room = view.room;
  const [name, setName] = useState(room.name);
  const [topic, setTopic] = useState(room.topic ?? '');
  const [status, setStatus] = useState<ReactNode>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = useId();
  const changed = name.trim() !== room.name || topic.trim() !== (room.topic ?? '');

  async function save(event: FormEvent) {
    event.preventDefault();
    const problem = roomNameProblem(name) ?? topicProblem(topic);
    if (problem) return setError(problem);
    const patch: { name?: string; topic?: string } = {};
    if (name.trim() !== room.name) patch.name = name.trim();
    if (topic.trim() !== (room.topic ?? '')) patch.topic = topic.trim();
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      await store.updateRoom(room.id, patch);
      setStatus('Saved');
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 409
          ? 'A public room already has that name'
          : errorText(err, 'Could not save, try again'),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form settings__section" onSubmit={(e) => void save(e)} noValidate>
      <label htmlFor={`${ids}-name`}>Name</label>
      <input
        id={`${ids}-name`}
        value={name}
        dir="auto"
        onChange={(e) => setName(e.target.value)}
        autoComplete="off"
        data-testid="settings-name"
      />
      <label htmlFor={`${ids}-topic`}>Topic</label>
      <textarea
        id={`${ids}-topic`}
        value={topic}
        dir="auto"
        rows={2}
        onChange={(e) => setTopic(e.target.value)}
        data-testid="settings-topic-input"
      />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form__buttons">
        <span className="form__status" role="status">
          {!changed && status}
        </span>
        <button
          type="submit"
          className="btn btn--primary btn--sm"
          disabled={busy || !changed}
          data-testid="settings-save"
        >
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
