import {
  useEffect,
  useId,
  useRef,
  type KeyboardEvent,
  type ReactNode,
  type RefObject,
} from 'react';

interface Props {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  /** `drawer`: a panel at the right edge (full screen on a phone) instead of a centred dialog. */
  variant?: 'dialog' | 'drawer';
  /** Gets the focus when the dialog opens (default: the first field or button inside). */
  initialFocus?: RefObject<HTMLElement | null>;
  testId?: string;
  /** Extra controls in the header, before the close button. */
  actions?: ReactNode;
}

const FOCUSABLE =
  'input:not([disabled]), textarea:not([disabled]), select:not([disabled]), button:not([disabled]), a[href], [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog: labelled by its title, focus moves in when it opens and is kept inside (Tab
 * wraps), Escape or a click on the backdrop closes it, and focus returns to whatever had it before
 * (the button that opened it).
 */
export function Modal({
  title,
  onClose,
  children,
  variant = 'dialog',
  initialFocus,
  testId,
  actions,
}: Props) {
  const dialog = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const target =
      initialFocus?.current ??
      dialog.current?.querySelector<HTMLElement>(`.dialog__body ${FOCUSABLE}`) ??
      dialog.current;
    target?.focus();
    const node = dialog.current;
    return () => {
      // Back to the opener, if it is still on the page (it may have gone with a left room) and
      // nothing else took the focus meanwhile (the composer of a room this dialog opened).
      const now = document.activeElement;
      const unclaimed = !now || now === document.body || !now.isConnected || node?.contains(now);
      if (unclaimed && opener?.isConnected) opener.focus();
    };
    // Only on open and close: the first render's initialFocus is the one that counts.
  }, []);

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'Escape') {
      event.stopPropagation();
      close.current();
      return;
    }
    if (event.key !== 'Tab' || !dialog.current) return;
    const focusable = [...dialog.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
      (el) => el.getClientRects().length > 0,
    );
    if (focusable.length === 0) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (
      event.shiftKey &&
      (document.activeElement === first || document.activeElement === dialog.current)
    ) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  return (
    <div
      className={`overlay overlay--${variant}`}
      onMouseDown={(e) => e.target === e.currentTarget && close.current()}
    >
      <div
        ref={dialog}
        className={`dialog dialog--${variant}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        onKeyDown={onKeyDown}
        data-testid={testId}
      >
        <header className="dialog__header">
          <h2 id={titleId}>{title}</h2>
          <span className="dialog__actions">
            {actions}
            <button
              type="button"
              className="btn btn--ghost"
              onClick={() => close.current()}
              aria-label="Close"
            >
              ✕
            </button>
          </span>
        </header>
        <div className="dialog__body">{children}</div>
      </div>
    </div>
  );
}
