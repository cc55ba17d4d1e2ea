import { useId, useState } from 'react';
import type { RoomMember, RoomRole, User } from '../contracts';
import { errorText } from '../lib/api';
import { canChangeRole, canInvite, canKick, roleLabel } from '../lib/selectors';
import type { ChatState, ChatStore, RoomView } from '../lib/store';
import { Avatar } from './Avatar';
import { BlockButton } from './BlockButton';
import { Presence } from './Presence';

interface Props {
  store: ChatStore;
  state: ChatState;
  view: RoomView;
  onInvite: () => void;
}

type Ask = 'kick' | 'owner';

/**
 * The members section of a room's settings: the list (paged, live), invite, and per member the
 * role changes and removal the caller's role allows; removing and handing ownership over ask once
 * more first.
 */
export function RoomMembers({ store, state, view, onInvite }: Props) {
  const room = view.room;
  const list = state.members[room.id];
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<{ userId: string; action: Ask } | null>(null);
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
  const kick = (m: RoomMember) =>
    run(m.user.id, () => store.kick(room.id, m.user.id), 'Could not remove them');

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
        {list?.members.map((m) => (
          <MemberRow
            key={m.user.id}
            store={store}
            state={state}
            member={m}
            user={state.users[m.user.id] ?? m.user}
            mayChangeRole={canChangeRole(room, m, state.me.id)}
            mayKick={canKick(room, m, state.me.id)}
            asking={confirm?.userId === m.user.id ? confirm.action : null}
            busy={busy !== null}
            onAsk={(action) => setConfirm(action && { userId: m.user.id, action })}
            onRole={(next) => void role(m, next)}
            onConfirm={(action) => void (action === 'kick' ? kick(m) : role(m, 'owner'))}
          />
        ))}
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

interface RowProps {
  store: ChatStore;
  state: ChatState;
  member: RoomMember;
  /** The member as last heard of (presence and status live). */
  user: User;
  mayChangeRole: boolean;
  mayKick: boolean;
  /** The question being asked about this member, if any. */
  asking: Ask | null;
  busy: boolean;
  onAsk: (action: Ask | null) => void;
  onRole: (role: RoomRole) => void;
  onConfirm: (action: Ask) => void;
}

/** One member: name, presence, role, Block, and the actions (or the question before one). */
function MemberRow(props: RowProps) {
  const { store, state, member: m, user, asking, busy, onAsk, onRole, onConfirm } = props;
  const me = m.user.id === state.me.id;
  return (
    <li className="member" data-testid="member" data-user-id={m.user.id} data-role={m.role}>
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
            disabled={busy}
            onClick={() => onConfirm(asking)}
            data-testid="confirm"
          >
            {asking === 'kick' ? 'Remove' : 'Make owner'}
          </button>
          <button type="button" className="btn btn--sm" onClick={() => onAsk(null)}>
            Cancel
          </button>
        </span>
      ) : (
        <span className="member__actions">
          {props.mayChangeRole && m.role === 'member' && (
            <button
              type="button"
              className="btn btn--sm"
              disabled={busy}
              onClick={() => onRole('admin')}
              aria-label={`Make ${user.username} an admin`}
            >
              Make admin
            </button>
          )}
          {props.mayChangeRole && m.role === 'admin' && (
            <button
              type="button"
              className="btn btn--sm"
              disabled={busy}
              onClick={() => onRole('member')}
              aria-label={`Make ${user.username} a member`}
            >
              Make member
            </button>
          )}
          {props.mayChangeRole && (
            <button
              type="button"
              className="btn btn--sm"
              disabled={busy}
              onClick={() => onAsk('owner')}
              aria-label={`Make ${user.username} the owner`}
            >
              Make owner
            </button>
          )}
          {props.mayKick && (
            <button
              type="button"
              className="btn btn--sm btn--danger-ghost"
              disabled={busy}
              onClick={() => onAsk('kick')}
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
}
