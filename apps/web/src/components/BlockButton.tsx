import { useState } from 'react';
import type { User } from '../contracts';
import type { ChatState, ChatStore } from '../lib/store';

/** Block or unblock a user (a DM header, a member row). */
export function BlockButton({
  store,
  state,
  user,
}: {
  store: ChatStore;
  state: ChatState;
  user: User;
}) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  if (user.id === state.me.id) return null;
  const blocked = Boolean(state.blocked[user.id]);
  const toggle = () => {
    setBusy(true);
    setFailed(false);
    store.setBlocked(user.id, !blocked).then(
      () => setBusy(false),
      () => {
        setBusy(false);
        setFailed(true);
      },
    );
  };
  return (
    <button
      type="button"
      className="btn btn--ghost btn--sm"
      disabled={busy}
      onClick={toggle}
      aria-label={`${blocked ? 'Unblock' : 'Block'} ${user.username}`}
      title={failed ? 'That did not work, try again' : undefined}
      data-testid={blocked ? 'unblock' : 'block'}
    >
      {blocked ? 'Unblock' : 'Block'}
    </button>
  );
}
