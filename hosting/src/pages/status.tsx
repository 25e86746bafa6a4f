import { publicApi, type components } from '../api';
import { useEffect, useState } from 'preact/hooks';

type Health = components['schemas']['Health'];
type Check = NonNullable<Health['checks'][keyof Health['checks']]>;

type HealthState =
  { kind: 'loading' } | { kind: 'answered'; health: Health } | { kind: 'unreachable'; reason: string };

/** GET /v1/health: 200 when ok or degraded, 503 (same body) when down; anything else is "unreachable". */
async function loadHealth(): Promise<HealthState> {
  try {
    const { data, error, response } = await publicApi.GET('/v1/health', { cache: 'no-store' });
    const health = data ?? (response.status === 503 ? (error as Health | undefined) : undefined);
    return health?.status
      ? { kind: 'answered', health }
      : { kind: 'unreachable', reason: `HTTP ${response.status}` };
  } catch (err) {
    return { kind: 'unreachable', reason: err instanceof Error ? err.message : String(err) };
  }
}

function CheckRow({ name, check }: { name: string; check: Check }) {
  const state = check.ok ? 'ok' : `failing${check.reason ? ` (${check.reason})` : ''}`;
  return (
    <tr data-dependency={name} data-ok={String(check.ok)}>
      <td>{name}</td>
      <td>{state}</td>
      <td>{check.latencyMs} ms</td>
    </tr>
  );
}

function ServiceStatus() {
  const [state, setState] = useState<HealthState>({ kind: 'loading' });
  useEffect(() => {
    void loadHealth().then(setState);
  }, []);
  const status =
    state.kind === 'answered' ? state.health.status : state.kind === 'loading' ? 'loading' : 'error';
  return (
    <section aria-label="Dependencies">
      <p id="status" data-status={status} aria-live="polite">
        {state.kind === 'loading'
          ? 'Checking…'
          : state.kind === 'answered'
            ? `API is ${state.health.status}`
            : `Could not reach the API: ${state.reason}`}
      </p>
      {state.kind === 'answered' && (
        <>
          <table id="checks">
            <thead>
              <tr>
                <th>Dependency</th>
                <th>State</th>
                <th>Latency</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(state.health.checks).map(([name, check]) =>
                check ? <CheckRow key={name} name={name} check={check} /> : null,
              )}
            </tbody>
          </table>
          <p id="version">Version {state.health.version}</p>
        </>
      )}
    </section>
  );
}

export function StatusPage() {
  return (
    <>
      <h1>Service status</h1>
      <ServiceStatus />
    </>
  );
}
