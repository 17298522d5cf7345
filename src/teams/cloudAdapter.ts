import { CloudAdapter, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';
import type { AuthenticateRequestResult } from 'botframework-connector';

/**
 * botbuilder's CloudAdapter, with its turn runner reachable for a request the HTTP edge has already authenticated
 * (src/server/server.ts, through src/teams/endpoint.ts). CloudAdapter.process would authenticate again, answer failures with library messages
 * and 500s, and print each error's stack.
 */
export class WelcomeCloudAdapter extends CloudAdapter {
  /** Runs one turn for an activity whose request botbuilder's own authentication has accepted. */
  processAuthenticated(
    authenticated: AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(authenticated, activity, logic);
  }
}
