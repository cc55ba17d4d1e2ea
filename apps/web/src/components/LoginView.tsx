import { useId, useState, type FormEvent } from 'react';
import { Limits, type User } from '../contracts';
import { api, ApiError } from '../lib/api';
import type { WebConfig } from '../lib/config';

interface Props {
  config: WebConfig;
  notice: string | null;
  onSignedIn: (user: User, token: string) => Promise<void>;
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Client-side checks mirroring the server's rules, so most mistakes show before a request. */
function validate(mode: 'login' | 'register', username: string, password: string): string | null {
  if (!username) return 'Enter a username';
  if (!password) return 'Enter a password';
  if (mode === 'login') return null;
  if (!Limits.usernamePattern.test(username))
    return `Usernames are 1–${Limits.usernameMaxLength} letters, digits, "_", "." or "-"`;
  const bytes = utf8Length(password);
  if (bytes < Limits.passwordMinBytes)
    return `Passwords need at least ${Limits.passwordMinBytes} characters`;
  if (bytes > Limits.passwordMaxBytes)
    return `Passwords are at most ${Limits.passwordMaxBytes} bytes`;
  return null;
}

export function LoginView({ config, notice, onSignedIn }: Props) {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = validate(mode, username, password);
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      const result =
        mode === 'login'
          ? await api.login(username, password)
          : await api.register(username, password);
      await onSignedIn(result.user, result.token);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Something went wrong, try again');
      setBusy(false);
    }
  }

  /** A demo account's name; its password is never published by the server, so it is typed. */
  function fillDemo(name: string) {
    setMode('login');
    setUsername(name);
    setError(null);
    document.getElementById(`${ids}-pass`)?.focus();
  }

  const registering = mode === 'register';
  return (
    <main className="auth">
      <form
        className="auth__card"
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-labelledby={`${ids}-title`}
      >
        <div className="auth__brand">
          <img src="/favicon.svg" alt="" width="40" height="40" />
          <h1 id={`${ids}-title`}>Parley</h1>
        </div>
        <p className="auth__lead">{registering ? 'Create your account' : 'Sign in to chat'}</p>
        {notice && (
          <p className="auth__notice" role="status">
            {notice}
          </p>
        )}
        <label htmlFor={`${ids}-user`}>Username</label>
        <input
          id={`${ids}-user`}
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          maxLength={Limits.usernameMaxLength}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          autoFocus
          required
        />
        <label htmlFor={`${ids}-pass`}>Password</label>
        <input
          id={`${ids}-pass`}
          name="password"
          type="password"
          autoComplete={registering ? 'new-password' : 'current-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
        {registering && (
          <p className="auth__hint">
            Letters, digits, “_ . -” for the name; at least {Limits.passwordMinBytes} characters for
            the password.
          </p>
        )}
        {error && (
          <p className="auth__error" role="alert" data-testid="auth-error">
            {error}
          </p>
        )}
        <button className="btn btn--primary btn--block" type="submit" disabled={busy}>
          {busy ? 'Please wait…' : registering ? 'Create account' : 'Sign in'}
        </button>
        <p className="auth__switch">
          {registering ? 'Already have an account?' : 'New here?'}{' '}
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode(registering ? 'login' : 'register');
              setError(null);
            }}
          >
            {registering ? 'Sign in' : 'Create an account'}
          </button>
        </p>
        {config.demoUsers.length > 0 && !registering && (
          <div className="auth__demo">
            <p>Demo accounts:</p>
            <div className="auth__chips">
              {config.demoUsers.map((name) => (
                <button key={name} type="button" className="chip" onClick={() => fillDemo(name)}>
                  {name}
                </button>
              ))}
            </div>
          </div>
        )}
      </form>
    </main>
  );
}
