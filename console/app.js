/**
 * The Sluice console: one page over the admin API (/api/v1), with Preact and htm and
 * no build step. The operator's token is kept in this tab's sessionStorage only and
 * sent as a Bearer header; nothing is fetched from anywhere but this listener.
 *
 * Pages (hash routes): #/live (decision feed), #/approvals, #/approvals/ID,
 * #/sessions, #/sessions/ID?tenant=T, #/stops (kill switch, quarantines),
 * #/policy (current, history with diffs, validate, replay), #/audit (search).
 */
import { h, render } from './vendor/preact.mjs';
import { useCallback, useEffect, useRef, useState } from './vendor/hooks.mjs';
import htm from './vendor/htm.mjs';

const html = htm.bind(h);
const TOKEN_KEY = 'sluice.operator.token';

// ---------------------------------------------------------------- API

function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

class ApiError extends Error {
  constructor(status, data) {
    super(data?.reason ?? `HTTP ${status}`);
    this.status = status;
    this.data = data;
  }
}

async function api(method, path, body) {
  const headers = { authorization: `Bearer ${token()}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data;
  try {
    data = text === '' ? {} : JSON.parse(text);
  } catch {
    data = { error: 'bad_answer', reason: text.slice(0, 300) };
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Follow an SSE answer with fetch (EventSource cannot send the Authorization header). */
async function follow(path, onEvent, signal) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token()}`, accept: 'text/event-stream' }, signal });
  if (!res.ok || res.body === null) throw new ApiError(res.status, await res.json().catch(() => null));
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let cut;
    while ((cut = buf.indexOf('\n\n')) !== -1) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (data !== '') onEvent(JSON.parse(data));
    }
  }
}

function useApi(path, deps = []) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const load = useCallback(() => {
    if (path === null) return;
    setState((s) => ({ ...s, loading: true }));
    api('GET', path).then(
      (data) => setState({ loading: false, data, error: null }),
      (error) => setState({ loading: false, data: null, error }),
    );
  }, [path, ...deps]);
  useEffect(load, [load]);
  return { ...state, reload: load };
}

// ---------------------------------------------------------------- routing

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/live');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/live');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const [path, query = ''] = hash.slice(1).split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

const go = (href) => {
  location.hash = href;
};

// ---------------------------------------------------------------- small parts

function Err({ error }) {
  if (!error) return null;
  const code = error.data?.error ? `${error.data.error}: ` : '';
  return html`<div class="error" role="alert" data-testid="error">${code}${error.message}</div>`;
}

function Outcome({ value }) {
  return html`<span class=${`outcome-${value}`}>${value}</span>`;
}

function time(t) {
  if (!t) return '-';
  const d = new Date(t);
  return d.toLocaleString(undefined, { hour12: false });
}

/** Ask for a reason before a consequential action (revoke, kill, quarantine, deny). */
function ReasonDialog({ open, title, confirm, danger, extra, onConfirm, onClose }) {
  const ref = useRef(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setReason('');
      setError(null);
      d.showModal();
    }
    if (!open && d.open) d.close();
  }, [open]);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onConfirm(reason.trim());
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<dialog ref=${ref} onClose=${onClose} data-testid="reason-dialog">
    <form method="dialog" onSubmit=${submit}>
      <h2>${title}</h2>
      ${extra}
      <label
        >Reason (recorded in the audit trail)
        <textarea required minlength="3" maxlength="256" data-testid="reason" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}></textarea>
      </label>
      <${Err} error=${error} />
      <div class="row" style="margin-top:0.8em">
        <button type="submit" class=${danger ? 'danger' : 'primary'} disabled=${busy || reason.trim().length < 3} data-testid="confirm">${confirm}</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  </dialog>`;
}

function DecisionsTable({ rows, testid }) {
  if (rows.length === 0) return html`<p class="muted">No decisions.</p>`;
  return html`<table data-testid=${testid}>
    <thead>
      <tr>
        <th>time</th>
        <th>outcome</th>
        <th>reason</th>
        <th>who</th>
        <th>request</th>
        <th>rule</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr key=${r.decision_id} class="clickable" onClick=${() => go(`#/audit/${encodeURIComponent(r.decision_id)}`)}>
            <td class="mono">${time(r.time)}</td>
            <td><${Outcome} value=${r.outcome} /></td>
            <td class="mono">${r.reason}</td>
            <td>
              ${r.session ? html`<a href=${`#/sessions/${encodeURIComponent(r.session)}?tenant=${encodeURIComponent(r.tenant ?? '')}`} onClick=${(e) => e.stopPropagation()}>${r.tenant ?? '-'}/${r.agent ?? '-'}</a>` : '-'}
            </td>
            <td class="mono">${r.tool ? `tool ${r.server ?? ''}/${r.tool}` : `${r.method} ${r.host}${r.path}`}</td>
            <td class="mono">${r.rule ?? '-'}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

// ---------------------------------------------------------------- pages

function Login({ onToken }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, value.trim());
    try {
      await api('GET', '/api/v1/kill');
      onToken(value.trim());
    } catch (err) {
      sessionStorage.removeItem(TOKEN_KEY);
      setError(err);
    }
  };
  return html`<main>
    <h1>Sluice console</h1>
    <div class="card">
      <p>Paste an operator token (<code>sluice operator token --name NAME --role ROLE</code>). It stays in this tab only.</p>
      <form class="row" onSubmit=${submit}>
        <label style="flex:1"
          >Operator token<input type="password" data-testid="token" value=${value} onInput=${(e) => setValue(e.currentTarget.value)} autocomplete="off"
        /></label>
        <button class="primary" type="submit" data-testid="sign-in">Sign in</button>
      </form>
      <${Err} error=${error} />
    </div>
  </main>`;
}

