import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Limits } from '../contracts';
import { ApiError } from '../lib/api';
import type { ChatStore } from '../lib/store';
import { codePoints } from '../lib/timeline';
import { Modal } from './Modal';

interface Props {
  store: ChatStore;
  onClose: () => void;
  onCreated: () => void;
}

/** Room names: 1–80 characters, not only white space, no control characters (as the server). */
export function roomNameProblem(name: string): string | null {
  if (name.trim().length === 0) return 'Give the room a name';
  if (codePoints(name) > Limits.roomNameMaxLength)
    return `Names are at most ${Limits.roomNameMaxLength} characters`;
  if (/[\p{Cc}]/u.test(name)) return 'Names cannot contain control characters';
  return null;
}

export function topicProblem(topic: string): string | null {
  if (codePoints(topic) > Limits.roomTopicMaxLength)
    return `Topics are at most ${Limits.roomTopicMaxLength} characters`;
  if (/[\p{Cc}]/u.test(topic.replace(/\n/g, ''))) return 'Topics cannot contain control characters';
  return null;
}

/** "New room": name, public (in the directory) or private (invite only), optional topic. */
export function CreateRoomDialog({ store, onClose, onCreated }: Props) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'public' | 'private'>('public');
  const [topic, setTopic] = useState('');
  const [error, setError] = useState<ReactNode>(null);
  const [busy, setBusy] = useState(false);
  const nameField = useRef<HTMLInputElement>(null);
  const ids = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = roomNameProblem(name) ?? topicProblem(topic);
    if (problem) {
      setError(problem);
      nameField.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await store.createRoom(name.trim(), kind, topic.trim());
      onCreated();
    } catch (err) {
      setBusy(false);
      nameField.current?.focus();
      setError(
        err instanceof ApiError && err.status === 409 ? (
          <>
            There is already a public room called <bdi>{name.trim()}</bdi>. Pick another name, or
            join it from Browse rooms.
          </>
        ) : err instanceof ApiError ? (
          err.message
        ) : (
          'Could not create the room, try again'
        ),
      );
    }
  }

  return (
    <Modal title="New room" onClose={onClose} initialFocus={nameField} testId="create-room">
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <label htmlFor={`${ids}-name`}>Name</label>
        <input
          ref={nameField}
          id={`${ids}-name`}
          value={name}
          dir="auto"
          maxLength={Limits.roomNameMaxLength * 2}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. design"
          autoComplete="off"
          aria-invalid={Boolean(error) && roomNameProblem(name) !== null}
          data-testid="room-name"
        />
        <fieldset className="form__choice">
          <legend>Who can join</legend>
          <label>
            <input
              type="radio"
              name={`${ids}-kind`}
              value="public"
              checked={kind === 'public'}
              onChange={() => setKind('public')}
            />
            <span>
              <strong>Public</strong>
              <span className="form__hint">Listed in Browse rooms; anyone can join</span>
            </span>
          </label>
          <label>
            <input
              type="radio"
              name={`${ids}-kind`}
              value="private"
              checked={kind === 'private'}
              onChange={() => setKind('private')}
              data-testid="room-private"
            />
            <span>
              <strong>Private</strong>
              <span className="form__hint">Not listed; people join when invited</span>
            </span>
          </label>
        </fieldset>
        <label htmlFor={`${ids}-topic`}>
          Topic <span className="form__hint">(optional)</span>
        </label>
        <textarea
          id={`${ids}-topic`}
          value={topic}
          dir="auto"
          rows={2}
          onChange={(e) => setTopic(e.target.value)}
          placeholder="What is this room about?"
          data-testid="room-topic"
        />
        {Boolean(error) && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="form__buttons">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="btn btn--primary"
            disabled={busy}
            data-testid="create-room-submit"
          >
            {busy ? 'Creating…' : 'Create room'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
