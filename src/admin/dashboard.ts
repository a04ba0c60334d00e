import type { EmulatorConfig } from '../config.js';
import { formatCiTime } from '../ids.js';
import type { KindRegistry } from '../kinds/registry.js';
import { isGroupValue, type FieldValue, type GroupValue } from '../kinds/schema.js';
import type { StoredTemplate, TemplateStore } from '../templates/store.js';
import type { Fault } from './faults.js';
import type { JournalEntry } from './journal.js';

export interface DashboardData {
  readonly config: EmulatorConfig;
  readonly kinds: KindRegistry;
  readonly store: TemplateStore;
  readonly journal: readonly JournalEntry[];
  readonly faults: readonly Fault[];
  readonly notice: string | undefined;
  readonly currentBucket: string;
}

const TEMPLATES_SHOWN_PER_BUCKET = 100;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const html = (value: string | number): string => String(value).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);

/** The emulator's own page: server-rendered, no script needed, forms post back and redirect here. */
export function renderDashboard(data: DashboardData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cloud-infinite-emulator</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>cloud-infinite-emulator</h1>
  <p class="meta">default bucket <code>${html(data.config.defaultBucket)}</code> · auth <code>${html(data.config.auth)}</code>
  · keys ${data.config.keys.map((key) => `<code>${html(key.secretId)}</code> (APPID ${html(key.appId)})`).join(', ')}</p>
</header>
${data.notice === undefined ? '' : `<p class="notice" role="status">${html(data.notice)}</p>`}
<main>
${renderTemplates(data)}
${renderFaults(data.faults)}
${renderJournal(data.journal)}
</main>
</body>
</html>`;
}

function renderTemplates(data: DashboardData): string {
  const buckets = data.store.buckets();
  const sections = buckets.map(({ bucket, count }) => {
    const page = data.store.describe({ bucket, category: 'Custom', tag: undefined, ids: undefined, namePrefix: undefined, pageNumber: 1, pageSize: TEMPLATES_SHOWN_PER_BUCKET });
    const more = count > page.templates.length ? `<p class="meta">showing the newest ${page.templates.length} of ${count}</p>` : '';
    return `<section class="bucket" data-bucket="${html(bucket)}">
  <h3>${html(bucket)} <span class="count">${count} template${count === 1 ? '' : 's'}</span></h3>
  <form method="post" action="/_emulator/reset" class="inline"><input type="hidden" name="bucket" value="${html(bucket)}"><button>Reset this bucket</button></form>
  ${more}
  <table class="templates"><thead><tr><th>Tag</th><th>Name</th><th>TemplateId</th><th>Updated</th><th>Fields</th><th></th></tr></thead>
  <tbody>${page.templates.map((template) => renderTemplateRow(template, data.config.tzOffset)).join('\n')}</tbody></table>
</section>`;
  });
  return `<section id="templates">
<h2>Templates</h2>
<form method="post" action="/_emulator/reset" class="inline"><button>Reset every bucket</button> <span class="meta">removes every template and fault, reloads the seeds</span></form>
${sections.length === 0 ? '<p class="empty">No templates yet.</p>' : sections.join('\n')}
</section>`;
}

function renderTemplateRow(template: StoredTemplate, tzOffset: string): string {
  return `<tr class="template" data-template-id="${html(template.id)}">
  <td>${html(template.tag)}</td><td class="name">${html(template.name)}</td><td><code>${html(template.id)}</code></td>
  <td>${html(formatCiTime(template.updatedAt, tzOffset))}</td>
  <td>${renderFields(template.data)}</td>
  <td><form method="post" action="/_emulator/templates/delete"><input type="hidden" name="bucket" value="${html(template.bucket)}"><input type="hidden" name="id" value="${html(template.id)}"><button>Delete</button></form></td>
</tr>`;
}

/** Nested containers become nested lists, repeated ones are numbered. */
export function renderFields(data: GroupValue): string {
  const items = Object.entries(data).map(([name, value]) => `<li><span class="field">${html(name)}</span> ${renderFieldValue(value)}</li>`);
  return `<ul class="fields">${items.join('')}</ul>`;
}

function renderFieldValue(value: FieldValue): string {
  if (typeof value === 'string') return `<code>${html(value)}</code>`;
  if (isGroupValue(value)) return renderFields(value);
  return `<ol>${value.map((item) => `<li>${renderFields(item)}</li>`).join('')}</ol>`;
}

function renderFaults(faults: readonly Fault[]): string {
  const rows = faults.map(
    (fault) => `<tr><td>${html(fault.match.method ?? 'any')}</td><td><code>${html(fault.match.path ?? 'any')}</code></td>
  <td>${fault.status === undefined ? 'delay only' : `${fault.status} ${html(fault.code ?? '')}`}</td><td>${fault.delayMs} ms</td><td>${fault.remaining} of ${fault.times}</td></tr>`,
  );
  return `<section id="faults">
<h2>Faults</h2>
${rows.length === 0 ? '<p class="empty">No faults.</p>' : `<table><thead><tr><th>Method</th><th>Path</th><th>Answer</th><th>Delay</th><th>Left</th></tr></thead><tbody>${rows.join('')}</tbody></table>`}
<form method="post" action="/_emulator/faults" class="fault-form">
  <label>Method <select name="method"><option value="">any</option><option>GET</option><option>POST</option><option>PUT</option><option>DELETE</option></select></label>
  <label>Path <input name="path" value="/template*" size="16"></label>
  <label>Status <input name="status" type="number" min="400" max="599" placeholder="503" size="4"></label>
  <label>Code <input name="code" placeholder="ServiceUnavailable" size="18"></label>
  <label>Times <input name="times" type="number" min="1" value="1" size="3"></label>
  <label>Delay ms <input name="delayMs" type="number" min="0" value="0" size="5"></label>
  <button>Add fault</button>
</form>
<form method="post" action="/_emulator/faults/clear" class="inline"><button>Clear faults</button></form>
</section>`;
}

function renderJournal(entries: readonly JournalEntry[]): string {
  const rows = entries.map((entry) => {
    const failed = entry.auth.verdict !== 'ok';
    const debug =
      entry.auth.stringToSign === undefined
        ? ''
        : `<details open><summary>Server's StringToSign and FormatString</summary><pre class="sts">${html(entry.auth.stringToSign)}</pre><pre class="fmt">${html(entry.auth.httpString ?? '')}</pre></details>`;
    return `<tr class="${entry.status >= 400 ? 'error' : 'ok'}">
  <td>${html(entry.time.slice(11, 23))}</td><td>${html(entry.method)}</td>
  <td><code>${html(entry.path)}${entry.query === '' ? '' : `?${html(entry.query)}`}</code></td><td>${html(entry.bucket)}</td>
  <td>${entry.status}${entry.code === null ? '' : ` ${html(entry.code)}`}</td><td>${entry.ms}</td>
  <td class="auth ${failed ? 'failed' : ''}">${html(entry.auth.form)} ${html(entry.auth.secretId ?? '')} <strong>${html(entry.auth.verdict)}</strong>${debug}</td>
</tr>`;
  });
  return `<section id="journal">
<h2>Requests <span class="meta">newest first</span></h2>
${rows.length === 0 ? '<p class="empty">No requests yet.</p>' : `<table class="journal"><thead><tr><th>Time (UTC)</th><th>Method</th><th>Path</th><th>Bucket</th><th>Status</th><th>ms</th><th>Signature</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`}
</section>`;
}