/** The two SLOs over the last day (GET /api/v1/slo): safe completion rate and containment time. */
function Slo() {
  const slo = useApi('/api/v1/slo');
  const d = slo.data;
  if (slo.error) return html`<${Err} error=${slo.error} />`;
  if (!d) return null;
  const pct = d.safe_completion_rate === null ? 'no session finished yet' : `${(d.safe_completion_rate * 100).toFixed(1)}%`;
  const secs = (v) => (v === null ? '-' : `${(v / 1000).toFixed(1)} s`);
  const c = d.containment;
  return html`<div class="card row" data-testid="slo">
    <span class="chip"><b>safe completion</b>${pct} (${d.safe} of ${d.finished} finished sessions; ${d.in_progress} in progress)</span>
    <span class="chip"><b>containment</b>p50 ${secs(c.p50_ms)}, p95 ${secs(c.p95_ms)}; ${c.contained} contained, ${c.uncontained} not yet</span>
    <span class="muted">last 24 hours</span>
  </div>`;
}

function Live() {
  const [rows, setRows] = useState([]);
  const [error, setError] = useState(null);
  const [paused, setPaused] = useState(false);
  const pausedRef = useRef(false);
  pausedRef.current = paused;
  useEffect(() => {
    const ac = new AbortController();
    follow(
      '/api/v1/decisions/stream?backlog=50',
      (r) => {
        if (!pausedRef.current) setRows((old) => [r, ...old].slice(0, 200));
      },
      ac.signal,
    ).catch((err) => {
      if (!ac.signal.aborted) setError(err);
    });
    return () => ac.abort();
  }, []);
  return html`<main>
    <h1>Live decisions</h1>
    <${Slo} />
    <div class="row" style="margin-bottom:0.6em">
      <button onClick=${() => setPaused(!paused)}>${paused ? 'Resume' : 'Pause'}</button>
      <span class="muted">${rows.length} shown (newest first, at most 200)</span>
    </div>
    <${Err} error=${error} />
    <${DecisionsTable} rows=${rows} testid="live-feed" />
  </main>`;
}

