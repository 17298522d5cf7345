/**
 * "My welcome checklist" (personal tab): the caller's journey, progress and must-do actions from
 * GET /api/me/checklist. Ticking an action POSTs /api/me/acknowledgements, the same acknowledgement as in chat.
 */
import { callApi, type ApiResponse } from './api';
import { alertText, announce, byId, fill, h, ukDate } from './dom';
import { copy, loaded, showApiFailure, showFailure, startPage } from './page';

interface ChecklistAction {
  readonly id: string;
  readonly title: string;
  readonly mustDo: boolean;
  readonly doneAt: string | null;
  readonly links: readonly { readonly title: string; readonly url: string }[];
}
interface Checklist {
  readonly started: boolean;
  readonly service: string;
  readonly done: number;
  readonly total: number;
  readonly mustDoDone: number;
  readonly mustDoTotal: number;
  readonly steps: readonly { readonly id: string; readonly title: string; readonly actions: readonly ChecklistAction[] }[];
}

const text = copy.checklist;
/** Actions whose tick is on its way to the server; a second change meanwhile is undone. */
const saving = new Set<string>();
let current: Checklist | undefined;

function isChecklist(body: Record<string, unknown>): body is Record<string, unknown> & Checklist {
  return typeof body['done'] === 'number' && typeof body['total'] === 'number' && Array.isArray(body['steps']);
}

function actionsOf(checklist: Checklist): ChecklistAction[] {
  return checklist.steps.flatMap((s) => s.actions);
}

/** Builds the page once; later changes go through update() so keyboard focus stays where it is. */
function render(checklist: Checklist): void {
  const content = byId('content');
  const notice = checklist.started
    ? undefined
    : h(
        'section',
        { class: 'card notice', 'aria-labelledby': 'not-started-heading' },
        h('h2', { id: 'not-started-heading' }, text.notStarted.title),
        ...text.notStarted.lines.map((line) => h('p', {}, line)),
      );
  const progress = h(
    'section',
    { class: 'card progress', 'aria-labelledby': 'progress-heading' },
    h('h2', { id: 'progress-heading' }, text.progressHeading),
    h('label', { for: 'progress-bar', class: 'visually-hidden' }, text.progressLabel),
    h('progress', { id: 'progress-bar', max: checklist.total, value: checklist.done }),
    h('p', { id: 'progress-text', class: 'progress-text' }),
    h('p', { id: 'must-do-text' }),
  );
  const steps = checklist.steps.map((step) =>
    h(
      'section',
      { class: 'card step', 'aria-labelledby': `step-${step.id}` },
      h('h2', { id: `step-${step.id}` }, step.title),
      h('ul', { class: 'actions' }, ...step.actions.map((action) => renderAction(action, checklist.started))),
    ),
  );
  content.replaceChildren(h('p', { class: 'intro' }, fill(text.intro, { service: checklist.service })), ...(notice ? [notice] : []), progress, ...steps);
  update(checklist);
}

function renderAction(action: ChecklistAction, started: boolean): HTMLLIElement {
  const box = h('input', { type: 'checkbox', id: `ack-${action.id}`, 'aria-describedby': `state-${action.id}`, disabled: !started });
  box.addEventListener('change', () => void tick(action.id, box));
  const links = action.links.length
    ? h(
        'ul',
        { class: 'links', 'aria-label': fill(text.linksLabel, { title: action.title }) },
        ...action.links.map((link) => h('li', {}, h('a', { href: link.url, target: '_blank', rel: 'noopener noreferrer' }, link.title))),
      )
    : undefined;
  return h(
    'li',
    { class: 'action', id: `action-${action.id}`, 'data-must-do': action.mustDo ? 'true' : undefined },
    h(
      'div',
      { class: 'action-row' },
      box,
      h('label', { for: `ack-${action.id}` }, action.mustDo ? h('span', { class: 'badge' }, `${text.mustDoBadge}:`) : undefined, ' ', action.title),
    ),
    h('p', { id: `state-${action.id}`, class: 'state' }),
    links,
  );
}

/** Puts a checklist's ticks, dates and counts on the page built by render(). */
function update(checklist: Checklist): void {
  current = checklist;
  const bar = byId<HTMLProgressElement>('progress-bar');
  bar.max = checklist.total;
  bar.value = checklist.done;
  byId('progress-text').textContent = fill(text.progressText, { done: checklist.done, total: checklist.total });
  byId('must-do-text').textContent =
    checklist.mustDoTotal > 0 && checklist.mustDoDone === checklist.mustDoTotal
      ? text.allMustDoDone
      : fill(text.mustDoText, { done: checklist.mustDoDone, total: checklist.mustDoTotal });
  for (const action of actionsOf(checklist)) {
    const box = document.getElementById(`ack-${action.id}`) as HTMLInputElement | null;
    if (!box) continue;
    box.checked = action.doneAt !== null;
    box.removeAttribute('aria-busy');
    byId(`action-${action.id}`).dataset['done'] = action.doneAt !== null ? 'true' : 'false';
    byId(`state-${action.id}`).textContent = action.doneAt !== null ? fill(text.doneOn, { date: ukDate(action.doneAt) }) : text.notDone;
  }
}

async function tick(actionId: string, box: HTMLInputElement): Promise<void> {
  const action = current ? actionsOf(current).find((a) => a.id === actionId) : undefined;
  if (!action) return;
  if (saving.has(actionId)) {
    box.checked = !box.checked;
    return;
  }
  const done = box.checked;
  saving.add(actionId);
  box.setAttribute('aria-busy', 'true');
  byId(`state-${actionId}`).textContent = text.saving;
  alertText('');
  let res: ApiResponse;
  try {
    res = await callApi('POST', '/api/me/acknowledgements', { actionId, done });
  } catch (error) {
    saving.delete(actionId);
    showFailure(error, reload);
    return;
  }
  saving.delete(actionId);
  if (res.status === 200 && isChecklist(res.body)) {
    update(res.body);
    announce(fill(done ? text.ticked : text.unticked, { title: action.title, done: res.body.done, total: res.body.total }));
    return;
  }
  if (current) update(current);
  if (res.status === 404) {
    await load().catch((e: unknown) => showFailure(e, reload));
    alertText(text.outOfDate);
  } else if (res.status === 409) {
    await load().catch((e: unknown) => showFailure(e, reload));
  } else if (res.status === 401 || res.status === 503) {
    showApiFailure(res, reload);
  } else {
    alertText(fill(text.saveFailed, { title: action.title }));
  }
}

async function load(): Promise<void> {
  const res = await callApi('GET', '/api/me/checklist');
  if (res.status !== 200 || !isChecklist(res.body)) {
    showApiFailure(res, reload);
    return;
  }
  render(res.body);
  loaded();
  announce(fill(text.loaded, { done: res.body.done, total: res.body.total }));
}

/** load() for buttons and retries: any failure becomes a message on the page. */
function reload(): void {
  load().catch((error: unknown) => showFailure(error, reload));
}

void startPage(load);
