import { modeName, type EmulatorConfig } from '../config.js';
import { formatCiTime } from '../ids.js';
import { escapeXml } from '../xml-escape.js';
import { isGroupValue, type FieldValue, type GroupValue } from '../kinds/schema.js';
import type { StoredJob } from '../jobs/store.js';
import type { StoredTemplate, TemplateStore } from '../templates/store.js';
import type { Fault } from './faults.js';
import type { JournalEntry } from './journal.js';

export interface DashboardData {
  readonly config: EmulatorConfig;
  readonly version: string;
  readonly store: TemplateStore;
  /** The newest jobs of every bucket, newest first. */
  readonly jobs: readonly StoredJob[];
  /** The newest entries, newest first. */
  readonly journal: readonly JournalEntry[];
  /** How many entries the journal holds in all. */
  readonly journalSize: number;
  readonly faults: readonly Fault[];
  readonly notice: Notice | undefined;
}

export interface Notice {
  readonly text: string;
  readonly failed: boolean;
}

const TEMPLATES_SHOWN_PER_BUCKET = 100;

/** Text for the page, escaped as for XML: HTML5 knows the same five references. */
export const html = (value: string | number): string => escapeXml(String(value));

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/**
 * The emulator's own page: server-rendered, every action a plain form that posts urlencoded and
 * is answered 303 back here, so it works without script. The one script only offers auto-refresh.
 */
