/**
 * The tabs' side of Teams: initialise @microsoft/teams-js v2 against the host, read the context, follow the
 * theme, and ask for the SSO token. Runs in the browser only (bundled by scripts/build-tabs.ts).
 */
import { app, authentication } from '@microsoft/teams-js';

/** The three themes Teams reports (app.Context.app.theme and the theme change handler). */
export type Theme = 'default' | 'dark' | 'contrast';

/**
 * How long a page waits for the host to answer app.initialize before saying it is not in Teams. A page opened on
 * its own is told at once (the library finds no parent window); a page framed by something that never answers
 * waits this long, well inside the two seconds the page has to say so.
 */
export const HOST_TIMEOUT_MS = 1500;

export type Connection = { readonly inTeams: true; readonly context: app.Context } | { readonly inTeams: false; readonly reason: 'noParent' | 'noAnswer' };

/** Teams' theme names, anything else treated as the default (light) theme. */
export function themeOf(name: string | undefined): Theme {
  return name === 'dark' || name === 'contrast' ? name : 'default';
}

/** Puts the theme on <html data-theme> (tabs.css styles each) and tells form controls which scheme to draw. */
export function applyTheme(name: string | undefined): Theme {
  const theme = themeOf(name);
  document.documentElement.dataset['theme'] = theme;
  document.documentElement.style.colorScheme = theme === 'default' ? 'light' : 'dark';
  return theme;
}

function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise.then((value) => ({ value })), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Initialises the library and reads the context, racing the host against HOST_TIMEOUT_MS, so a page opened
 * outside Teams (or in a frame that does not speak the Teams protocol) says so instead of waiting for ever.
 * In Teams it applies the theme now and whenever the user changes it.
 */
export async function connectToTeams(timeoutMs: number = HOST_TIMEOUT_MS): Promise<Connection> {
  try {
    const started = await within(app.initialize(), timeoutMs);
    if (started === 'timeout') return { inTeams: false, reason: 'noAnswer' };
    const context = await within(app.getContext(), timeoutMs);
    if (context === 'timeout') return { inTeams: false, reason: 'noAnswer' };
    applyTheme(context.value.app.theme);
    app.registerOnThemeChangeHandler((theme) => {
      applyTheme(theme);
    });
    return { inTeams: true, context: context.value };
  } catch {
    // "Initialization Failed. No Parent window found." when the page is opened on its own.
    return { inTeams: false, reason: 'noParent' };
  }
}

/** The Teams SSO token for this app's API (webApplicationInfo in the manifest); Teams caches and renews it. */
export function ssoToken(): Promise<string> {
  return authentication.getAuthToken();
}
