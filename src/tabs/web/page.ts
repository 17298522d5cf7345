/** What both tabs do first: connect to Teams (or say the page is outside it) and turn failures into messages. */
import type { app } from '@microsoft/teams-js';
import copyJson from '../../../cards/tabs.json';
import type { TabCopy } from '../tabCopy';
import { SignInError, type ApiResponse } from './api';
import { alertText, byId, showMessage } from './dom';
import { connectToTeams } from './teams';

/** cards/tabs.json, checked against its schema when the tabs are built. */
export const copy: TabCopy = copyJson;

/** Runs a tab: in Teams, `run` loads and renders it; outside Teams, the page says so. */
export async function startPage(run: (context: app.Context) => Promise<void>): Promise<void> {
  const connection = await connectToTeams();
  if (!connection.inTeams) {
    document.documentElement.dataset['host'] = 'none';
    showMessage(copy.common.outsideTeams);
    return;
  }
  document.documentElement.dataset['host'] = 'teams';
  const attempt = async (): Promise<void> => {
    try {
      await run(connection.context);
    } catch (error) {
      showFailure(error, attempt);
    }
  };
  await attempt();
}

/** An API answer the page has no special words for: sign-in (401), not configured (503) or anything else. */
export function showApiFailure(res: ApiResponse, retry: () => void): void {
  if (res.status === 401) showMessage(copy.common.signInFailed, {}, { label: copy.common.retry, run: retry });
  else if (res.status === 503) showMessage(copy.common.notConfigured);
  else showMessage(copy.common.serverError, {}, { label: copy.common.retry, run: retry });
}

/** No token from Teams, or no answer from the server at all. */
export function showFailure(error: unknown, retry: () => void): void {
  alertText('');
  if (error instanceof SignInError) showMessage(copy.common.signInFailed, {}, { label: copy.common.retry, run: retry });
  else showMessage(copy.common.serverError, {}, { label: copy.common.retry, run: retry });
}

/** Marks the page as loaded (aria-busy off) once its content is in place. */
export function loaded(): void {
  byId('main').setAttribute('aria-busy', 'false');
}
