/**
 * "New starters" (Local Administrators): the push form (POST /api/admin/welcome) and the table of the LA's
 * starters with progress and delivery status (GET /api/admin/starters). Anyone else (403) gets a polite refusal.
 */
import type { app } from '@microsoft/teams-js';
import { callApi, fetchFile, type ApiResponse } from './api';
import { alertText, announce, byId, fill, h, showMessage, ukDate } from './dom';
import { copy, loaded, showApiFailure, showFailure, startPage } from './page';

interface Starter {
  readonly address: string;
  readonly pushId?: string;
  readonly status: string;
  readonly statusText: string;
  readonly reason?: string;
  readonly progress?: { readonly done: number; readonly total: number; readonly mustDoDone: number; readonly mustDoTotal: number; readonly lastSeen: string };
}

/** One of the LA's pushes, for the filter (and its resend button). */
interface PushChoice {
  readonly id: string;
  readonly title: string;
  readonly notReached: number;
}

const PROGRESS = ['notStarted', 'mustDoOutstanding', 'finished'] as const;
type Progress = (typeof PROGRESS)[number];

const text = copy.starters;
/** The filter shown: a push id and a stage of progress, '' for all. */
const filter: { push: string; progress: Progress | '' } = { push: '', progress: '' };
let pushes: PushChoice[] = [];
/** While a starter is still being sent to, the table refreshes itself this often, this many times at most. */
const POLL_MS = 2000;
const MAX_POLLS = 30;
let polls = 0;
let pollTimer: ReturnType<typeof setTimeout> | undefined;

function startersOf(res: ApiResponse): Starter[] | undefined {
  const list = res.body['starters'];
  if (res.status !== 200 || !Array.isArray(list)) return undefined;
  const listed = res.body['pushes'];
  if (Array.isArray(listed)) pushes = listed as PushChoice[];
  return list as Starter[];
}

/** The API's query string for the filter shown. */
function query(): string {
  const q = new URLSearchParams();
  if (filter.push) q.set('push', filter.push);
  if (filter.progress) q.set('progress', filter.progress);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A filter a deep link asked for (the chat's "Export as CSV" opens the tab with it as subPageId). */
function filterFromLink(context: app.Context): boolean {
  const sub = new URLSearchParams(context.page.subPageId ?? '');
  const push = sub.get('push') ?? '';
  const progress = sub.get('progress') ?? '';
  if (/^[a-zA-Z0-9-]{1,64}$/.test(push)) filter.push = push;
  if ((PROGRESS as readonly string[]).includes(progress)) filter.progress = progress as Progress;
  return sub.get('export') === 'csv';
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
      filters(),
      h('div', { id: 'starters-list' }),
    ),
  );
  renderPushChoices();
}

/** The push and progress filters, the CSV download and the resend button (shown for a push that has someone to resend to). */
function filters(): HTMLElement {
  const pushSelect = h('select', { id: 'filter-push', name: 'push' });
  const progressSelect = h(
    'select',
    { id: 'filter-progress', name: 'progress' },
    h('option', { value: '' }, text.progressChoices.all),
    ...PROGRESS.map((p) => h('option', { value: p }, text.progressChoices[p])),
  );
  progressSelect.value = filter.progress;
  const onChange = (): void => {
    filter.push = pushSelect.value;
    filter.progress = (progressSelect.value as Progress | '') || '';
    polls = 0;
    renderResend();
    void refreshTable(true).catch((error: unknown) => showFailure(error, reload));
  };
  pushSelect.addEventListener('change', onChange);
  progressSelect.addEventListener('change', onChange);
  const download = h('button', { type: 'button', id: 'download', class: 'button' }, text.download);
  download.addEventListener('click', () => void downloadCsv().catch((error: unknown) => showFailure(error, reload)));
  const resend = h('button', { type: 'button', id: 'resend', class: 'button', hidden: true, 'aria-describedby': 'resend-hint' });
  resend.addEventListener('click', () => void resendPush().catch((error: unknown) => showFailure(error, reload)));
  return h(
    'fieldset',
    { class: 'filters' },
    h('legend', {}, text.filtersLabel),
    h('div', { class: 'filter' }, h('label', { for: 'filter-push' }, text.filterPush), pushSelect),
    h('div', { class: 'filter' }, h('label', { for: 'filter-progress' }, text.filterProgress), progressSelect),
    h('div', { class: 'form-actions' }, download, resend),
    h('p', { id: 'resend-hint', class: 'hint', hidden: true }, text.resendHint),
  );
}

