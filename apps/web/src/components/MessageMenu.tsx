import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { QUICK_EMOJI } from './Reactions';

interface Props {
  canEdit: boolean;
  canDelete: boolean;
  onEdit: () => void;
  onDelete: () => void;
  onReact: (emoji: string) => void;
  /** Block or unblock the author (others' messages). */
  block?: { label: string; run: () => void };
}

/**
 * A message's actions behind a "⋯" button (reachable with Tab, shown on hover or focus): react
 * with a common emoji, edit, delete. Arrow keys move through the items, Escape closes the menu
 * and gives the focus back to its button.
 */
export function MessageMenu({ canEdit, canDelete, onEdit, onDelete, onReact, block }: Props) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('button')?.focus();
    const onDown = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && e.target !== button.current) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  function close() {
    setOpen(false);
    button.current?.focus();
  }

  function choose(action: () => void) {
    setOpen(false);
    action();
  }

  function onKeyDown(event: KeyboardEvent) {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('button') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[event.key];
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (step !== undefined && items.length > 0) {
      event.preventDefault();
      items[(at + step + items.length) % items.length].focus();
    } else if (event.key === 'Tab') {
      setOpen(false);
    }
  }

  return (
    <span className={`msg__menu${open ? ' msg__menu--open' : ''}`}>
      <button
        ref={button}
        type="button"
        className="msg__menu-button"
        aria-label="Message actions"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="message-menu"
      >
        ⋯
      </button>
      {open && (
        <div
          ref={menu}
          className="menu"
          role="menu"
          aria-label="Message actions"
          onKeyDown={onKeyDown}
          data-testid="message-actions"
        >
          <div className="menu__emoji" role="group" aria-label="React">
            {QUICK_EMOJI.map((emoji) => (
              <button
                key={emoji}
                type="button"
                role="menuitem"
                aria-label={`React with ${emoji}`}
                onClick={() => choose(() => onReact(emoji))}
                data-testid="react-with"
              >
                {emoji}
              </button>
            ))}
          </div>
          {canEdit && (
            <button type="button" role="menuitem" onClick={() => choose(onEdit)} data-testid="edit">
              Edit
            </button>
          )}
          {block && (
            <button
              type="button"
              role="menuitem"
              onClick={() => choose(block.run)}
              data-testid="block-author"
            >
              <bdi>{block.label}</bdi>
            </button>
          )}
          {canDelete && (
            <button
              type="button"
              role="menuitem"
              className="menu__danger"
              onClick={() => choose(onDelete)}
              data-testid="delete"
            >
              Delete
            </button>
          )}
        </div>
      )}
    </span>
  );
}
