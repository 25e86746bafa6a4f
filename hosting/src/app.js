// Shows the API's health: GET /api/v1/health (Hosting rewrites /api/** to the api function).
const statusEl = document.getElementById('status');
const table = document.getElementById('checks');
const versionEl = document.getElementById('version');

function row(name, check) {
  const tr = document.createElement('tr');
  const state = check.ok ? 'ok' : `failing${check.reason ? ` (${check.reason})` : ''}`;
  for (const text of [name, state, `${check.latencyMs} ms`]) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  tr.dataset.dependency = name;
  tr.dataset.ok = String(check.ok);
  return tr;
}

async function showHealth() {
  try {
    const res = await fetch('/api/v1/health', { cache: 'no-store' });
    const body = await res.json();
    statusEl.dataset.status = body.status;
    statusEl.textContent = `API is ${body.status}`;
    const tbody = table.querySelector('tbody');
    tbody.replaceChildren(...Object.entries(body.checks).map(([name, check]) => row(name, check)));
    table.hidden = false;
    versionEl.textContent = `Version ${body.version}`;
  } catch (err) {
    statusEl.dataset.status = 'error';
    statusEl.textContent = `Could not reach the API: ${err instanceof Error ? err.message : String(err)}`;
  }
}

void showHealth();
