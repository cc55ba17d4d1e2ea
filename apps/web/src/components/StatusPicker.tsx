import { useId, useState, type FormEvent } from 'react';
import { Limits, type StatusSetting } from '../contracts';
import { ApiError } from '../lib/api';
import { shownStatus, STATUS_CHOICES } from '../lib/presence';
import type { ChatState, ChatStore } from '../lib/store';
import { codePoints } from '../lib/timeline';
import { Avatar } from './Avatar';
import { Modal } from './Modal';

/** The sidebar's own-status button: a dot and the status text; opens the picker. */
export function StatusButton({ state, onOpen }: { state: ChatState; onOpen: () => void }) {
  const own = state.ownStatus;
  const setting: StatusSetting =
    own?.status ?? (state.me.status === 'offline' ? 'invisible' : state.me.status);
  const label = STATUS_CHOICES.find((c) => c.value === setting)?.label ?? 'Online';
  const text = own?.text ?? state.me.statusText;
  return (
    <button
      type="button"
      className="status-button"
      onClick={onOpen}
      aria-label={`Status: ${label}. Change status`}
      data-testid="status-button"
      data-status={setting}
    >
      <Avatar name={state.me.username} size="sm" status={shownStatus(setting)} />
      <span className="status-button__text">
        <bdi className="sidebar__me" data-testid="me">
          {state.me.username}
        </bdi>
        <bdi className="status-button__sub" data-testid="my-status-text">
          {text || label}
        </bdi>
      </span>
    </button>
  );
}

/** Choosing one's status (online, away, do not disturb, invisible) and a short text. */
export function StatusPicker({
  store,
  state,
  onClose,
}: {
  store: ChatStore;
  state: ChatState;
  onClose: () => void;
}) {
  const ids = useId();
  const [status, setStatus] = useState<StatusSetting>(state.ownStatus?.status ?? 'online');
  const [text, setText] = useState(state.ownStatus?.text ?? state.me.statusText);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const max = Limits.statusTextMaxLength;
  const tooLong = codePoints(text) > max;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (tooLong) return setError(`At most ${max} characters`);
    setBusy(true);
    setError(null);
    try {
      await store.setStatus(status, text.trim());
      onClose();
    } catch (err) {
      setBusy(false);
      setError(err instanceof ApiError ? err.message : 'Could not set the status, try again');
    }
  }

  return (
    <Modal title="Set a status" onClose={onClose} testId="status-picker">
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <fieldset className="form__choice">
          <legend>Show me as</legend>
          {STATUS_CHOICES.map((choice) => (
            <label key={choice.value}>
              <input
                type="radio"
                name={`${ids}-status`}
                value={choice.value}
                checked={status === choice.value}
                onChange={() => setStatus(choice.value)}
                data-testid={`status-${choice.value}`}
              />
              <span>
                <strong>
                  <span
                    className={`presence presence--inline presence--${shownStatus(choice.value)}`}
                    aria-hidden="true"
                  />
                  {choice.label}
                </strong>
                <span className="form__hint">{choice.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <label htmlFor={`${ids}-text`}>
          What are you up to? <span className="form__hint">(optional)</span>
        </label>
        <input
          id={`${ids}-text`}
          value={text}
          dir="auto"
          onChange={(e) => setText(e.target.value)}
          placeholder="e.g. In a meeting until 3"
          autoComplete="off"
          aria-invalid={tooLong || undefined}
          data-testid="status-text"
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="form__buttons">
          <button type="button" className="btn" onClick={() => setText('')}>
            Clear text
          </button>
          <button
            type="submit"
            className="btn btn--primary"
            disabled={busy}
            data-testid="status-save"
          >
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
