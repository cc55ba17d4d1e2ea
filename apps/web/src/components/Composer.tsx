import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Limits, type Message } from '../contracts';
import type { ChatStore } from '../lib/store';
import { codePoints } from '../lib/timeline';

/** The message field: Enter sends, Shift+Enter adds a line, the limit counted in code points. */
export interface ComposerProps {
  store: ChatStore;
  roomId: string;
  placeholder: string;
  drafts: Map<string, string>;
  /** A message being edited here instead of a new one. */
  editing: Message | null;
  /** ↑ in the empty field: edit one's last message (false when there is none). */
  onEditLast: () => boolean;
  /** Enter saves the edit (with the text), Escape cancels it (no text). */
  onEndEdit: (text?: string) => void;
}

export function Composer({
  store,
  roomId,
  placeholder,
  drafts,
  editing,
  onEditLast,
  onEndEdit,
}: ComposerProps) {
  const [text, setText] = useState(() => drafts.get(roomId) ?? '');
  const area = useRef<HTMLTextAreaElement>(null);
  const editingId = editing?.id;

  // Editing starts: the field takes the message's text (the draft waits in `drafts`), caret at
  // the end; it ends: the draft comes back. Before paint, so "Editing" never shows over an
  // empty field.
  useLayoutEffect(() => {
    const el = area.current;
    if (editingId === undefined) {
      setText(drafts.get(roomId) ?? '');
      return;
    }
    setText(editing?.message ?? '');
    el?.focus();
    requestAnimationFrame(() => el?.setSelectionRange(el.value.length, el.value.length));
    // Only when a different message starts or stops being edited.
  }, [editingId]);
  const max = Limits.messageMaxCodePoints;
  const length = codePoints(text);
  const tooLong = length > max;
  const canSend = text.trim().length > 0 && !tooLong;

  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 160)}px`;
  }, [text]);

  useEffect(() => {
    if (!window.matchMedia('(max-width: 720px)').matches) area.current?.focus();
  }, []);

  function update(value: string) {
    setText(value);
    if (editing) return;
    if (value) drafts.set(roomId, value);
    else drafts.delete(roomId);
    store.setTyping(roomId, value.trim().length > 0);
  }

  function submit() {
    if (editing) {
      // Emptied: nothing to save (deleting is in the message's menu).
      if (text.trim().length > 0 && !tooLong) onEndEdit(text);
      return;
    }
    if (!canSend) return;
    if (store.send(roomId, text)) {
      setText('');
      drafts.delete(roomId);
    }
    area.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape' && editing) {
      event.preventDefault();
      onEndEdit();
    } else if (event.key === 'ArrowUp' && !editing && text === '' && onEditLast()) {
      event.preventDefault();
    }
  }

  const counterClass = tooLong ? ' counter--over' : length > max * 0.9 ? ' counter--near' : '';
  return (
    <form
      className={`composer${editing ? ' composer--editing' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {editing && (
        <p className="composer__editing" data-testid="editing">
          Editing message · Enter to save · Esc to cancel
        </p>
      )}
      <div className="composer__field">
        <textarea
          ref={area}
          rows={1}
          dir="auto"
          value={text}
          placeholder={placeholder}
          aria-label={editing ? 'Edit message' : 'Message'}
          aria-describedby={`counter-${roomId}`}
          aria-invalid={tooLong || undefined}
          onChange={(e) => update(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={() => store.setTyping(roomId, false)}
          data-testid="composer"
        />
        <span id={`counter-${roomId}`} className={`counter${counterClass}`} data-testid="counter">
          {tooLong
            ? `${length - max} over the ${max} character limit`
            : length > 0
              ? `${length}/${max}`
              : `Enter to send · Shift+Enter for a new line`}
        </span>
      </div>
      <button
        className="btn btn--primary send"
        type="submit"
        disabled={!canSend}
        aria-label={editing ? 'Save' : 'Send'}
        data-testid="send"
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path d="M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z" fill="currentColor" />
        </svg>
      </button>
    </form>
  );
}
