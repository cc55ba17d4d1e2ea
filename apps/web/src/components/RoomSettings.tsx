import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import type { RoomMember, RoomRole } from '../contracts';
import { ApiError } from '../lib/api';
import {
  canChangeRole,
  canInvite,
  canKick,
  isAdmin,
  isOwner,
  roleLabel,
  roomTitle,
} from '../lib/selectors';
import type { ChatState, ChatStore, RoomView } from '../lib/store';
import { Avatar } from './Avatar';
import { BlockButton } from './BlockButton';
import { Presence } from './Presence';
import { roomNameProblem, topicProblem } from './CreateRoomDialog';
import { Modal } from './Modal';
import { UserPicker } from './UserPicker';

interface Props {
  store: ChatStore;
  state: ChatState;
  view: RoomView;
  onClose: () => void;
}

const errorText = (err: unknown, fallback: string) =>
  err instanceof ApiError && err.status !== 0 ? err.message : fallback;

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
        <MemberSection store={store} state={state} view={view} onInvite={() => setInviting(true)} />
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

// ---- members ----------------------------------------------------------------------------------

interface MemberSectionProps {
  store: ChatStore;
  state: ChatState;
  view: RoomView;
  onInvite: () => void;
}

function MemberSection({ store, state, view, onInvite }: MemberSectionProps) {
  const room = view.room;
  const list = state.members[room.id];
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<{ userId: string; action: 'kick' | 'owner' } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const headingId = useId();

  async function run(userId: string, action: () => Promise<void>, fallback: string) {
    setBusy(userId);
    setError(null);
    try {
      await action();
      setConfirm(null);
    } catch (err) {
      setError(errorText(err, fallback));
    } finally {
      setBusy(null);
    }
  }

  const role = (m: RoomMember, next: RoomRole) =>
    run(m.user.id, () => store.setRole(room.id, m.user.id, next), 'Could not change the role');

  return (
    <section className="settings__section" aria-labelledby={headingId}>
      <div className="settings__heading">
        <h3 id={headingId}>
          Members{' '}
          <span className="settings__count" data-testid="member-count">
            {room.memberCount}
          </span>
        </h3>
        {canInvite(room) && (
          <button
            type="button"
            className="btn btn--sm btn--primary"
            onClick={onInvite}
            data-testid="invite"
          >
            + Invite people
          </button>
        )}
      </div>
      {(error || list?.error) && (
        <p className="form-error" role="alert">
          {error ?? list?.error}
        </p>
      )}
      <ul className="members" aria-busy={list?.loading ?? true} data-testid="members">
        {list?.members.map((m) => {
          const user = state.users[m.user.id] ?? m.user;
          const me = m.user.id === state.me.id;
          const asking = confirm?.userId === m.user.id ? confirm.action : null;
          return (
            <li
              key={m.user.id}
              className="member"
              data-testid="member"
              data-user-id={m.user.id}
              data-role={m.role}
            >
              <Avatar name={user.username} status={user.status} size="sm" />
              <span className="member__main">
                <span className="member__name">
                  <bdi>{user.username}</bdi>
                  {me && <span className="member__you"> (you)</span>}
                </span>
                <Presence user={user} />
                <span className={`member__role member__role--${m.role}`}>{roleLabel[m.role]}</span>
              </span>
              <BlockButton store={store} state={state} user={user} />
              {asking ? (
                <span className="member__actions member__confirm" role="group" aria-label="Confirm">
                  <span>
                    {asking === 'kick'
                      ? 'Remove from the room?'
                      : 'Make them the owner? You become an admin.'}
                  </span>
                  <button
                    type="button"
                    className="btn btn--sm btn--danger"
                    disabled={busy !== null}
                    onClick={() =>
                      void (asking === 'kick'
                        ? run(
                            m.user.id,
                            () => store.kick(room.id, m.user.id),
                            'Could not remove them',
                          )
                        : role(m, 'owner'))
                    }
                    data-testid="confirm"
                  >
                    {asking === 'kick' ? 'Remove' : 'Make owner'}
                  </button>
                  <button type="button" className="btn btn--sm" onClick={() => setConfirm(null)}>
                    Cancel
                  </button>
                </span>
              ) : (
                <span className="member__actions">
                  {canChangeRole(room, m, state.me.id) && m.role === 'member' && (
                    <button
                      type="button"
                      className="btn btn--sm"
                      disabled={busy !== null}
                      onClick={() => void role(m, 'admin')}
                      aria-label={`Make ${user.username} an admin`}
                    >
                      Make admin
                    </button>
                  )}
                  {canChangeRole(room, m, state.me.id) && m.role === 'admin' && (
                    <button
                      type="button"
                      className="btn btn--sm"
                      disabled={busy !== null}
                      onClick={() => void role(m, 'member')}
                      aria-label={`Make ${user.username} a member`}
                    >
                      Make member
                    </button>
                  )}
                  {canChangeRole(room, m, state.me.id) && (
                    <button
                      type="button"
                      className="btn btn--sm"
                      disabled={busy !== null}
                      onClick={() => setConfirm({ userId: m.user.id, action: 'owner' })}
                      aria-label={`Make ${user.username} the owner`}
                    >
                      Make owner
                    </button>
                  )}
                  {canKick(room, m, state.me.id) && (
                    <button
                      type="button"
                      className="btn btn--sm btn--danger-ghost"
                      disabled={busy !== null}
                      onClick={() => setConfirm({ userId: m.user.id, action: 'kick' })}
                      aria-label={`Remove ${user.username}`}
                      data-testid="kick"
                    >
                      Remove
                    </button>
                  )}
                </span>
              )}
            </li>
          );
        })}
        {list?.loading && (
          <li className="people__empty" role="status">
            <span className="spinner" aria-hidden="true" /> Loading members…
          </li>
        )}
        {list && !list.loading && list.nextCursor && (
          <li className="people__more">
            <button
              type="button"
              className="btn btn--sm"
              onClick={() => void store.moreMembers(room.id)}
              data-testid="members-more"
            >
              Load more
            </button>
          </li>
        )}
      </ul>
    </section>
  );
}
