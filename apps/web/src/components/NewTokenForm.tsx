import { useId, useState, type FormEvent } from 'react';
import { Limits, type ApiTokenScope, type CreatedApiToken } from '../contracts';
import { api, ApiError } from '../lib/api';

/** Every scope a token can hold (typed against the contract, so none is missing), in words. */
export const SCOPES: Record<ApiTokenScope, string> = {
  'messages:read': 'Read the history of your rooms',
  'messages:write': 'Post messages as you',
  'rooms:read': 'See your rooms, their members and users',
  'rooms:write': 'Create, change, join and leave rooms',
  queues: 'Use your queues under /mq',
};

const EXPIRY: { days: number | null; label: string }[] = [
  { days: 7, label: '7 days' },
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: null, label: 'Never' },
];

/** Name, scopes (at least one) and expiry of a new API token. */
export function NewTokenForm({ onCreated }: { onCreated: (token: CreatedApiToken) => void }) {
  const ids = useId();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiTokenScope[]>([]);
  const [days, setDays] = useState<number | null>(30);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  function toggle(scope: ApiTokenScope, on: boolean): void {
    setScopes((now) => (on ? [...now, scope] : now.filter((s) => s !== scope)));
  }

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return setError('Give the token a name, e.g. the bot that will use it');
    if (scopes.length === 0) return setError('Pick at least one scope');
    setBusy(true);
    setError(null);
    try {
      const ordered = (Object.keys(SCOPES) as ApiTokenScope[]).filter((s) => scopes.includes(s));
      const body = { name: trimmed, scopes: ordered, ...(days ? { expiresInDays: days } : {}) };
      onCreated(await api.createToken(body));
      setName('');
      setScopes([]);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not create the token, try again');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate data-testid="token-form">
      <label htmlFor={`${ids}-name`}>Name</label>
      <input
        id={`${ids}-name`}
        value={name}
        dir="auto"
        maxLength={Limits.apiTokenNameMaxLength}
        onChange={(e) => setName(e.target.value)}
        placeholder="e.g. deploy-bot"
        autoComplete="off"
        data-testid="token-name"
      />
      <fieldset className="form__choice">
        <legend>What it may do</legend>
        {(Object.entries(SCOPES) as [ApiTokenScope, string][]).map(([scope, hint]) => (
          <label key={scope}>
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(e) => toggle(scope, e.target.checked)}
              data-testid={`token-scope-${scope}`}
            />
            <span>
              <strong>{scope}</strong>
              <span className="form__hint">{hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${ids}-expiry`}>Expires after</label>
      <select
        id={`${ids}-expiry`}
        value={days ?? 'never'}
        onChange={(e) => setDays(e.target.value === 'never' ? null : Number(e.target.value))}
        data-testid="token-expiry"
      >
        {EXPIRY.map((choice) => (
          <option key={choice.label} value={choice.days ?? 'never'}>
            {choice.label}
          </option>
        ))}
      </select>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form__buttons">
        <button
          type="submit"
          className="btn btn--primary"
          disabled={busy}
          data-testid="token-create"
        >
          {busy ? 'Creating…' : 'Create token'}
        </button>
      </div>
    </form>
  );
}
