import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Limits } from '../contracts';
import type { ChatStore } from '../lib/store';
import { codePoints } from '../lib/timeline';

/** The message field: Enter sends, Shift+Enter adds a line, the limit counted in code points. */
export interface ComposerProps {
  store: ChatStore;
  roomId: string;
  placeholder: string;
  drafts: Map<string, string>;
}

export function Composer({ store, roomId, placeholder, drafts }: ComposerProps) {
  const [text, setText] = useState(() => drafts.get(roomId) ?? '');
  const area = useRef<HTMLTextAreaElement>(null);
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
    if (value) drafts.set(roomId, value);
    else drafts.delete(roomId);
    store.setTyping(roomId, value.trim().length > 0);
  }

  function submit() {
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
    }
  }

  const counterClass = tooLong ? ' counter--over' : length > max * 0.9 ? ' counter--near' : '';
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="composer__field">
        <textarea
          ref={area}
          rows={1}
          dir="auto"
          value={text}
          placeholder={placeholder}
          aria-label="Message"
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
        aria-label="Send"
        data-testid="send"
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path d="M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z" fill="currentColor" />
        </svg>
      </button>
    </form>
  );
}
