/** The signed-in user's account: who they are, their tier and its status, sign out. */
import { api, attempt } from '../api';
import { ProblemNotice, useLoad } from '../load';
import { navigate } from '../router';
import { signOut, type SessionUser } from '../session';

export function AccountPage({ user }: { user: SessionUser }) {
  const [sub, retry] = useLoad(() => attempt(() => api.GET('/v1/billing/subscription')), [user.uid]);
  return (
    <section aria-labelledby="account-title" class="narrow">
      <h1 id="account-title">Your account</h1>
      <p>
        Signed in as <strong>{user.email}</strong>
        {user.admin ? ' (admin)' : ''}
      </p>
      {sub.state === 'loading' && <p aria-busy="true">Loading your plan…</p>}
      {sub.state === 'problem' && <ProblemNotice {...sub} onRetry={retry} />}
      {sub.state === 'ok' && (
        <p id="tier" data-tier={sub.data.tier}>
          Plan: <strong>{sub.data.tier}</strong>
          {sub.data.status ? ` (${sub.data.status})` : ''}
        </p>
      )}
      <button
        type="button"
        onClick={() =>
          void signOut().then(() => {
            navigate('/');
          })
        }
      >
        Sign out
      </button>
    </section>
  );
}