export function renderDashboard(data: DashboardData): string {
  const buckets = data.store.buckets();
  const templateCount = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  const refused = data.journal.filter((entry) => entry.auth.verdict !== 'ok' && entry.auth.verdict !== 'not checked').length;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Cloud Infinite emulator</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top">
  <div>
    <h1>Cloud Infinite emulator <span class="version">v${html(data.version)}</span></h1>
    <p class="sub">Media templates at <code>/template</code>, jobs at <code>/jobs</code> · this page at <code>/_emulator/</code></p>
  </div>
  <nav>
    <a class="button ghost" href="/_emulator/">Refresh</a>
    <label class="autorefresh"><input type="checkbox" id="autorefresh"> auto-refresh</label>
  </nav>
</header>
${data.notice === undefined ? '' : `<p class="notice${data.notice.failed ? ' failed' : ''}" role="status">${html(data.notice.text)}</p>`}
<main>
<section class="cards" aria-label="summary">
  ${card('Templates', String(templateCount), plural(buckets.length, 'bucket'))}
  ${card(
    'Faults',
    String(data.faults.length),
    data.faults.length === 0
      ? 'none armed'
      : `${plural(
          data.faults.reduce((sum, fault) => sum + fault.remaining, 0),
          'request',
        )} to hit`,
  )}
  ${card('Requests', String(data.journalSize), `journal keeps ${data.config.journalSize}`)}
  ${card('Refused signatures', String(refused), `of the ${data.journal.length} shown`, refused > 0 ? 'bad' : '')}
</section>
${renderSettings(data.config)}
${renderTemplates(data.store, buckets, data.config.tzOffset)}
${renderJobs(data.jobs, data.config)}
${renderFaults(data.faults)}
${renderJournal(data.journal, data.journalSize)}
</main>
<script>${SCRIPT}</script>
</body>
</html>`;
}

function card(title: string, value: string, detail: string, tone = ''): string {
  return `<div class="card ${tone}"><div class="card-title">${html(title)}</div><div class="card-value">${html(value)}</div><div class="card-detail">${html(detail)}</div></div>`;
}

function renderSettings(config: EmulatorConfig): string {
  const keys = config.keys
    .map(
      (key) =>
        `<li><code>${html(key.secretId)}</code> <span class="muted">APPID ${html(key.appId)}${key.token === undefined ? '' : ' · needs a security token'}</span></li>`,
    )
    .join('');
  const pill = (label: string, value: string, tone = ''): string =>
    `<span class="pill ${tone}"><span class="muted">${html(label)}</span> ${html(value)}</span>`;
  return `<section class="panel settings">
  <div class="pills">
    ${pill('auth', config.auth, config.auth === 'off' ? 'warn' : '')}
    ${pill('mode', modeName(config.strict), config.strict ? 'warn' : '')}
    ${pill('default bucket', config.defaultBucket)}
    ${pill('region', config.region)}
    ${pill('CORS origins', config.corsOrigins.join(', '))}
    ${pill('admin token', config.adminToken === undefined ? 'off' : 'on')}
    ${pill('times', config.tzOffset)}
  </div>
  <div class="keys"><span class="muted">Keys (CIE_KEYS)</span><ul>${keys}</ul></div>
</section>`;
}

function renderTemplates(store: TemplateStore, buckets: ReturnType<TemplateStore['buckets']>, tzOffset: string): string {
  const sections = buckets.map(({ bucket, count }) => {
    const page = store.describe({
      bucket,
      category: 'Custom',
      tag: undefined,
      ids: undefined,
      namePrefix: undefined,
      pageNumber: 1,
      pageSize: TEMPLATES_SHOWN_PER_BUCKET,
    });
    const more =
      count > page.templates.length
        ? `<p class="muted">The newest ${page.templates.length} of ${count}; DescribeMediaTemplates pages through the rest.</p>`
        : '';
    return `<section class="panel bucket" data-bucket="${html(bucket)}">
  <div class="panel-head">
    <h3>${html(bucket)} <span class="muted">${plural(count, 'template')}</span></h3>
    <form method="post" action="/_emulator/reset"><input type="hidden" name="bucket" value="${html(bucket)}"><button class="small">Reset this bucket</button></form>
  </div>
  ${more}
  <table class="templates">
    <thead><tr><th>Name</th><th>Tag</th><th>TemplateId</th><th>Updated</th><th>Fields</th><th></th></tr></thead>
    <tbody>${page.templates.map((template) => renderTemplateRow(template, tzOffset)).join('\n')}</tbody>
  </table>
</section>`;
  });
  return `<section id="templates">
<div class="section-head">
  <h2>Templates</h2>
  <form method="post" action="/_emulator/reset" class="reset-all"><button class="danger">Reset every bucket</button><span class="muted">removes every template and fault, reloads the seeds; the journal stays</span></form>
</div>
${sections.length === 0 ? '<p class="empty">No templates yet. Create one with <code>POST /template</code>.</p>' : sections.join('\n')}
</section>`;
}

function renderJobs(jobs: readonly StoredJob[], config: EmulatorConfig): string {
  const time = (ms: number | undefined): string => (ms === undefined ? '-' : formatCiTime(Math.floor(ms / 1000), config.tzOffset));
  const rows = jobs.map((job) => {
    const tone = job.state === 'Success' ? 'good' : job.state === 'Failed' ? 'bad' : 'muted';
    const failure = job.state === 'Failed' ? ` <code>${html(job.code)}</code> ${html(job.message)}` : '';
    const callback =
      job.callback === undefined
        ? '<span class="muted">none</span>'
        : `<span class="verdict ${job.callback.result === 'sent' ? 'good' : 'bad'}">${html(job.callback.result)}${job.callback.status === undefined ? '' : ` ${job.callback.status}`}</span>` +
          `${job.callback.error === undefined ? '' : ` <span class="muted">${html(job.callback.error)}</span>`}<div class="muted host">${html(job.callback.url)}</div>`;
    return `<tr class="job" data-job-id="${html(job.id)}" data-state="${html(job.state)}">
  <td><code>${html(job.id)}</code><div class="muted host">${html(job.bucket)}</div></td><td>${html(job.tag)}</td>
  <td><span class="verdict ${tone}">${html(job.state)}</span>${failure}</td><td>${html(time(job.createdAt))}</td><td>${html(time(job.endedAt))}</td><td class="callback">${callback}</td></tr>`;
  });
  const hint =
    config.jobDurationMs === 'manual'
      ? 'CIE_JOB_DURATION_MS=manual: jobs wait for POST /_emulator/jobs/&lt;JobId&gt;'
      : `each job lives ${config.jobDurationMs} ms`;
  return `<section id="jobs">
<div class="section-head">
  <h2>Jobs <span class="muted">the newest ${jobs.length}</span></h2>
  <span class="muted">${hint}; no media is processed</span>
</div>
<div class="panel">
${rows.length === 0 ? '<p class="empty">No jobs yet. Submit one with <code>POST /jobs</code>.</p>' : `<table class="jobs"><thead><tr><th>JobId</th><th>Tag</th><th>State</th><th>Created</th><th>Ended</th><th>Callback</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`}
</div>
</section>`;
}

function renderTemplateRow(template: StoredTemplate, tzOffset: string): string {
  return `<tr class="template" data-template-id="${html(template.id)}">
  <td class="name">${html(template.name)}</td>
  <td><span class="tag">${html(template.tag)}</span></td>
  <td><code class="id">${html(template.id)}</code></td>
  <td class="time" title="created ${html(formatCiTime(template.createdAt, tzOffset))}">${splitCiTime(formatCiTime(template.updatedAt, tzOffset))}</td>
  <td>${renderFields(template.data)}</td>
  <td class="actions"><form method="post" action="/_emulator/templates/delete"><input type="hidden" name="bucket" value="${html(template.bucket)}"><input type="hidden" name="id" value="${html(template.id)}"><button class="small danger" title="Delete ${html(template.name)}">Delete</button></form></td>
</tr>`;
}

/** `2020-08-05T11:35:24+0800` on two lines, date then time, so that the column stays narrow. */
function splitCiTime(ciTime: string): string {
  const [date = '', time = ''] = ciTime.split('T');
  return `${html(date)}<br><span class="muted">${html(time)}</span>`;
}

/** Leaf fields are chips that wrap; a container is a labelled block of its own, repeated ones are numbered. */
export function renderFields(data: GroupValue): string {
  const items = Object.entries(data).map(([name, value]) =>
    typeof value === 'string'
      ? `<div class="field"><dt>${html(name)}</dt><dd>${value === '' ? '<span class="muted">(empty)</span>' : `<code>${html(value)}</code>`}</dd></div>`
      : `<div class="group"><dt>${html(name)}</dt><dd>${renderContainer(value)}</dd></div>`,
  );
  return `<dl class="fields">${items.join('')}</dl>`;
}

function renderContainer(value: Exclude<FieldValue, string>): string {
  if (isGroupValue(value)) return renderFields(value);
  return `<ol>${value.map((item: string | GroupValue) => `<li>${typeof item === 'string' ? `<code>${html(item)}</code>` : renderFields(item)}</li>`).join('')}</ol>`;
}

function renderFaults(faults: readonly Fault[]): string {
  const rows = faults.map(
    (fault) => `<tr class="fault" data-fault-id="${html(fault.id)}">
  <td>${html(fault.match.method ?? 'any')}</td><td><code>${html(fault.match.path ?? 'any path')}</code></td>
  <td>${fault.job !== undefined ? `<span class="muted">jobs end</span> ${html(fault.job.state)} <code>${html(fault.job.code)}</code>` : fault.status === undefined ? '<span class="muted">answers normally</span>' : `<span class="status bad">${fault.status}</span> <code>${html(fault.code ?? '')}</code>`}</td>
  <td>${fault.delayMs === 0 ? '<span class="muted">none</span>' : `${fault.delayMs} ms`}</td><td>${fault.remaining} of ${fault.times}</td></tr>`,
  );
  return `<section id="faults">
<div class="section-head">
  <h2>Faults</h2>
  <form method="post" action="/_emulator/faults/clear"><button class="small"${faults.length === 0 ? ' disabled' : ''}>Clear faults</button></form>
</div>
<div class="panel">
${rows.length === 0 ? '<p class="empty">No faults armed: every request is answered normally.</p>' : `<table class="faults"><thead><tr><th>Method</th><th>Path</th><th>Answer</th><th>Delay</th><th>Left</th></tr></thead><tbody>${rows.join('')}</tbody></table>`}
<form method="post" action="/_emulator/faults" class="fault-form">
  <label>Method <select name="method"><option value="">any</option><option>GET</option><option>POST</option><option>PUT</option><option>DELETE</option></select></label>
  <label>Path <input name="path" value="/template*" size="14" title="exact, or a prefix ending in *"></label>
  <label>Status <input name="status" type="number" min="400" max="599" placeholder="503" size="4"></label>
  <label>Code <input name="code" placeholder="ServiceUnavailable" size="18"></label>
  <label>Times <input name="times" type="number" min="1" value="1" size="3"></label>
  <label>Delay ms <input name="delayMs" type="number" min="0" max="60000" value="0" size="5"></label>
  <button>Add fault</button>
</form>
<p class="muted hint">The SDKs retry a 5xx three times: use Times 4 to let the error reach the caller. A delay with no status and no code only slows the request down.</p>
</div>
</section>`;
}

function renderJournal(entries: readonly JournalEntry[], journalSize: number): string {
  const rows = entries.map((entry) => {
    const { auth } = entry;
    const verdictTone = auth.verdict === 'ok' ? 'good' : auth.verdict === 'not checked' ? 'muted' : 'bad';
    const details: string[] = [];
    if (auth.stringToSign !== undefined) {
      details.push(
        `<div class="signature-debug"><div><div class="debug-title">Server's StringToSign</div><pre class="sts">${html(auth.stringToSign)}</pre></div>` +
          `<div><div class="debug-title">Server's HttpString (FormatString)</div><pre class="fmt">${html(auth.httpString ?? '')}</pre></div></div>` +
          `<p class="muted hint">Compare them with your client's: the first line that differs is what was signed differently.</p>`,
      );
    }
    const notes = [
      entry.ignored.length === 0 ? '' : `ignored: ${entry.ignored.join(', ')}`,
      entry.repeated.length === 0 ? '' : `given twice, last kept: ${entry.repeated.join(', ')}`,
    ].filter((note) => note !== '');
    if (notes.length > 0) details.push(`<p class="notes">${notes.map((note) => html(note)).join('<br>')}</p>`);
    if (entry.body !== '') {
      details.push(`<details class="body"><summary>Body${entry.bodyTruncated ? ' (first 4 KiB)' : ''}</summary><pre>${html(entry.body)}</pre></details>`);
    }
    const statusTone = entry.status >= 400 ? 'bad' : 'good';
    return `<tr class="entry" data-request-id="${html(entry.requestId)}" data-verdict="${html(auth.verdict)}">
  <td class="time" title="${html(entry.time)}">${html(entry.time.slice(11, 23))}</td>
  <td><span class="method">${html(entry.method)}</span></td>
  <td class="path"><code>${html(entry.path)}${entry.query === '' ? '' : `<span class="query">?${html(entry.query)}</span>`}</code><div class="muted host">${html(entry.host)} → ${html(entry.bucket)}</div></td>
  <td><span class="status ${statusTone}">${entry.status}</span>${entry.code === null ? '' : ` <code>${html(entry.code)}</code>`}</td>
  <td class="ms">${entry.ms}</td>
  <td class="auth"><span class="verdict ${verdictTone}">${html(auth.verdict)}</span> <span class="muted">${html(auth.form)}</span>${auth.secretId === undefined ? '' : ` <code>${html(auth.secretId)}</code>`}</td>
</tr>${details.length === 0 ? '' : `\n<tr class="entry-details"><td></td><td colspan="5">${details.join('')}</td></tr>`}`;
  });
  const shown = entries.length < journalSize ? `the newest ${entries.length} of ${journalSize}` : 'newest first';
  return `<section id="journal">
<div class="section-head">
  <h2>Requests <span class="muted">${html(shown)}</span></h2>
  <span class="muted">JSON: <a href="/_emulator/requests?limit=50"><code>GET /_emulator/requests</code></a></span>
</div>
<div class="panel">
${rows.length === 0 ? '<p class="empty">No requests yet.</p>' : `<table class="journal"><thead><tr><th>Time (UTC)</th><th>Method</th><th>Path</th><th>Status</th><th>ms</th><th>Signature</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`}
</div>
</section>`;
}

