import { useEffect, useRef, useState } from 'react';
import type { ApiToken, CreatedApiToken } from '../contracts';
import { api, ApiError } from '../lib/api';
import { Modal } from './Modal';
import { NewTokenForm, SCOPES } from './NewTokenForm';

const dateFormat: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric' };
const day = (ms: number) => new Date(ms).toLocaleDateString(undefined, dateFormat);

/**
 * API tokens for bots and scripts (docs/bots.md): create one with scopes and an optional
 * expiry, copy its secret (shown this once, the server keeps only a hash), see the live ones,
 * revoke. A drawer, full screen on a phone.
 */
export function TokensDialog({ onClose }: { onClose: () => void }) {
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api.tokens().then(
      (list) => live && setTokens(list),
      (err: unknown) => live && setError(message(err, 'Could not load your tokens')),
    );
    return () => {
      live = false;
    };
  }, []);

  async function revoke(token: ApiToken): Promise<void> {
    setError(null);
    try {
      await api.revokeToken(token.id);
    } catch (err) {
      // Already gone (revoked in another tab): the list drops it all the same.
      if (!(err instanceof ApiError && err.status === 404))
        return setError(message(err, 'Could not revoke the token'));
    }
    setTokens((list) => list?.filter((t) => t.id !== token.id) ?? null);
    if (created?.id === token.id) setCreated(null);
  }

  return (
    <Modal title="API tokens" onClose={onClose} variant="drawer" testId="tokens">
      <p className="form__hint tokens__intro">
        A token lets a bot or script use Parley as you, limited to the scopes you pick: send it as{' '}
        <code>Authorization: Bearer …</code>.
      </p>
      {created ? (
        <NewTokenSecret token={created} onDone={() => setCreated(null)} />
      ) : (
        <NewTokenForm
          onCreated={(token) => {
            setCreated(token);
            setTokens((list) => [token, ...(list ?? [])]);
          }}
        />
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <h3 className="tokens__heading" id="tokens-heading">
        Your tokens
      </h3>
      {tokens === null && !error && <p className="form__hint">Loading…</p>}
      {tokens?.length === 0 && <p className="form__hint">No tokens yet.</p>}
      <ul className="tokens" aria-labelledby="tokens-heading" data-testid="token-list">
        {tokens?.map((token) => (
          <TokenRow key={token.id} token={token} onRevoke={() => revoke(token)} />
        ))}
      </ul>
    </Modal>
  );
}

/** The secret of a token just created: shown once, with a copy button. */
function NewTokenSecret({ token, onDone }: { token: CreatedApiToken; onDone: () => void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<boolean | null>(null);

  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied(true);
    } catch {
      // No clipboard access (plain http, a denied permission): select it for Ctrl+C instead.
      field.current?.select();
      setCopied(false);
    }
  }

  return (
    <section className="token-secret" aria-label="New token" data-testid="token-secret">
      <p>
        <strong>
          Copy <bdi>{token.name}</bdi> now.
        </strong>{' '}
        It is shown only this once; Parley keeps just a fingerprint of it.
      </p>
      <div className="token-secret__row">
        <input
          ref={field}
          readOnly
          value={token.token}
          aria-label="Token"
          spellCheck={false}
          onFocus={(e) => e.target.select()}
          data-testid="token-value"
        />
        <button
          type="button"
          className="btn btn--primary"
          onClick={() => void copy()}
          data-testid="token-copy"
        >
          Copy
        </button>
      </div>
      <p className="form__status" role="status">
        {copied === true && 'Copied to the clipboard.'}
        {copied === false && 'Selected: press Ctrl+C (⌘C) to copy.'}
      </p>
      <div className="form__buttons">
        <button type="button" className="btn" onClick={onDone} data-testid="token-done">
          Done
        </button>
      </div>
    </section>
  );
}

/** One live token: name, scopes, dates, and Revoke (asks once more first). */
function TokenRow({ token, onRevoke }: { token: ApiToken; onRevoke: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  const revokeButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirm.current?.focus();
  }, [confirming]);

  return (
    <li className="token" data-testid="token" data-token-id={token.id}>
      <div className="token__about">
        <bdi className="token__name">{token.name}</bdi>
        <span className="token__scopes">
          {token.scopes.map((scope) => (
            <span key={scope} className="token__scope" title={SCOPES[scope]}>
              {scope}
            </span>
          ))}
        </span>
        <span className="form__hint">
          Created {day(token.created)} ·{' '}
          {token.expiresAt === null ? 'never expires' : `expires ${day(token.expiresAt)}`}
        </span>
      </div>
      {confirming ? (
        <span className="token__confirm">
          <button
            ref={confirm}
            type="button"
            className="btn btn--danger btn--sm"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              void onRevoke().finally(() => setBusy(false));
            }}
            data-testid="token-revoke-confirm"
          >
            Revoke for good
          </button>
          <button
            type="button"
            className="btn btn--sm"
            onClick={() => {
              setConfirming(false);
              // Back to the button that asked, which comes back in place of these two.
              setTimeout(() => revokeButton.current?.focus());
            }}
          >
            Keep
          </button>
        </span>
      ) : (
        <button
          ref={revokeButton}
          type="button"
          className="btn btn--sm"
          onClick={() => setConfirming(true)}
          aria-label={`Revoke ${token.name}`}
          data-testid="token-revoke"
        >
          Revoke
        </button>
      )}
    </li>
  );
}

function message(err: unknown, fallback: string): string {
  return err instanceof ApiError ? err.message : fallback;
}
