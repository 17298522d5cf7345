/**
 * "New starters" (Local Administrators): the push form (POST /api/admin/welcome) and the table of the LA's
 * starters with progress and delivery status (GET /api/admin/starters). Anyone else (403) gets a polite refusal.
 */
import { callApi, type ApiResponse } from './api';
import { alertText, announce, byId, fill, h, showMessage, ukDate } from './dom';
import { copy, loaded, showApiFailure, showFailure, startPage } from './page';

interface Starter {
  readonly address: string;
  readonly status: string;
  readonly statusText: string;
  readonly reason?: string;
  readonly progress?: { readonly done: number; readonly total: number; readonly mustDoDone: number; readonly mustDoTotal: number; readonly lastSeen: string };
}

const text = copy.starters;
/** While a starter is still being sent to, the table refreshes itself this often, this many times at most. */
const POLL_MS = 2000;
const MAX_POLLS = 30;
let polls = 0;
let pollTimer: ReturnType<typeof setTimeout> | undefined;

function startersOf(res: ApiResponse): Starter[] | undefined {
  const list = res.body['starters'];
  return res.status === 200 && Array.isArray(list) ? (list as Starter[]) : undefined;
}

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Builds the form and the (empty) table section once the caller is known to be an LA. */
function render(): void {
  const hintId = 'addresses-hint';
  const textarea = h('textarea', {
    id: 'addresses',
    name: 'addresses',
    rows: 5,
    'aria-describedby': hintId,
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
  });
  const form = h(
    'form',
    { id: 'push-form', novalidate: true },
    h('label', { for: 'addresses' }, text.addressesLabel),
    h('p', { id: hintId, class: 'hint' }, text.addressesHint),
    h('p', { id: 'addresses-error', class: 'field-error', hidden: true }),
    textarea,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', id: 'send', class: 'button primary' }, text.send)),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void push().catch((error: unknown) => showFailure(error, reload));
  });
  const refresh = h('button', { type: 'button', id: 'refresh', class: 'button' }, text.refresh);
  refresh.addEventListener('click', () => {
    polls = 0;
    void refreshTable(true).catch((error: unknown) => showFailure(error, reload));
  });
  byId('content').replaceChildren(
    h('p', { class: 'intro' }, text.intro),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'push-heading' },
      h('h2', { id: 'push-heading' }, text.pushHeading),
      form,
      h('div', { id: 'push-result', class: 'push-result', hidden: true }),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'starters-heading' },
      h('div', { class: 'section-head' }, h('h2', { id: 'starters-heading' }, text.tableHeading), refresh),
      h('div', { id: 'starters-list' }),
    ),
  );
}

/** The starters table; on narrow screens tabs.css shows each row as a block, each cell labelled (data-label). */
function renderTable(starters: readonly Starter[]): void {
  const holder = byId('starters-list');
  if (starters.length === 0) {
    holder.replaceChildren(h('p', { id: 'no-starters' }, text.noStarters));
    return;
  }
  const c = text.columns;
  const head = (label: string) => h('th', { scope: 'col', role: 'columnheader' }, label);
  const cell = (label: string, ...children: (Node | string)[]) => h('td', { 'data-label': label, role: 'cell' }, ...children);
  const rows = starters.map((s) => {
    const p = s.progress;
    return h(
      'tr',
      { role: 'row', 'data-status': s.status },
      h('th', { scope: 'row', role: 'rowheader', 'data-label': c.address, class: 'address' }, s.address),
      cell(c.status, h('span', { class: `status status-${s.status}` }, s.reason ? `${s.statusText}: ${s.reason}` : s.statusText)),
      cell(c.progress, p ? fill(text.progressText, { done: p.done, total: p.total }) : text.noProgress),
      cell(c.mustDo, p ? fill(text.mustDoText, { done: p.mustDoDone, total: p.mustDoTotal }) : text.noProgress),
      cell(c.lastActive, p ? ukDate(p.lastSeen) : '–'),
    );
  });
  holder.replaceChildren(
    h(
      'table',
      { id: 'starters-table', role: 'table' },
      h('caption', {}, text.tableCaption),
      h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' }, head(c.address), head(c.status), head(c.progress), head(c.mustDo), head(c.lastActive))),
      h('tbody', { role: 'rowgroup' }, ...rows),
    ),
  );
}

