// The decision explorer page (docs/explorer.md): plain ES module, no build step, no dependency.
//
// Invariant: every value from the server or the form reaches the page through textContent (el()
// and text nodes), never through innerHTML or an attribute that is parsed: a principal id that is
// markup stays text. The page holds no secret: the token of "try a request" is read from its
// field when sent and never written anywhere.

const POLL_MS = 500;
const OVERVIEW_MS = 5000;

/** An element with its text (or children) set safely. */
function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

async function getJson(path) {
  const res = await fetch(path, { cache: 'no-store', headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

/** Replaces the children of `parent` with `children`. */
function fill(parent, children) {
  parent.replaceChildren(...children);
}

/** A description list of [name, value, class] rows, each pair in its own <div> (kept together). */
function pairs(dl, entries) {
  fill(
    dl,
    entries.map(([name, value, className]) => {
      const pair = el('div');
      pair.append(el('dt', name), el('dd', value, className));
      return pair;
    }),
  );
}

// ---- state at a glance ----------------------------------------------------------------------

let orgHeader = null;

async function refreshOverview() {
  const o = await getJson('api/overview');
  orgHeader = o.org_header;
  const t = o.tenancy;
  const p = o.policy;
  const shadow = p?.shadow;
  pairs(document.getElementById('overview'), [
    ['tenancy', t.killed ? `${t.state} (kill switch on)` : t.state, t.killed ? 'bad' : ''],
    ['rollout', rolloutText(t.rollout)],
    ['policy', p ? p.revision : 'none active', p ? '' : 'bad'],
    [
      'last reload',
      p?.last_reload ? `${p.last_reload.ok ? 'ok' : 'failed'} (${p.last_reload.trigger})` : '—',
      p?.last_reload && !p.last_reload.ok ? 'bad' : '',
    ],
    [
      'shadow',
      shadow
        ? `${shadow.revision}: ${shadow.disagreed.allow} allow and ${shadow.disagreed.reason} reason disagreements of ${shadow.evaluated}`
        : 'none',
      shadow && (shadow.disagreed.allow > 0 || shadow.disagreed.reason > 0) ? 'warn' : '',
    ],
    [
      'directory',
      o.directory.ready
        ? 'ready'
        : `not ready${o.directory.reason ? `: ${o.directory.reason}` : ''}`,
      o.directory.ready ? '' : 'bad',
    ],
  ]);
}

function rolloutText(rollout) {
  if (!rollout || typeof rollout !== 'object') return String(rollout ?? '—');
  const parts = [rollout.mode ?? ''];
  if (Array.isArray(rollout.orgs) && rollout.orgs.length > 0)
    parts.push(`orgs: ${rollout.orgs.join(', ')}`);
  if (typeof rollout.percent === 'number') parts.push(`${rollout.percent}%`);
  return parts.filter(Boolean).join(' · ') || JSON.stringify(rollout);
}

// ---- recent decisions -----------------------------------------------------------------------

let decisions = [];
let selected = null;

function filterQuery() {
  const form = document.getElementById('filters');
  const query = new URLSearchParams();
  for (const name of ['principal', 'org', 'action', 'reason', 'spoof']) {
    const value = form.elements.namedItem(name).value;
    if (value !== '') query.set(name, value);
  }
  return query.toString();
}

async function refreshDecisions() {
  const query = filterQuery();
  const page = await getJson(`api/decisions${query ? `?${query}` : ''}`);
  if (query !== filterQuery()) return; // the filters changed meanwhile; the next poll shows them
  decisions = page.decisions;
  document.getElementById('recent-counts').textContent =
    `${page.decisions.length} shown · ${page.held} held of ${page.capacity} · ${page.seen} seen`;
  fill(
    document.querySelector('#decisions tbody'),
    decisions.map((d) => decisionRow(d)),
  );
  document.getElementById('decisions-empty').hidden = decisions.length > 0;
}

function orgText(d) {
  const requested = d.requested_org.id;
  return d.effective_org && d.effective_org !== requested
    ? `${requested} → ${d.effective_org}`
    : requested;
}

function decisionRow(d) {
  const row = el('tr', null, d.allow ? 'allow' : 'deny');
  row.dataset.decisionId = d.decision_id;
  if (selected === d.decision_id) row.classList.add('selected');
  row.tabIndex = 0;
  row.append(
    el('td', d.time.replace('T', ' ').replace('Z', '')),
    el('td', d.principal ? d.principal.id : '(none)', 'principal'),
    el('td', orgText(d), 'org'),
    el('td', d.action, 'action'),
    el('td', d.allow ? 'allow' : 'deny', 'verdict'),
    el('td', d.reason, 'reason'),
    el('td', d.spoof ? `yes (${d.spoof_source ?? '?'})` : 'no', 'spoof'),
  );
  const open = () => showDetail(d);
  row.addEventListener('click', open);
  row.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') open();
  });
  return row;
}

function showDetail(d) {
  selected = d.decision_id;
  for (const row of document.querySelectorAll('#decisions tbody tr'))
    row.classList.toggle('selected', row.dataset.decisionId === selected);
  document.getElementById('detail').hidden = false;
  document.getElementById('detail-id').textContent = d.decision_id;
  const resource = d.resource
    ? [d.resource.type, d.resource.id, d.resource.org && `in ${d.resource.org}`]
        .filter(Boolean)
        .join(' ')
    : '—';
  pairs(document.getElementById('detail-fields'), [
    ['time', d.time],
    ['kind', d.kind],
    ['principal', d.principal ? `${d.principal.id} (${d.principal.kind})` : '(none)'],
    ['requested org', `${d.requested_org.id} (${d.requested_org.source})`],
    ['effective org', d.effective_org ?? '—'],
    ['action', d.action],
    ['resource', resource],
    ['decision', `${d.allow ? 'allow' : 'deny'} · ${d.status}`, d.allow ? 'allow' : 'deny'],
    ['reason', d.reason],
    ['detail', d.detail ?? '—'],
    ['role', d.role ?? '—'],
    ['spoof', d.spoof ? `yes (${d.spoof_source ?? '?'})` : 'no'],
    ['policy', d.policy_revision ?? '—'],
    ['multi-tenant', d.multi_tenant ? 'on' : 'off'],
    ['latency', `${d.latency_ms} ms`],
  ]);
  fill(document.getElementById('detail-explain'), [explanation(d.explain)]);
}

// ---- the explanation ------------------------------------------------------------------------

const MARK = { true: '✓ passed', false: '✗ failed', skipped: '· skipped' };

function factText(value) {
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return value === null ? 'null' : String(value);
}

/** The ordered checks as a table; the deciding (failed) one is marked. */
function explanation(steps) {
  if (!Array.isArray(steps) || steps.length === 0)
    return el('p', 'No explanation was recorded for this decision.', 'hint');
  const table = el('table', null, 'explain');
  const head = el('tr');
  for (const name of ['check', 'result', 'reason', 'detail', 'facts']) head.append(el('th', name));
  table.append(el('thead'));
  table.tHead.append(head);
  const body = el('tbody');
  for (const step of steps) {
    const state = step.passed === true ? 'passed' : step.passed === false ? 'failed' : 'skipped';
    const row = el('tr', null, state);
    row.dataset.check = String(step.check);
    const facts = Object.entries(step.facts ?? {})
      .map(([k, v]) => `${k}=${factText(v)}`)
      .join('  ');
    row.append(
      el('td', step.check, 'check'),
      el('td', MARK[String(step.passed)] ?? String(step.passed), 'result'),
      el('td', step.reason ?? '', 'reason'),
      el('td', step.detail ?? '', 'detail'),
      el('td', facts, 'facts'),
    );
    body.append(row);
  }
  table.append(body);
  return table;
}

// ---- try a request --------------------------------------------------------------------------

function tryDocument(form) {
  const value = (name) => form.elements.namedItem(name).value.trim();
  const doc = { action: value('action') };
  const token = form.elements.namedItem('token').value;
  const header = value('org_header');
  if (header !== '' && orgHeader) {
    // The org as a gateway would pass it: the credential travels in the same headers.
    doc.headers = { [orgHeader]: header };
    if (token !== '') doc.headers.authorization = `Bearer ${token}`;
  } else if (token !== '') doc.token = token;
  if (value('org') !== '') doc.org = value('org');
  const resource = {
    type: value('resource_type'),
    id: value('resource_id'),
    org: value('resource_org'),
  };
  // An empty field is "not given" (null), as the document has it.
  const orNull = (text) => (text === '' ? null : text);
  if (resource.type !== '' || resource.id !== '' || resource.org !== '')
    doc.resource = {
      type: orNull(resource.type),
      id: orNull(resource.id),
      org: orNull(resource.org),
    };
  return doc;
}

async function submitTry(event) {
  event.preventDefault();
  const form = event.target;
  const res = await fetch('/v1/authorize?explain=true', {
    method: 'POST',
    cache: 'no-store',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(tryDocument(form)),
  });
  const answer = await res.json();
  document.getElementById('try-result').hidden = false;
  const verdict = document.getElementById('try-verdict');
  if (!res.ok) {
    verdict.textContent = `refused (${res.status})`;
    verdict.className = 'deny';
    document.getElementById('try-reason').textContent = answer.error?.code ?? '';
    document.getElementById('try-detail').textContent = answer.error?.message ?? '';
    fill(document.getElementById('try-explain'), []);
    return;
  }
  verdict.textContent = answer.allow ? 'allow' : 'deny';
  verdict.className = answer.allow ? 'allow' : 'deny';
  document.getElementById('try-reason').textContent = answer.reason;
  document.getElementById('try-detail').textContent = answer.detail ?? '';
  fill(document.getElementById('try-explain'), [explanation(answer.explain)]);
}

// ---- start ----------------------------------------------------------------------------------

function report(err) {
  document.body.dataset.error = String(err?.message ?? err);
}

document.getElementById('filters').addEventListener('input', () => {
  refreshDecisions().catch(report);
});
document.getElementById('filters').addEventListener('submit', (e) => e.preventDefault());
document.getElementById('try-form').addEventListener('submit', (e) => {
  submitTry(e).catch(report);
});

refreshOverview().catch(report);
refreshDecisions().catch(report);
setInterval(() => {
  refreshOverview().catch(report);
}, OVERVIEW_MS);
setInterval(() => {
  refreshDecisions().catch(report);
}, POLL_MS);