/** Fills the push choices from the latest list, keeping the one chosen. */
function renderPushChoices(): void {
  const select = document.getElementById('filter-push') as HTMLSelectElement | null;
  if (!select) return;
  select.replaceChildren(h('option', { value: '' }, text.filterAllPushes), ...pushes.map((p) => h('option', { value: p.id }, p.title)));
  if (!pushes.some((p) => p.id === filter.push)) filter.push = '';
  select.value = filter.push;
  renderResend();
}

/** The resend button names how many of the chosen push it would try again; hidden when none. */
function renderResend(): void {
  const button = document.getElementById('resend');
  const hint = document.getElementById('resend-hint');
  if (!button || !hint) return;
  const chosen = pushes.find((p) => p.id === filter.push);
  const count = chosen?.notReached ?? 0;
  button.textContent = fill(text.resend, { count });
  button.hidden = count === 0;
  hint.hidden = count === 0;
}

/** Downloads the filtered starters as CSV (the API audits it) and saves it as new-starters.csv. */
async function downloadCsv(): Promise<void> {
  const res = await fetchFile(`/api/admin/starters.csv${query()}`, { 'x-welcome-client': 'tab' });
  if (res.status === 403) {
    showMessage(text.refused);
    return;
  }
  if (!res.file) {
    alertText(text.downloadFailed);
    return;
  }
  const url = URL.createObjectURL(res.file);
  const link = h('a', { href: url, download: 'new-starters.csv', hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  announce(text.downloaded);
}

/** Resends the chosen push to those it did not reach, then reloads the table. */
async function resendPush(): Promise<void> {
  if (!filter.push) return;
  const res = await callApi('POST', `/api/admin/pushes/${encodeURIComponent(filter.push)}/resend`, {}, { 'x-welcome-client': 'tab' });
  if (res.status === 403) {
    showMessage(text.refused);
    return;
  }
  if (res.status !== 202) {
    showApiFailure(res, reload);
    return;
  }
  const resent = Array.isArray(res.body['resent']) ? res.body['resent'].length : 0;
  const message = resent === 0 ? text.resentNone : fill(text.resent, { count: resent });
  polls = 0;
  await refreshTable(false);
  announce(message);
}

/** The starters table; on narrow screens tabs.css shows each row as a block, each cell labelled (data-label). */
function renderTable(starters: readonly Starter[]): void {
  const holder = byId('starters-list');
  if (starters.length === 0) {
    const filtered = filter.push !== '' || filter.progress !== '';
    holder.replaceChildren(h('p', { id: 'no-starters' }, filtered ? text.noMatch : text.noStarters));
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
  const res = await callApi('GET', `/api/admin/starters${query()}`);
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
  renderPushChoices();
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

let exportAsked = false;

async function load(): Promise<void> {
  // The list comes first: a 403 there means this is not an LA, and the form is never shown.
  const res = await callApi('GET', `/api/admin/starters${query()}`);
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
  // Opened from the chat's "Export as CSV": download once (a browser may ask the LA first).
  if (exportAsked) {
    exportAsked = false;
    await downloadCsv();
  }
  if (starters.some((s) => s.status === 'sending')) await refreshTable(false);
}

function reload(): void {
  load().catch((error: unknown) => showFailure(error, reload));
}

void startPage(async (context) => {
  exportAsked = filterFromLink(context);
  await load();
});
