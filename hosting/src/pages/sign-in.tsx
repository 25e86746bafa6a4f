/** Sign in, or create an account, with email and password (Firebase Auth). */
import { useState } from 'preact/hooks';
import { navigate } from '../router';
import { signIn } from '../session';

const MESSAGES: Record<string, string> = {
  'auth/invalid-credential': 'That email and password do not match an account.',
  'auth/wrong-password': 'That email and password do not match an account.',
  'auth/user-not-found': 'That email and password do not match an account.',
  'auth/email-already-in-use': 'There is already an account with that email: sign in instead.',
  'auth/weak-password': 'Choose a password of at least 6 characters.',
  'auth/invalid-email': 'That does not look like an email address.',
  'auth/network-request-failed': 'You seem to be offline: try again in a moment.',
};

export function SignInPage({ next }: { next: string }) {
  const [mode, setMode] = useState<'sign-in' | 'sign-up'>('sign-in');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      const field = (name: string) => (form.get(name) as string | null) ?? '';
      await signIn(field('email'), field('password'), mode === 'sign-up');
      navigate(next.startsWith('/') ? next : '/', { replace: true });
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      setError(MESSAGES[code] ?? 'Could not sign in. Try again.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="sign-in-title" class="narrow">
      <h1 id="sign-in-title">{mode === 'sign-in' ? 'Sign in' : 'Create your account'}</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
            minLength={6}
            required
          />
        </label>
        {error && (
          <p class="notice" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {mode === 'sign-in' ? 'Sign in' : 'Create account'}
        </button>
      </form>
      <p>
        {mode === 'sign-in' ? 'New here? ' : 'Have an account? '}
        <button
          type="button"
          class="link"
          onClick={() => setMode(mode === 'sign-in' ? 'sign-up' : 'sign-in')}
        >
          {mode === 'sign-in' ? 'Create an account' : 'Sign in'}
        </button>
      </p>
    </section>
  );
}