const STYLE = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5d6677; --line: #d9dee7; --accent: #006eff; --bad: #c62828; --ok: #2e7d32; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #f6f8fb; }
header { background: #0b1f3a; color: #fff; padding: 14px 24px; }
header h1 { margin: 0; font-size: 20px; }
header .meta { color: #c9d4e5; margin: 4px 0 0; }
header code { color: #fff; }
main { padding: 8px 24px 40px; }
h2 { margin: 28px 0 10px; font-size: 17px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { margin: 18px 0 6px; font-size: 15px; }
.count, .meta { color: var(--muted); font-weight: normal; font-size: 13px; }
.notice { margin: 14px 24px 0; padding: 8px 12px; background: #e8f1ff; border-left: 4px solid var(--accent); }
.empty { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: #eef2f8; font-weight: 600; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; }
ul.fields { list-style: none; margin: 0; padding-left: 0; }
ul.fields ul.fields, ol ul.fields { padding-left: 14px; border-left: 2px solid var(--line); }
.field { color: var(--muted); }
ol { margin: 0; padding-left: 20px; }
form.inline { display: inline-block; margin: 4px 0; }
.fault-form { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 10px 0; }
.fault-form label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
button { font: inherit; padding: 3px 10px; border: 1px solid var(--accent); background: #fff; color: var(--accent); border-radius: 4px; cursor: pointer; }
button:hover { background: var(--accent); color: #fff; }
tr.error td:nth-child(5) { color: var(--bad); font-weight: 600; }
tr.ok td:nth-child(5) { color: var(--ok); }
.auth.failed strong { color: var(--bad); }
pre { margin: 6px 0 0; padding: 6px; background: #fff7e6; border: 1px solid #f0d9a8; white-space: pre-wrap; word-break: break-all; font-size: 12px; }
details summary { cursor: pointer; color: var(--muted); font-size: 12px; }
`;
