/**
 * Wires a Graph install to what Teams then does: the app becomes installed for the user in the Teams emulator,
 * and Teams posts the personal install events to the bot (installationUpdate 'add', then conversationUpdate with
 * the bot in membersAdded), as after a real POST /users/{id}/teamwork/installedApps.
 */
import { personalBotAdded, personalInstall, postActivity, sceneFrom, type BotResponse } from './activities';
import type { GraphEmulator } from './graphEmulator';
import type { TeamsEmulator } from './teamsEmulator';

/** Options for `connectInstallFlow`. */
export interface InstallFlowOptions {
  graph: GraphEmulator;
  teams: TeamsEmulator;
  /** The bot's full /api/messages URL. */
  botUrl: string;
  /** Bearer token for each post to the bot (e.g. identity.channelToken(appId, teams.serviceUrl)). */
  token?: () => string | undefined;
  /** Which events Teams sends (default both; Teams may send only one of them). */
  events?: 'both' | 'installationUpdate' | 'conversationUpdate';
  /** Receives each bot answer (to assert on statuses). */
  onDelivered?: (response: BotResponse) => void;
}

/** Sets graph's install hook so Graph installs mark the Teams install and post the install events to the bot. */
export function connectInstallFlow(options: InstallFlowOptions): void {
  const { graph, teams, botUrl } = options;
  const events = options.events ?? 'both';
  graph.onInstall(async (user) => {
    const teamsUser = teams.findUser(user.id) ?? teams.findUser(user.userPrincipalName);
    if (!teamsUser) throw new Error(`install flow: ${user.userPrincipalName} is not a Teams emulator user`);
    teams.installApp(teamsUser);
    const scene = sceneFrom(teams);
    const conversationId = teams.personalConversationId(teamsUser);
    const activities = [];
    if (events !== 'conversationUpdate') activities.push(personalInstall(scene, teamsUser, conversationId, 'add'));
    if (events !== 'installationUpdate') activities.push(personalBotAdded(scene, teamsUser, conversationId));
    for (const activity of activities) {
      const token = options.token?.();
      const response = await postActivity(botUrl, activity, token ? { token } : {});
      options.onDelivered?.(response);
    }
  });
}