function Approvals() {
  const [status, setStatus] = useState('pending');
  const list = useApi(`/api/v1/approvals${status === 'all' ? '?all=true' : ''}`, [status]);
  useEffect(() => {
    const t = setInterval(list.reload, 2000);
    return () => clearInterval(t);
  }, [list.reload]);
  const items = (list.data?.approvals ?? []).filter((a) => status === 'all' || a.status === status);
  return html`<main>
    <h1>Approvals</h1>
    <div class="row" style="margin-bottom:0.6em">
      <label
        >Show<select value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
          <option value="pending">pending</option>
          <option value="all">all</option>
        </select></label
      >
    </div>
    <${Err} error=${list.error} />
    ${
      items.length === 0
        ? html`<p class="muted" data-testid="approvals-empty">No ${status === 'all' ? '' : 'pending '}approvals.</p>`
        : html`<table data-testid="approvals">
            <thead>
              <tr>
                <th>id</th>
                <th>status</th>
                <th>request</th>
                <th>who</th>
                <th>rule</th>
                <th>expires</th>
              </tr>
            </thead>
            <tbody>
              ${items.map(
                (a) =>
                  html`<tr key=${a.id} class="clickable" data-testid=${`approval-${a.id}`} onClick=${() => go(`#/approvals/${encodeURIComponent(a.id)}`)}>
                    <td class="mono">${a.id}</td>
                    <td>${a.status}</td>
                    <td class="mono">${a.diff.kind === 'mcp' ? `tool ${a.diff.tool}` : `${a.diff.method} ${a.diff.url}`}</td>
                    <td>${a.tenant ?? '-'}/${a.diff.agent ?? '-'}</td>
                    <td class="mono">${a.rule}</td>
                    <td class="mono">${time(a.expires_at)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </main>`;
}

function ApprovalPage({ id }) {
  const one = useApi(`/api/v1/approvals/${encodeURIComponent(id)}`);
  const [dialog, setDialog] = useState(null);
  const [scope, setScope] = useState('request');
  const [minutes, setMinutes] = useState('30');
  const [done, setDone] = useState(null);
  const a = one.data?.approval ?? one.data;
  if (one.error)
    return html`<main>
      <h1>Approval ${id}</h1>
      <${Err} error=${one.error} />
    </main>`;
  if (!a || !a.diff) return html`<main><p class="muted">Loading…</p></main>`;
  const d = a.diff;
  const decide = (verb) => async (reason) => {
    const body = { reason };
    if (verb === 'approve') {
      body.scope = scope;
      if (scope !== 'request') body.for_ms = Math.max(1, Number(minutes)) * 60_000;
    }
    const r = await api('POST', `/api/v1/approvals/${encodeURIComponent(id)}/${verb}`, body);
    setDone(`${verb === 'approve' ? 'Approved' : 'Denied'}${r.approval?.decided_by ? ` by ${r.approval.decided_by}` : ''}.`);
    one.reload();
  };
  return html`<main>
    <h1>Approval <span class="mono">${a.id}</span></h1>
    <div class="card" data-testid="approval-diff">
      <dl class="kv">
        <dt>status</dt>
        <dd data-testid="approval-status">${a.status}</dd>
        <dt>why</dt>
        <dd>${d.why}</dd>
        <dt>rule</dt>
        <dd class="mono">${a.rule}</dd>
        <dt>request</dt>
        <dd class="mono">${d.method} ${d.url}</dd>
        ${
          d.tool
            ? html`<dt>tool</dt>
                <dd class="mono">${d.tool}</dd>`
            : null
        }
        <dt>identity</dt>
        <dd><${Chain} human=${d.human} agent=${d.agent} session=${d.session} tenant=${d.tenant} /></dd>
        <dt>approvers</dt>
        <dd>${a.approvers.length ? a.approvers.join(', ') : 'anyone with the approver role'}</dd>
        <dt>expires</dt>
        <dd class="mono">${time(a.expires_at)}</dd>
        ${
          a.decided_by
            ? html`<dt>decided</dt>
                <dd>${a.status} by ${a.decided_by} at ${time(a.decided_at)}${a.reason ? ` (${a.reason})` : ''}</dd>`
            : null
        }
      </dl>
      ${
        d.args !== undefined
          ? html`<h2>Arguments (secrets redacted)</h2>
              <pre data-testid="approval-args">${JSON.stringify(d.args, null, 2)}</pre>`
          : null
      }
      ${
        d.body
          ? html`<h2>Body (${d.bodyBytes} bytes; secrets redacted)</h2>
              <pre data-testid="approval-body">${d.body}</pre>`
          : null
      }
    </div>
    ${done ? html`<div class="ok" data-testid="decided">${done}</div>` : null}
    ${
      a.status === 'pending'
        ? html`<div class="row">
            <label
              >Grant<select value=${scope} onChange=${(e) => setScope(e.currentTarget.value)} data-testid="scope">
                <option value="request">this request, once</option>
                <option value="session">this session, under this rule</option>
                <option value="rule">this rule, in the tenant</option>
              </select></label
            >
            ${scope !== 'request' ? html`<label>for minutes<input type="number" min="1" value=${minutes} onInput=${(e) => setMinutes(e.currentTarget.value)} /></label>` : null}
            <button class="primary" data-testid="approve" onClick=${() => setDialog('approve')}>Approve</button>
            <button class="danger" data-testid="deny" onClick=${() => setDialog('deny')}>Deny</button>
          </div>`
        : null
    }
    <${ReasonDialog}
      open=${dialog !== null}
      title=${dialog === 'approve' ? 'Approve this request' : 'Deny this request'}
      confirm=${dialog === 'approve' ? 'Approve' : 'Deny'}
      danger=${dialog === 'deny'}
      onConfirm=${dialog ? decide(dialog) : async () => undefined}
      onClose=${() => setDialog(null)}
    />
  </main>`;
}

function Chain({ human, agent, session, tenant }) {
  return html`<span class="chain" data-testid="delegation-chain">
    <span class="chip"><b>human</b>${human ?? '-'}</span>→ <span class="chip"><b>agent</b>${agent ?? '-'}</span>→
    <span class="chip"><b>workflow</b>${session ?? '-'}</span>
    <span class="muted">in tenant ${tenant ?? '-'}</span>
  </span>`;
}

function Sessions() {
  const list = useApi('/api/v1/sessions?limit=200');
  const rows = list.data?.sessions ?? [];
  return html`<main>
    <h1>Sessions</h1>
    <${Err} error=${list.error} />
    <table data-testid="sessions">
      <thead>
        <tr>
          <th>session</th>
          <th>tenant</th>
          <th>agent</th>
          <th>human</th>
          <th>last seen</th>
          <th>decisions</th>
          <th>denied</th>
          <th>open</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (s) =>
            html`<tr
              key=${`${s.tenant}/${s.session}`}
              class="clickable"
              onClick=${() => go(`#/sessions/${encodeURIComponent(s.session)}?tenant=${encodeURIComponent(s.tenant ?? '')}`)}
            >
              <td class="mono">${s.session}</td>
              <td>${s.tenant ?? '-'}</td>
              <td>${s.agent ?? '-'}</td>
              <td>${s.human ?? '-'}</td>
              <td class="mono">${time(s.last_seen)}</td>
              <td>${s.decisions}</td>
              <td>${s.denied}</td>
              <td>${s.open.exchanges + s.open.tunnels}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </main>`;
}

/** The tool-call graph: agent → server → tool in three columns, edges with their call counts. */
function ToolGraph({ graph }) {
  if (!graph || graph.nodes.length === 0) return html`<p class="muted">No MCP tool calls in this session.</p>`;
  const cols = { agent: 0, server: 1, tool: 2 };
  const byCol = [[], [], []];
  for (const n of graph.nodes) byCol[cols[n.kind]].push(n);
  const W = 720;
  const rowH = 44;
  const H = Math.max(...byCol.map((c) => c.length)) * rowH + 20;
  const pos = new Map();
  byCol.forEach((c, i) => c.forEach((n, j) => pos.set(n.id, { x: 20 + i * ((W - 200) / 2), y: 20 + j * rowH })));
  return html`<svg width=${W} height=${H} data-testid="tool-graph" role="img" aria-label="tool-call graph">
    ${graph.edges.map((e) => {
      const a = pos.get(e.from);
      const b = pos.get(e.to);
      return html`<g key=${`${e.from}>${e.to}`}>
        <line x1=${a.x + 160} y1=${a.y + 14} x2=${b.x} y2=${b.y + 14} stroke=${e.denied ? '#b42318' : '#8aa0b6'} stroke-width="1.5" />
        <text x=${(a.x + 160 + b.x) / 2} y=${(a.y + b.y) / 2 + 10} font-size="11" fill="#5b6570">${e.calls}${e.denied ? ` (${e.denied} denied)` : ''}</text>
      </g>`;
    })}
    ${graph.nodes.map((n) => {
      const p = pos.get(n.id);
      return html`<g key=${n.id} data-testid=${`node-${n.kind}`}>
        <rect x=${p.x} y=${p.y} width="160" height="28" rx="6" fill="#fff" stroke=${n.denied ? '#b42318' : '#0b5cad'} />
        <text x=${p.x + 8} y=${p.y + 18} font-size="12">${n.kind}: ${n.label.length > 18 ? `${n.label.slice(0, 17)}…` : n.label}</text>
      </g>`;
    })}
  </svg>`;
}

/** What a session has open, as one sentence (built here: htm would fold the spaces of a wrapped template). */
function openText(o) {
  const n = (k, one, many) => `${k} ${k === 1 ? one : many}`;
  const where = o.destinations.length ? `: ${o.destinations.join(', ')}` : '';
  return `${n(o.exchanges, 'exchange', 'exchanges')}, ${n(o.tunnels, 'tunnel', 'tunnels')}${where}`;
}

function SessionPage({ id, tenant }) {
  const q = tenant ? `?tenant=${encodeURIComponent(tenant)}` : '';
  const one = useApi(`/api/v1/sessions/${encodeURIComponent(id)}${q}`);
  const [dialog, setDialog] = useState(null);
  const [qTarget, setQTarget] = useState('');
  const [msg, setMsg] = useState(null);
  const s = one.data;
  // After a revocation the session may leave the open list before its records reach the
  // trail: the page then says what was done and why the session is not shown.
  if (one.error)
    return html`<main>
      <h1>Session ${id}</h1>
      ${msg ? html`<div class="ok" data-testid="action-done">${msg}</div>` : null}
      <${Err} error=${one.error} />
    </main>`;
  if (!s) return html`<main><p class="muted">Loading…</p></main>`;
  const who = s.identity;
  const actions = {
    revoke: {
      title: `Revoke session ${who.session}`,
      confirm: 'Revoke',
      run: async (reason) => {
        const r = await api('POST', '/api/v1/revocations', { kind: 'session', value: who.session, ...(who.tenant ? { tenant: who.tenant } : {}), reason });
        setMsg(`Session revoked${r.applied ? ' and applied by every gate' : ''}.`);
      },
    },
    kill: {
      title: `Kill switch for tenant ${who.tenant ?? '-'}`,
      confirm: 'Kill the tenant',
      run: async (reason) => {
        await api('POST', '/api/v1/kill', { on: true, ...(who.tenant ? { tenant: who.tenant } : {}), reason });
        setMsg(`Kill switch on for ${who.tenant ?? 'every tenant'}.`);
      },
    },
    quarantine: {
      title: 'Quarantine a destination for everyone',
      confirm: 'Quarantine',
      extra: html`<label
        >Host, *.suffix or CIDR
        <select data-testid="quarantine-target" value=${qTarget} onChange=${(e) => setQTarget(e.currentTarget.value)}>
          <option value="">choose…</option>
          ${s.summary.open.destinations.map((d) => html`<option value=${d}>${d}</option>`)}
        </select>
        <input placeholder="or type one" value=${qTarget} onInput=${(e) => setQTarget(e.currentTarget.value)} />
      </label>`,
      run: async (reason) => {
        if (qTarget.trim() === '') throw new Error('name a host, *.suffix or CIDR to quarantine');
        const r = await api('POST', '/api/v1/quarantines', { target: qTarget.trim(), reason });
        setMsg(`Quarantined ${r.quarantine.target} (${r.quarantine.id}).`);
      },
    },
  };
  const act = dialog ? actions[dialog] : null;
  return html`<main>
    <h1>Session <span class="mono">${who.session}</span></h1>
    <div class="card">
      <h2 style="margin-top:0">Delegation chain</h2>
      <${Chain} ...${who} />
      ${s.revoked ? html`<p class="error" data-testid="revoked">Revoked ${time(s.revoked.revoked_at)}${s.revoked.reason ? `: ${s.revoked.reason}` : ''}</p>` : null}
      <div class="row" style="margin-top:0.8em">
        <button class="danger" data-testid="revoke" onClick=${() => setDialog('revoke')}>Revoke session</button>
        <button class="danger" data-testid="kill" onClick=${() => setDialog('kill')}>Kill tenant</button>
        <button data-testid="quarantine" onClick=${() => setDialog('quarantine')}>Quarantine a destination</button>
      </div>
      ${msg ? html`<div class="ok" data-testid="action-done">${msg}</div>` : null}
    </div>
    <div class="card">
      <h2 style="margin-top:0">Open now</h2>
      <p data-testid="open-count">${openText(s.summary.open)}</p>
      <h2>Budgets</h2>
      ${
        s.budgets.length === 0
          ? html`<p class="muted">No budget counts this session.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th>budget</th>
                  <th>per</th>
                  <th>used</th>
                </tr>
              </thead>
              <tbody>
                ${s.budgets.map(
                  (b) =>
                    html`<tr>
                      <td class="mono">${b.name ?? b.budget ?? '-'}</td>
                      <td>${b.per ?? '-'}</td>
                      <td class="mono">${JSON.stringify(b.used ?? b)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </div>
    <div class="card">
      <h2 style="margin-top:0">Tool calls</h2>
      <${ToolGraph} graph=${s.tool_calls} />
    </div>
    <${ReasonDialog}
      open=${act !== null}
      title=${act?.title}
      confirm=${act?.confirm}
      danger=${dialog !== 'quarantine'}
      extra=${act?.extra}
      onConfirm=${async (reason) => {
        await act.run(reason);
        one.reload();
      }}
      onClose=${() => setDialog(null)}
    />
  </main>`;
}

function Stops() {
  const kill = useApi('/api/v1/kill');
  const qs = useApi('/api/v1/quarantines');
  const [dialog, setDialog] = useState(null);
  const [tenant, setTenant] = useState('');
  const [target, setTarget] = useState('');
  const [minutes, setMinutes] = useState('');
  const kills = kill.data?.kills ?? [];
  const run = {
    on: async (reason) => api('POST', '/api/v1/kill', { on: true, ...(tenant ? { tenant } : {}), reason }),
    off: async (reason) => api('POST', '/api/v1/kill', { on: false, ...(tenant ? { tenant } : {}), reason }),
    quarantine: async (reason) => api('POST', '/api/v1/quarantines', { target, reason, ...(minutes ? { for_ms: Number(minutes) * 60_000 } : {}) }),
  };
  return html`<main>
    <h1>Kill switch and quarantine</h1>
    <div class="card">
      <h2 style="margin-top:0">Kill switch</h2>
      <${Err} error=${kill.error} />
      ${kills.length === 0 ? html`<p data-testid="kill-state">Off: traffic flows under the policy.</p>` : html`<p class="error" data-testid="kill-state">On: ${kills.map((k) => `${k.tenant ?? 'every tenant'} (${k.reason ?? 'no reason'})`).join('; ')}</p>`}
      <div class="row">
        <label>Tenant (empty: every tenant)<input value=${tenant} onInput=${(e) => setTenant(e.currentTarget.value)} /></label>
        <button class="danger" onClick=${() => setDialog('on')} data-testid="kill-on">Kill</button>
        <button onClick=${() => setDialog('off')} data-testid="kill-off">Lift</button>
      </div>
    </div>
    <div class="card">
      <h2 style="margin-top:0">Quarantines</h2>
      <${Err} error=${qs.error} />
      <table>
        <thead>
          <tr>
            <th>id</th>
            <th>target</th>
            <th>reason</th>
            <th>since</th>
            <th>until</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${(qs.data?.quarantines ?? []).map(
            (q) =>
              html`<tr key=${q.id}>
                <td class="mono">${q.id}</td>
                <td class="mono">${q.target}</td>
                <td>${q.reason ?? '-'}</td>
                <td class="mono">${time(q.at)}</td>
                <td class="mono">${time(q.expires_at)}</td>
                <td>
                  <button
                    onClick=${async () => {
                      await api('DELETE', `/api/v1/quarantines/${encodeURIComponent(q.id)}`);
                      qs.reload();
                    }}
                  >
                    Lift
                  </button>
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      <div class="row" style="margin-top:0.6em">
        <label>Host, *.suffix or CIDR<input value=${target} onInput=${(e) => setTarget(e.currentTarget.value)} data-testid="q-target" /></label>
        <label>for minutes (empty: until lifted)<input type="number" min="1" value=${minutes} onInput=${(e) => setMinutes(e.currentTarget.value)} /></label>
        <button class="danger" disabled=${target.trim() === ''} onClick=${() => setDialog('quarantine')}>Quarantine</button>
      </div>
    </div>
    <${ReasonDialog}
      open=${dialog !== null}
      title=${dialog === 'on' ? 'Switch the kill switch on' : dialog === 'off' ? 'Lift the kill switch' : `Quarantine ${target}`}
      confirm=${dialog === 'off' ? 'Lift' : 'Confirm'}
      danger=${dialog !== 'off'}
      onConfirm=${async (reason) => {
        await run[dialog](reason);
        kill.reload();
        qs.reload();
      }}
      onClose=${() => setDialog(null)}
    />
  </main>`;
}

function Diff({ text }) {
  if (!text) return html`<p class="muted">No changes from the version before.</p>`;
  return html`<pre class="diff">
${text.split('\n').map((l) => html`<div class=${l.startsWith('@@') ? 'hunk' : l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : ''}>${l}</div>`)}</pre>`;
}

/** What `sluice replay` reports (audit/replay-policy.ts): counts by class, and each record that changed. */
function ReplayResult({ result }) {
  if (!result) return null;
  const quiet = new Set(['unchanged', 'not_replayed', 'rule_changed']);
  const changes = (result.entries ?? []).filter((e) => !quiet.has(e.class));
  return html`<div data-testid="replay-result">
    <p>
      ${Object.entries(result.counts ?? {})
        .filter(([, n]) => n > 0)
        .map(([k, n]) => html`<span class="chip"><b>${k}</b>${n}</span> `)}
      ${result.truncated ? html`<span class="error">only the first records of the window were read</span>` : null}
    </p>
    ${
      changes.length === 0
        ? html`<p class="muted">Nothing would change.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>time</th>
                <th>change</th>
                <th>who</th>
                <th>request</th>
                <th>now</th>
                <th>with the candidate</th>
              </tr>
            </thead>
            <tbody>
              ${changes.map(
                (c) =>
                  html`<tr key=${c.decision_id} data-testid="replay-change">
                    <td class="mono">${time(c.time)}</td>
                    <td>${c.class}${c.note ? html`<div class="muted">${c.note}</div>` : null}</td>
                    <td>${c.tenant ?? '-'}/${c.agent ?? '-'}</td>
                    <td class="mono">${c.tool ? `tool ${c.server ?? ''}/${c.tool}` : `${c.method} ${c.host}${c.path}`}</td>
                    <td class="mono">${fmtVerdict(c.old)}</td>
                    <td class="mono">${fmtVerdict(c.new)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </div>`;
}

function fmtVerdict(v) {
  if (v === undefined || v === null) return '-';
  if (typeof v === 'string') return v;
  return [v.outcome ?? v.action, v.rule, v.reason, v.credential, v.route].filter(Boolean).join(' · ');
}

function Policy() {
  const cur = useApi('/api/v1/policy');
  const hist = useApi('/api/v1/policy/history');
  const [candidate, setCandidate] = useState('');
  const [check, setCheck] = useState(null);
  const [replay, setReplay] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  useEffect(() => {
    if (cur.data?.text && candidate === '') setCandidate(cur.data.text);
  }, [cur.data]);
  const run = (what) => async () => {
    setError(null);
    try {
      if (what === 'validate') setCheck(await api('POST', '/api/v1/policy/validate', { config: candidate }));
      else setReplay(await api('POST', '/api/v1/policy/replay', { config: candidate }));
    } catch (err) {
      setError(err);
    }
  };
  return html`<main>
    <h1>Policy</h1>
    <div class="card">
      <${Err} error=${cur.error} />
      ${cur.data ? html`<p>Serving version <span class="mono" data-testid="policy-version">${cur.data.version}</span>, ${cur.data.rules} rules${cur.data.loaded_at ? `, loaded ${time(cur.data.loaded_at)}` : ''}.</p>` : null}
    </div>
    <h2>History</h2>
    <${Err} error=${hist.error} />
    <table data-testid="policy-history">
      <thead>
        <tr>
          <th>version</th>
          <th>loaded</th>
          <th>rules</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${(hist.data?.versions ?? []).map(
          (v) =>
            html`<tr key=${v.version + v.loaded_at}>
                <td class="mono">${v.version}</td>
                <td class="mono">${time(v.loaded_at)}</td>
                <td>${v.rules}</td>
                <td><button onClick=${() => setOpen(open === v.loaded_at ? null : v.loaded_at)}>${open === v.loaded_at ? 'Hide diff' : 'Diff'}</button></td>
              </tr>
              ${
                open === v.loaded_at
                  ? html`<tr>
                      <td colspan="4"><${Diff} text=${v.diff} /></td>
                    </tr>`
                  : null
              }`,
        )}
      </tbody>
    </table>
    <h2>Try a candidate</h2>
    <textarea data-testid="candidate" value=${candidate} onInput=${(e) => setCandidate(e.currentTarget.value)}></textarea>
    <div class="row" style="margin:0.6em 0">
      <button onClick=${run('validate')} data-testid="validate">Validate</button>
      <button class="primary" onClick=${run('replay')} data-testid="replay">Replay the trail against it</button>
    </div>
    <${Err} error=${error} />
    ${check ? (check.valid ? html`<div class="ok">Valid: version ${check.version}, ${check.rules} rules.</div>` : html`<div class="error">${check.problems.map((p) => html`<div>${p.text}</div>`)}</div>`) : null}
    <${ReplayResult} result=${replay} />
  </main>`;
}

function Audit({ id }) {
  const [filters, setFilters] = useState({ outcome: '', tenant: '', agent: '', session: '', host: '', reason: '' });
  const [query, setQuery] = useState('limit=100');
  const list = useApi(id ? null : `/api/v1/decisions?${query}`, [query]);
  const one = useApi(id ? `/api/v1/decisions?decision_id=${encodeURIComponent(id)}&limit=1` : null);
  if (id) {
    const r = one.data?.decisions?.[0];
    return html`<main>
      <h1>Decision <span class="mono">${id}</span></h1>
      <${Err} error=${one.error} />
      ${r ? html`<pre data-testid="decision">${JSON.stringify(r, null, 2)}</pre>` : html`<p class="muted">${one.loading ? 'Loading…' : 'Not found.'}</p>`}
    </main>`;
  }
  const submit = (e) => {
    e.preventDefault();
    const p = new URLSearchParams({ limit: '100' });
    for (const [k, v] of Object.entries(filters)) if (v.trim() !== '') p.set(k, v.trim());
    setQuery(p.toString());
  };
  const field = (k) =>
    html`<label
      >${k}<input value=${filters[k]} data-testid=${`filter-${k}`} onInput=${(e) => setFilters({ ...filters, [k]: e.currentTarget.value })}
    /></label>`;
  return html`<main>
    <h1>Audit search</h1>
    <form class="row card" onSubmit=${submit}>
      <label
        >outcome<select value=${filters.outcome} data-testid="filter-outcome" onChange=${(e) => setFilters({ ...filters, outcome: e.currentTarget.value })}>
          <option value="">any</option>
          <option>allow</option>
          <option>deny</option>
          <option>error</option>
          <option>challenge</option>
        </select></label
      >
      ${['tenant', 'agent', 'session', 'host', 'reason'].map(field)}
      <button class="primary" type="submit" data-testid="search">Search</button>
    </form>
    <${Err} error=${list.error} />
    <${DecisionsTable} rows=${list.data?.decisions ?? []} testid="audit-results" />
  </main>`;
}

// ---------------------------------------------------------------- shell

const NAV = [
  ['live', 'Live'],
  ['approvals', 'Approvals'],
  ['sessions', 'Sessions'],
  ['stops', 'Kill & quarantine'],
  ['policy', 'Policy'],
  ['audit', 'Audit'],
];

function App() {
  const [tok, setTok] = useState(token());
  const { parts, query } = useHash();
  if (tok === '') return html`<${Login} onToken=${setTok} />`;
  const page = parts[0] ?? 'live';
  let body;
  if (page === 'approvals' && parts[1]) body = html`<${ApprovalPage} id=${parts[1]} key=${parts[1]} />`;
  else if (page === 'approvals') body = html`<${Approvals} />`;
  else if (page === 'sessions' && parts[1]) body = html`<${SessionPage} id=${parts[1]} tenant=${query.get('tenant') || ''} key=${parts[1]} />`;
  else if (page === 'sessions') body = html`<${Sessions} />`;
  else if (page === 'stops') body = html`<${Stops} />`;
  else if (page === 'policy') body = html`<${Policy} />`;
  else if (page === 'audit') body = html`<${Audit} id=${parts[1]} key=${parts[1] ?? 'search'} />`;
  else body = html`<${Live} />`;
  return html`<div>
    <header>
      <span class="brand">Sluice</span>
      <nav>${NAV.map(([k, label]) => html`<a href=${`#/${k}`} class=${page === k ? 'on' : ''} data-testid=${`nav-${k}`}>${label}</a>`)}</nav>
      <span class="who"
        ><button
          onClick=${() => {
            sessionStorage.removeItem(TOKEN_KEY);
            setTok('');
          }}
        >
          Sign out
        </button></span
      >
    </header>
    ${body}
  </div>`;
}

const root = document.getElementById('app');
// The "Loading" placeholder goes: Preact renders next to what a container holds.
root.textContent = '';
render(html`<${App} />`, root);
