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

/** The first field or button of the body (each alternative of FOCUSABLE scoped to it). */
const IN_BODY = FOCUSABLE.split(', ')
  .map((selector) => `.dialog__body ${selector}`)
  .join(', ');

/** Open modals, innermost last: Escape and the focus trap belong to the innermost one. */
const stack: HTMLElement[] = [];

function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => el.getClientRects().length > 0,
  );
}

/**
 * A modal dialog: labelled by its title, focus moves in when it opens and is kept inside (Tab
 * wraps, and comes back in if it fell out, e.g. when a pressed button turned disabled), Escape
 * or a click on the backdrop closes it, and focus returns to whatever had it before (the button
 * that opened it), unless something else took it meanwhile.
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
    const node = dialog.current;
    if (!node) return;
    const opener = document.activeElement as HTMLElement | null;
    stack.push(node);
    const target = initialFocus?.current ?? node.querySelector<HTMLElement>(IN_BODY) ?? node;
    target.focus();

    const innermost = () => stack[stack.length - 1] === node;
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (!innermost()) return;
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopImmediatePropagation();
        close.current();
      } else if (event.key === 'Tab' && !node.contains(document.activeElement)) {
        // Focus fell out (a pressed button turned disabled): Tab brings it back in, not onwards.
        event.preventDefault();
        (focusables(node)[0] ?? node).focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      stack.splice(stack.indexOf(node), 1);
      // Back to the opener, if it is still on the page (it may have gone with a left room) and
      // nothing else took the focus meanwhile (the composer of a room this dialog opened).
      const now = document.activeElement;
      const unclaimed = !now || now === document.body || !now.isConnected || node.contains(now);
      if (unclaimed && opener?.isConnected) opener.focus();
    };
    // Only on open and close: the first render's initialFocus is the one that counts.
  }, []);

  function onKeyDown(event: KeyboardEvent) {
    if (event.key !== 'Tab' || !dialog.current) return;
    const all = focusables(dialog.current);
    if (all.length === 0) return;
    const first = all[0];
    const last = all[all.length - 1];
    const at = document.activeElement;
    if (event.shiftKey && (at === first || at === dialog.current)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && at === last) {
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
