/** The app shell: the header with navigation, the page for the current path, the footer. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from './router';
import { useSession } from './session';
import { WeekPage } from './pages/week';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each page takes its own props
type PageComponent = (props: any) => ComponentChildren;
type PageModule = { default: PageComponent };

/**
 * A page loaded on first visit (its own chunk), so the home page carries only what it shows. Give
 * each page its own `key`: otherwise Preact reuses one Lazy (and the page it loaded) across routes.
 */
type Loader = () => Promise<PageModule>;
/** Pages already loaded (or prefetched): they render in the same frame as the navigation. */
const loadedPages = new Map<Loader, PageModule>();
const loadPage = (load: Loader) =>
  load().then((m) => {
    loadedPages.set(load, m);
    return m;
  });

function Lazy({ load, props }: { load: Loader; props: Record<string, unknown> }) {
  const [mod, setMod] = useState<PageModule | null>(() => loadedPages.get(load) ?? null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (mod) return;
    let live = true;
    loadPage(load).then(
      (m) => live && setMod(() => m),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [load]);
  if (failed)
    return (
      <p class="notice" role="alert">
        This page could not load. Check your connection and reload.
      </p>
    );
  if (!mod) return <p aria-busy="true">Loading…</p>;
  const Component = mod.default;
  return <Component {...props} />;
}

const loadGame = () => import('./pages/game').then((m) => ({ default: m.GamePage as PageComponent }));
const prefetchGame = () => void loadPage(loadGame).catch(() => undefined);
const loadStatus = () => import('./pages/status').then((m) => ({ default: m.StatusPage as PageComponent }));
const loadSignIn = () => import('./pages/sign-in').then((m) => ({ default: m.SignInPage as PageComponent }));
const loadAccount = () =>
  import('./pages/account').then((m) => ({ default: m.AccountPage as PageComponent }));
const loadSuccess = () =>
  import('./pages/account').then((m) => ({ default: m.BillingSuccessPage as PageComponent }));
const loadInsights = () =>
  import('./pages/insights').then((m) => ({ default: m.InsightsPage as PageComponent }));
const loadScorecard = () =>
  import('./pages/scorecard').then((m) => ({ default: m.ScorecardPage as PageComponent }));
const loadTeams = () => import('./pages/teams').then((m) => ({ default: m.TeamsPage as PageComponent }));
const loadTeam = () => import('./pages/teams').then((m) => ({ default: m.TeamPage as PageComponent }));
const loadAdmin = () => import('./pages/admin').then((m) => ({ default: m.AdminPage as PageComponent }));

/** A page for signed-in users: the sign-in form first when signed out. */
function SignedIn({
  id,
  load,
  props = {},
  admin = false,
}: {
  id: string;
  load: () => Promise<PageModule>;
  props?: Record<string, unknown>;
  admin?: boolean;
}) {
  const session = useSession();
  const { path } = useLocation();
  if (!session.ready) return <p aria-busy="true">Loading…</p>;
  if (!session.user) return <Lazy key="sign-in" load={loadSignIn} props={{ next: path + location.search }} />;
  if (admin && !session.user.admin)
    return (
      <section>
        <h1>Admins only</h1>
        <p>
          This page is for the team that runs the service. <a href="/">See this week’s games</a>.
        </p>
      </section>
    );
  return <Lazy key={id} load={load} props={{ ...props, user: session.user }} />;
}

function Page() {
  const { path, query } = useLocation();
  const game = /^\/games\/([A-Za-z0-9_-]{1,128})$/.exec(path);
  const team = /^\/teams\/([A-Za-z0-9]{1,8})$/.exec(path);
  // The week page fetches the likeliest next page (a game) while the reader looks at the cards.
  if (path === '/') return <WeekPage date={query.get('week')} prefetch={prefetchGame} />;
  if (game) return <Lazy key="game" load={loadGame} props={{ gameId: game[1] }} />;
  if (path === '/status') return <Lazy key="status" load={loadStatus} props={{}} />;
  if (path === '/sign-in')
    return <Lazy key="sign-in" load={loadSignIn} props={{ next: query.get('next') ?? '/' }} />;
  if (path === '/account') return <SignedIn id="account" load={loadAccount} />;
  if (path === '/account/billing/success') return <SignedIn id="success" load={loadSuccess} />;
  if (path === '/insights')
    return (
      <SignedIn
        id="insights"
        load={loadInsights}
        props={{ status: query.get('status'), severity: query.get('severity') }}
      />
    );
  if (path === '/admin') return <SignedIn id="admin" load={loadAdmin} admin />;
  if (path === '/scorecard')
    return <Lazy key="scorecard" load={loadScorecard} props={{ season: query.get('season') }} />;
  if (path === '/teams') return <Lazy key="teams" load={loadTeams} props={{}} />;
  if (team) return <Lazy key="team" load={loadTeam} props={{ team: team[1], season: query.get('season') }} />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is nothing at {path}. <a href="/">See this week’s games</a>.
      </p>
    </section>
  );
}

function Header() {
  const session = useSession();
  const { path } = useLocation();
  const current = (href: string) => (path === href ? { 'aria-current': 'page' as const } : {});
  return (
    <header class="site-header">
      <a class="brand" href="/">
        AI Sports Edge
      </a>
      <nav aria-label="Main">
        <a href="/" {...current('/')}>
          This week
        </a>
        <a href="/teams" {...current('/teams')}>
          Teams
        </a>
        <a href="/scorecard" {...current('/scorecard')}>
          Scorecard
        </a>
        <a href="/insights" {...current('/insights')}>
          Insights
        </a>
        {session.ready && session.user?.admin && (
          <a href="/admin" {...current('/admin')}>
            Admin
          </a>
        )}
        {session.ready && session.user ? (
          <a href="/account" {...current('/account')}>
            Account
          </a>
        ) : (
          <a href="/sign-in" {...current('/sign-in')}>
            Sign in
          </a>
        )}
      </nav>
    </header>
  );
}

export function App() {
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        <Page />
      </main>
      <footer class="site-footer">
        <a href="/status">Service status</a> · <a href="/docs/">API reference</a> · Data: FiveThirtyEight NFL
        Elo (MIT)
      </footer>
    </>
  );
}
