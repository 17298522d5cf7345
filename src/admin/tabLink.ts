import type { StarterFilter } from './intake';

/**
 * A Teams deep link that opens the New starters tab (entityId "starters") with a filter, for the chat's "Export as
 * CSV" button: the tab downloads the CSV with the LA's own Teams sign-in. Format from Microsoft's "Deep link to an
 * application" page: https://teams.microsoft.com/l/entity/<appId>/<entityId>?context={"subEntityId": …}; the tab
 * reads it as app.Context page.subPageId. appId is the app's id in the organisation's catalogue (the manifest id
 * for an app uploaded directly).
 */
export function startersTabLink(appId: string | undefined, filter: StarterFilter): string | undefined {
  if (!appId) return undefined;
  const sub = new URLSearchParams({
    ...(filter.pushId ? { push: filter.pushId } : {}),
    ...(filter.progress ? { progress: filter.progress } : {}),
    export: 'csv',
  });
  const context = JSON.stringify({ subEntityId: sub.toString() });
  return `https://teams.microsoft.com/l/entity/${encodeURIComponent(appId)}/starters?context=${encodeURIComponent(context)}`;
}