// Reloads every 3 s while the box is ticked, unless a form field has the focus.
const SCRIPT = `
(() => {
  const box = document.getElementById('autorefresh');
  box.checked = localStorage.getItem('cie-autorefresh') === '1';
  box.addEventListener('change', () => localStorage.setItem('cie-autorefresh', box.checked ? '1' : '0'));
  setInterval(() => {
    const typing = document.activeElement !== null && document.activeElement.closest('form') !== null;
    if (box.checked && !typing) location.replace('/_emulator/');
  }, 3000);
})();
`;

const STYLE = `
:root { color-scheme: light; --fg: #18202e; --muted: #5b6578; --line: #dfe4ec; --panel: #fff; --bg: #f3f5f9;
  --accent: #0a66e8; --bad: #c5221f; --bad-bg: #fdecea; --good: #1e7e34; --good-bg: #e6f4ea; --warn-bg: #fff4d6; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
code, pre { font: 12.5px/1.45 ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, monospace; }
a { color: var(--accent); }
.top { display: flex; justify-content: space-between; align-items: center; gap: 16px; padding: 16px 28px;
  background: linear-gradient(90deg, #0b1f3a, #12335f); color: #fff; }
.top h1 { margin: 0; font-size: 20px; font-weight: 650; letter-spacing: .2px; }
.top .version { font-size: 12px; font-weight: 500; color: #9fb6d8; margin-left: 6px; }
.top .sub { margin: 2px 0 0; color: #c4d2e8; font-size: 13px; }
.top code { color: #fff; }
.top nav { display: flex; align-items: center; gap: 14px; }
.autorefresh { color: #c4d2e8; font-size: 13px; display: flex; gap: 6px; align-items: center; }
.notice { margin: 16px 28px 0; padding: 10px 14px; border-radius: 6px; background: var(--good-bg); border-left: 4px solid var(--good); }
.notice.failed { background: var(--bad-bg); border-left-color: var(--bad); }
main { padding: 8px 28px 48px; max-width: 1500px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 14px; margin: 18px 0 14px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.card-title { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .6px; }
.card-value { font-size: 26px; font-weight: 650; }
.card-detail { color: var(--muted); font-size: 12.5px; }
.card.bad .card-value { color: var(--bad); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 10px 0; overflow-x: auto; }
.settings { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 10px 24px; align-items: center; }
.pills { display: flex; flex-wrap: wrap; gap: 6px; }
.pill { border: 1px solid var(--line); border-radius: 999px; padding: 2px 10px; font-size: 12.5px; background: #f8fafc; }
.pill.warn { background: var(--warn-bg); }
.keys ul { display: inline; margin: 0; padding: 0 0 0 6px; list-style: none; }
.keys li { display: inline; margin-right: 12px; }
.section-head { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; margin: 30px 0 4px; }
h2 { margin: 0; font-size: 18px; }
h3 { margin: 0; font-size: 15px; font-family: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", monospace; }
.panel-head { display: flex; justify-content: space-between; align-items: center; margin-bottom: 8px; }
.muted { color: var(--muted); font-weight: normal; font-size: 12.5px; }
.empty { color: var(--muted); font-style: italic; margin: 6px 0; }
.hint { margin: 8px 0 0; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: .5px; color: var(--muted); font-weight: 600;
  padding: 6px 8px; border-bottom: 2px solid var(--line); }
td { text-align: left; vertical-align: top; padding: 8px; border-bottom: 1px solid var(--line); }
tr:last-child td { border-bottom: none; }
td.name { font-weight: 600; min-width: 150px; word-break: break-word; }
td.time, td.ms { white-space: nowrap; color: var(--muted); }
code.id { font-size: 12px; color: #334; }
.tag { background: #e8f0fe; color: #1a4fa3; border-radius: 4px; padding: 1px 7px; font-size: 12px; font-weight: 600; }
table.templates td:nth-child(5) { width: 46%; }
dl.fields { margin: 0; display: flex; flex-wrap: wrap; gap: 4px 6px; }
.field { display: inline-flex; gap: 5px; align-items: baseline; padding: 1px 8px; border: 1px solid var(--line); border-radius: 5px; background: #f8fafc; }
.field dt { color: var(--muted); font-size: 12px; }
.field dd, .group dd { margin: 0; }
.group { flex-basis: 100%; }
.group > dt { font-size: 12px; font-weight: 600; color: #1a4fa3; margin-bottom: 2px; }
.group > dd { padding-left: 8px; border-left: 2px solid #d5e2f7; }
ol { margin: 0; padding-left: 18px; }
form { margin: 0; }
.reset-all { display: flex; gap: 10px; align-items: center; }
.fault-form { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; margin-top: 12px; padding-top: 12px; border-top: 1px dashed var(--line); }
.fault-form label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
.fault-form input[type=number] { width: 84px; }
input, select { font: inherit; padding: 4px 6px; border: 1px solid #c5cdd9; border-radius: 5px; background: #fff; }
button, .button { font: inherit; font-size: 13px; padding: 5px 12px; border: 1px solid var(--accent); background: var(--accent); color: #fff;
  border-radius: 6px; cursor: pointer; text-decoration: none; }
button:hover, .button:hover { filter: brightness(1.1); }
button:disabled { opacity: .45; cursor: default; }
button.small { padding: 2px 9px; font-size: 12.5px; background: #fff; color: var(--accent); }
button.danger { border-color: var(--bad); background: var(--bad); color: #fff; }
button.small.danger { background: #fff; color: var(--bad); }
.button.ghost { background: transparent; border-color: #7f9cc6; }
.method { font: 600 12px ui-monospace, SFMono-Regular, "DejaVu Sans Mono", monospace; }
td.path code { word-break: break-all; }
.query { color: var(--muted); }
.host { margin-top: 2px; }
.status, .verdict { display: inline-block; border-radius: 4px; padding: 0 7px; font-weight: 650; font-size: 12.5px; }
.good { background: var(--good-bg); color: var(--good); }
.bad { background: var(--bad-bg); color: var(--bad); }
.verdict.muted { background: #eef1f5; }
tr.entry-details td { border-top: none; padding-top: 0; }
tr.entry:has(+ tr.entry-details) td { border-bottom: none; }
.signature-debug { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.debug-title { font-size: 12px; font-weight: 600; color: var(--bad); margin-bottom: 2px; }
pre { margin: 0; padding: 8px 10px; background: #fffaf0; border: 1px solid #f0dcb0; border-radius: 6px; white-space: pre-wrap; word-break: break-all; }
details.body { margin-top: 6px; }
details.body summary { cursor: pointer; color: var(--muted); font-size: 12.5px; }
details.body pre { background: #f8fafc; border-color: var(--line); }
`;
