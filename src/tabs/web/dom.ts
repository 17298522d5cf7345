/** Small DOM helpers for the tabs: elements without innerHTML, copy templates, the live regions. */
import type { TabMessage } from '../tabCopy';

type Child = Node | string | null | undefined | false;

/** Creates an element with attributes (false/undefined ones left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

/** Fills {name} slots in a piece of copy; a slot without a value stays as written, so a gap is visible. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** The element with this id, which the page's HTML guarantees. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/** Says something through the polite status region (role="status"); the same text twice is still announced. */
export function announce(text: string): void {
  const region = byId('status');
  if (region.textContent === text) region.textContent = '';
  region.textContent = text;
}

/** Says something urgent through the alert region (role="alert"); empty text clears it. */
export function alertText(text: string): void {
  const region = byId('alert');
  region.textContent = text;
  region.hidden = text === '';
}

/** Replaces the page's content with a titled message (outside Teams, refused, sign-in failed, …). */
export function showMessage(message: TabMessage, values: Record<string, string | number> = {}, action?: { label: string; run: () => void }): void {
  const content = byId('content');
  const button = action ? h('button', { type: 'button', class: 'button' }, action.label) : undefined;
  if (button && action) button.addEventListener('click', action.run);
  content.replaceChildren(
    h(
      'section',
      { class: 'card message', 'aria-labelledby': 'message-heading' },
      h('h2', { id: 'message-heading' }, fill(message.title, values)),
      ...message.lines.map((line) => h('p', {}, fill(line, values))),
      button,
    ),
  );
  byId('main').setAttribute('aria-busy', 'false');
  announce(fill(message.title, values));
}

/** "3 May 2025", as the chat writes dates. */
export function ukDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
}
