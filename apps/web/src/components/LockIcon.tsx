/** A small padlock for private rooms (an SVG: emoji fonts are not everywhere). */
export function LockIcon({ label = 'Private' }: { label?: string }) {
  return (
    <svg className="lock" viewBox="0 0 16 16" width="12" height="12" role="img" aria-label={label}>
      <path
        fill="currentColor"
        d="M8 1a3.5 3.5 0 0 0-3.5 3.5V7H4a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1h-.5V4.5A3.5 3.5 0 0 0 8 1Zm-2 6V4.5a2 2 0 1 1 4 0V7H6Z"
      />
    </svg>
  );
}

/** A key, for API tokens (decorative: the button around it carries the name). */
export function KeyIcon() {
  return (
    <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
      <path
        fill="currentColor"
        d="M10.5 1a4.5 4.5 0 0 0-4.3 5.8L1.3 11.7a1 1 0 0 0-.3.7V14a1 1 0 0 0 1 1h2a.5.5 0 0 0 .5-.5V13H6a.5.5 0 0 0 .5-.5V11H8l1.2-1.2A4.5 4.5 0 1 0 10.5 1Zm1 2.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Z"
      />
    </svg>
  );
}
