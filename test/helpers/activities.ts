/**
 * Factories for the activities Microsoft Teams posts to a bot, built on the captured payloads in
 * test/fixtures/ so each keeps the real field set (ids, tenant in two places, clientInfo entity, channelData).
 * Plus `postActivity`, which delivers one to the bot's /api/messages with the headers Teams adds.
 */
import { randomInt } from 'node:crypto';
import actionSubmitFixture from '../fixtures/action-submit-message.json';
import cardActionFixture from '../fixtures/adaptive-card-action-invoke.json';
import channelMentionFixture from '../fixtures/channel-message-mention.json';
import personalBotAddedFixture from '../fixtures/personal-conversation-update-bot-added.json';
import personalInstallFixture from '../fixtures/personal-installation-update-add.json';
import personalMessageFixture from '../fixtures/personal-message.json';
import teamInstallFixture from '../fixtures/team-installation-update-add.json';
import teamMemberAddedFixture from '../fixtures/team-member-added.json';
import type { Json, JsonObject } from './loopback';

/** Where the activities come from: the emulator's serviceUrl, the bot's app id and name, the tenant. */
export interface TeamsScene {
  serviceUrl: string;
  appId: string;
  tenantId: string;
  botName?: string;
}

/** A person as activities name them. */
export interface ActivityUser {
  /** `29:…` */
  userId: string;
  name: string;
  aadObjectId: string;
}

/** A team as channelData names it. */
export interface ActivityTeam {
  /** Thread id of the General channel, `19:…@thread.tacv2`. */
  id: string;
  name: string;
  aadGroupId: string;
}

/** Names of the fixture files (without .json). */
export type FixtureName =
  | 'personal-installation-update-add'
  | 'personal-conversation-update-bot-added'
  | 'team-installation-update-add'
  | 'team-member-added'
  | 'personal-message'
  | 'channel-message-mention'
  | 'action-submit-message'
  | 'adaptive-card-action-invoke';

const FIXTURES: Record<FixtureName, unknown> = {
  'personal-installation-update-add': personalInstallFixture,
  'personal-conversation-update-bot-added': personalBotAddedFixture,
  'team-installation-update-add': teamInstallFixture,
  'team-member-added': teamMemberAddedFixture,
  'personal-message': personalMessageFixture,
  'channel-message-mention': channelMentionFixture,
  'action-submit-message': actionSubmitFixture,
  'adaptive-card-action-invoke': cardActionFixture,
};

/** A fresh deep copy of a captured payload, exactly as stored. */
export function loadFixture(name: FixtureName): JsonObject {
  return structuredClone(FIXTURES[name]) as JsonObject;
}

/** A scene matching a running Teams emulator (its serviceUrl, app id and tenant). */
export function sceneFrom(teams: { serviceUrl: string; appId: string; tenantId: string }, botName = 'NHSmail Welcome'): TeamsScene {
  return { serviceUrl: teams.serviceUrl, appId: teams.appId, tenantId: teams.tenantId, botName };
}

/** Event ids Teams gives to installationUpdate/conversationUpdate/invoke: "f:" and 19 digits. */
function eventId(): string {
  return `f:${randomInt(1e9, 1e10 - 1)}${randomInt(1e9, 1e10 - 1)}`.slice(0, 21);
}

let lastMessageId = 0;
/** Message ids are epoch milliseconds, unique here. */
function messageId(): string {
  lastMessageId = Math.max(lastMessageId + 1, Date.now());
  return String(lastMessageId);
}

function stamp(a: JsonObject): void {
  const now = new Date();
  a['timestamp'] = now.toISOString();
  if ('localTimestamp' in a) a['localTimestamp'] = now.toISOString().replace('Z', '+00:00');
}