/** Reloads the table; keeps polling while a welcome is still on its way. Returns false when refused. */
async function refreshTable(announceIt: boolean): Promise<boolean> {
  const res = await callApi('GET', '/api/admin/starters');
  if (res.status === 403) {
    stopPolling();
    showMessage(text.refused);
    return false;
  }
  const starters = startersOf(res);
  if (!starters) {
    stopPolling();
    showApiFailure(res, reload);
    return false;
  }
  renderTable(starters);
  if (announceIt) announce(refreshedText(starters.length));
  stopPolling();
  if (starters.some((s) => s.status === 'sending') && polls < MAX_POLLS) {
    polls += 1;
    pollTimer = setTimeout(() => void refreshTable(false).catch(() => undefined), POLL_MS);
  }
  return true;
}

function refreshedText(count: number): string {
  return count === 1 ? text.refreshedOne : fill(text.refreshed, { count });
}

function stopPolling(): void {
  if (pollTimer !== undefined) clearTimeout(pollTimer);
  pollTimer = undefined;
}

function setFieldError(message: string): void {
  const error = byId('addresses-error');
  const field = byId<HTMLTextAreaElement>('addresses');
  error.textContent = message;
  error.hidden = message === '';
  if (message === '') {
    field.removeAttribute('aria-invalid');
    field.setAttribute('aria-describedby', 'addresses-hint');
  } else {
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', 'addresses-error addresses-hint');
  }
}

/** The outcome of a push under the form: what was sent and which addresses were left out, and why. */
function showResult(lines: string[]): void {
  const result = byId('push-result');
  result.replaceChildren(...lines.map((line) => h('p', {}, line)));
  result.hidden = lines.length === 0;
}

async function push(): Promise<void> {
  const field = byId<HTMLTextAreaElement>('addresses');
  const send = byId<HTMLButtonElement>('send');
  if (send.dataset['busy']) return;
  const addresses = field.value.trim();
  alertText('');
  showResult([]);
  if (addresses === '') {
    setFieldError(text.emptyAddresses);
    field.focus();
    return;
  }
  setFieldError('');
  send.setAttribute('aria-disabled', 'true');
  send.dataset['busy'] = 'true';
  announce(text.sending);
  let res: ApiResponse;
  try {
    res = await callApi('POST', '/api/admin/welcome', { addresses }, { 'x-welcome-client': 'tab' });
  } finally {
    send.removeAttribute('aria-disabled');
    delete send.dataset['busy'];
  }
  const invalid = listOf(res.body['invalid']);
  const otherDomain = listOf(res.body['otherDomain']);
  const leftOut = [
    ...(invalid.length ? [fill(text.invalidList, { list: invalid.join(', ') })] : []),
    ...(otherDomain.length ? [fill(text.otherDomainList, { list: otherDomain.join(', ') })] : []),
  ];
  if (res.status === 202) {
    const accepted = listOf(res.body['accepted']);
    const duplicates = typeof res.body['duplicates'] === 'number' ? res.body['duplicates'] : 0;
    const summary = accepted.length === 1 ? text.pushQueuedOne : fill(text.pushQueued, { count: accepted.length });
    showResult([summary, ...leftOut, ...(duplicates > 0 ? [fill(text.duplicates, { count: duplicates })] : [])]);
    field.value = '';
    announce(summary);
    polls = 0;
    await refreshTable(false);
    return;
  }
  if (res.status === 403) {
    showMessage(text.refused);
    return;
  }
  if (res.status === 400) {
    const message = typeof res.body['message'] === 'string' ? res.body['message'] : '';
    setFieldError(fill(text.pushRefused, { message }));
    showResult(leftOut);
    field.focus();
    return;
  }
  showApiFailure(res, reload);
}

async function load(): Promise<void> {
  // The list comes first: a 403 there means this is not an LA, and the form is never shown.
  const res = await callApi('GET', '/api/admin/starters');
  if (res.status === 403) {
    showMessage(text.refused);
    return;
  }
  const starters = startersOf(res);
  if (!starters) {
    showApiFailure(res, reload);
    return;
  }
  render();
  renderTable(starters);
  loaded();
  announce(refreshedText(starters.length));
  if (starters.some((s) => s.status === 'sending')) await refreshTable(false);
}

function reload(): void {
  load().catch((error: unknown) => showFailure(error, reload));
}

void startPage(load);
