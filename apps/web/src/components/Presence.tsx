import type { User } from '../contracts';
import { useNow } from '../lib/clock';
import { presenceLine } from '../lib/presence';

/**
 * A user's presence in words ("away", "last seen 5 minutes ago") and, when they set one, their
 * status text, direction-isolated.
 */
export function Presence({ user, textOnly = false }: { user: User; textOnly?: boolean }) {
  if (textOnly && !user.statusText) return null;
  return (
    <span className="presence-line" data-testid="presence" data-status={user.status}>
      {!textOnly && (
        <span data-testid="presence-state">
          <PresenceWords user={user} />
        </span>
      )}
      {!textOnly && user.statusText && ' · '}
      {user.statusText && (
        <bdi className="presence-line__text" dir="auto" data-testid="status-text">
          {user.statusText}
        </bdi>
      )}
    </span>
  );
}

/** "online", … or "last seen 5 minutes ago", kept current by the shared clock. */
export function PresenceWords({ user }: { user: User }) {
  return <>{presenceLine(user, useNow())}</>;
}