/** Applies scene and sender to a fixture copy: serviceUrl, recipient bot, tenant (both places), from. */
function base(name: FixtureName, scene: TeamsScene, from: ActivityUser | undefined, withName: boolean): JsonObject {
  const a = loadFixture(name);
  const botName = scene.botName ?? 'NHSmail Welcome';
  a['serviceUrl'] = scene.serviceUrl;
  a['recipient'] = { id: `28:${scene.appId}`, name: botName };
  const conversation = a['conversation'] as JsonObject;
  conversation['tenantId'] = scene.tenantId;
  const channelData = a['channelData'] as JsonObject;
  channelData['tenant'] = { id: scene.tenantId };
  if (from) {
    // Install and membership events carry no from.name; messages and invokes do.
    a['from'] = withName ? { id: from.userId, name: from.name, aadObjectId: from.aadObjectId } : { id: from.userId, aadObjectId: from.aadObjectId };
  }
  a['id'] = name.includes('message') && name !== 'action-submit-message' ? messageId() : eventId();
  stamp(a);
  // Mentions of the bot in fixtures name the fixture bot; point them at this scene's bot.
  const entities = a['entities'];
  if (Array.isArray(entities)) {
    for (const e of entities) {
      if (e && typeof e === 'object' && !Array.isArray(e) && e['type'] === 'mention') {
        e['mentioned'] = { id: `28:${scene.appId}`, name: botName };
        e['text'] = `<at>${botName}</at>`;
      }
    }
  }
  return a;
}

/** installationUpdate for the personal scope: 'add' on install, 'add-upgrade' on app update, 'remove' on uninstall. */
export function personalInstall(
  scene: TeamsScene,
  user: ActivityUser,
  conversationId: string,
  action: 'add' | 'add-upgrade' | 'remove' | 'remove-upgrade' = 'add',
): JsonObject {
  const a = base('personal-installation-update-add', scene, user, false);
  a['action'] = action;
  (a['conversation'] as JsonObject)['id'] = conversationId;
  return a;
}

/** conversationUpdate in a 1:1 chat with membersAdded [bot] (or [bot, user] with `withUser`). */
export function personalBotAdded(scene: TeamsScene, user: ActivityUser, conversationId: string, options: { withUser?: boolean } = {}): JsonObject {
  const a = base('personal-conversation-update-bot-added', scene, user, false);
  const members: Json[] = [{ id: `28:${scene.appId}` }];
  if (options.withUser) members.push({ id: user.userId, aadObjectId: user.aadObjectId });
  a['membersAdded'] = members;
  (a['conversation'] as JsonObject)['id'] = conversationId;
  return a;
}

/** installationUpdate when the app is added to (or removed from) a team. */
export function teamInstall(scene: TeamsScene, installer: ActivityUser, team: ActivityTeam, action: 'add' | 'remove' = 'add'): JsonObject {
  const a = base('team-installation-update-add', scene, installer, false);
  a['action'] = action;
  (a['conversation'] as JsonObject)['id'] = team.id;
  const cd = a['channelData'] as JsonObject;
  cd['team'] = { ...team };
  cd['channel'] = { id: team.id };
  cd['settings'] = { selectedChannel: { id: team.id } };
  return a;
}

/** conversationUpdate with eventType teamMemberAdded when the bot is added to a team: membersAdded [bot]. */
export function teamBotAdded(scene: TeamsScene, installer: ActivityUser, team: ActivityTeam): JsonObject {
  const a = base('team-member-added', scene, installer, false);
  a['membersAdded'] = [{ id: `28:${scene.appId}` }];
  (a['conversation'] as JsonObject)['id'] = team.id;
  (a['channelData'] as JsonObject)['team'] = { ...team };
  return a;
}

/** conversationUpdate with eventType teamMemberAdded for a person joining a team where the bot is installed. */
export function teamMemberAdded(scene: TeamsScene, addedBy: ActivityUser, member: ActivityUser, team: ActivityTeam): JsonObject {
  const a = base('team-member-added', scene, addedBy, false);
  a['membersAdded'] = [{ id: member.userId, aadObjectId: member.aadObjectId }];
  (a['conversation'] as JsonObject)['id'] = team.id;
  (a['channelData'] as JsonObject)['team'] = { ...team };
  return a;
}

/** A text message in the 1:1 chat. */
export function personalMessage(scene: TeamsScene, user: ActivityUser, conversationId: string, text: string): JsonObject {
  const a = base('personal-message', scene, user, true);
  a['text'] = text;
  a['attachments'] = [{ contentType: 'text/html', content: `<p>${text}</p>` }];
  (a['conversation'] as JsonObject)['id'] = conversationId;
  return a;
}

/** A channel message that @mentions the bot: text "<at>Bot</at> …" and a mention entity. */
export function channelMention(scene: TeamsScene, user: ActivityUser, team: ActivityTeam, text: string, channelId: string = team.id): JsonObject {
  const a = base('channel-message-mention', scene, user, true);
  const botName = scene.botName ?? 'NHSmail Welcome';
  a['text'] = `<at>${botName}</at> ${text}`;
  a['attachments'] = [
    {
      contentType: 'text/html',
      content: `<div><div><span itemtype="http://schema.skype.com/Mention" itemscope="" itemid="0">${botName}</span> ${text}</div></div>`,
    },
  ];
  (a['conversation'] as JsonObject)['id'] = `${channelId};messageid=${String(a['id'])}`;
  const cd = a['channelData'] as JsonObject;
  cd['teamsChannelId'] = channelId;
  cd['teamsTeamId'] = team.id;
  cd['channel'] = { id: channelId };
  cd['team'] = { id: team.id };
  return a;
}

/** A group chat message that @mentions the bot (conversationType groupChat, no team/channel). */
export function groupChatMention(scene: TeamsScene, user: ActivityUser, chatId: string, text: string): JsonObject {
  const a = base('channel-message-mention', scene, user, true);
  const botName = scene.botName ?? 'NHSmail Welcome';
  a['text'] = `<at>${botName}</at> ${text}`;
  a['attachments'] = [
    { contentType: 'text/html', content: `<p><span itemtype="http://schema.skype.com/Mention" itemscope="" itemid="0">${botName}</span> ${text}</p>` },
  ];
  a['conversation'] = { isGroup: true, conversationType: 'groupChat', tenantId: scene.tenantId, id: chatId };
  a['channelData'] = { tenant: { id: scene.tenantId } };
  return a;
}

/** The message an Action.Submit produces: no text, `value` = card data merged with inputs, replyToId = the card. */
export function actionSubmit(
  scene: TeamsScene,
  user: ActivityUser,
  conversationId: string,
  value: JsonObject,
  options: { replyToId?: string; text?: string } = {},
): JsonObject {
  const a = base('action-submit-message', scene, user, true);
  a['value'] = value;
  if (options.text !== undefined) a['text'] = options.text;
  if (options.replyToId) a['replyToId'] = options.replyToId;
  (a['conversation'] as JsonObject)['id'] = conversationId;
  return a;
}

/** The `adaptiveCard/action` invoke of an Action.Execute (trigger 'automatic' for a refresh). */
export function adaptiveCardAction(
  scene: TeamsScene,
  user: ActivityUser,
  conversationId: string,
  action: { verb: string; data?: JsonObject; id?: string; title?: string },
  options: { trigger?: 'manual' | 'automatic'; replyToId?: string } = {},
): JsonObject {
  const a = base('adaptive-card-action-invoke', scene, user, true);
  const act: JsonObject = { type: 'Action.Execute', title: action.title ?? action.verb, verb: action.verb, data: action.data ?? {} };
  if (action.id) act['id'] = action.id;
  a['value'] = { action: act, trigger: options.trigger ?? 'manual' };
  if (options.replyToId) a['replyToId'] = options.replyToId;
  (a['conversation'] as JsonObject)['id'] = conversationId;
  return a;
}

/** What the bot answered: status and body (parsed when JSON, else text, undefined when empty). */
export interface BotResponse {
  status: number;
  body: Json | string | undefined;
  headers: Record<string, string>;
}

/**
 * POSTs an activity to the bot (`botUrl` is the full /api/messages URL) as Teams does: JSON body,
 * `Authorization: Bearer <token>` when given, and the x-ms-conversation-id / x-ms-tenant-id headers.
 */
export async function postActivity(
  botUrl: string,
  activity: JsonObject,
  options: { token?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<BotResponse> {
  const conversation = activity['conversation'];
  const conv = conversation && typeof conversation === 'object' && !Array.isArray(conversation) ? conversation : {};
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'x-ms-conversation-id': typeof conv['id'] === 'string' ? conv['id'] : '',
    'x-ms-tenant-id': typeof conv['tenantId'] === 'string' ? conv['tenantId'] : '',
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...(options.headers ?? {}),
  };
  const res = await fetch(botUrl, { method: 'POST', headers, body: JSON.stringify(activity), ...(options.signal ? { signal: options.signal } : {}) });
  const text = await res.text();
  let body: Json | string | undefined;
  if (text.length === 0) body = undefined;
  else if ((res.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text) as Json;
    } catch {
      body = text;
    }
  } else body = text;
  const outHeaders: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    outHeaders[k] = v;
  });
  return { status: res.status, body, headers: outHeaders };
}
