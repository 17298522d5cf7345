import { commandsForScope, type BotCommand, type BotScope } from './commands';
import type { ManifestSettings } from './settings';

/**
 * Builds the Teams app manifest from validated settings: a pure function, so the test validates
 * exactly what `npm run package` writes.
 */

/** The manifest schema version: the newest numbered (non-preview) schema that @microsoft/app-manifest bundles. */
export const MANIFEST_VERSION = '1.30';

/** The `$schema` address Teams tooling expects for MANIFEST_VERSION. */
export const MANIFEST_SCHEMA_URL = `https://developer.microsoft.com/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`;

/** File names of the icons at the root of the package. */
export const ICON_FILES = Object.freeze({ color: 'color.png', outline: 'outline.png' } as const);

/** A personal tab the app pins, served by the bot's own server. */
export interface TabDefinition {
  readonly entityId: 'checklist' | 'starters';
  readonly name: string;
  /** Path on PUBLIC_HOSTNAME; the tabs are served by the same server as /api/messages. */
  readonly path: string;
}

/** The two static tabs, in the order Teams shows them after the chat. */
export const TABS: readonly TabDefinition[] = Object.freeze([
  { entityId: 'checklist', name: 'My welcome checklist', path: '/tabs/checklist.html' },
  { entityId: 'starters', name: 'New starters', path: '/tabs/starters.html' },
] satisfies readonly TabDefinition[]);

/** The subset of the Teams manifest this app uses (the schema test checks the whole of it). */
export interface TeamsAppManifest {
  readonly $schema: string;
  readonly manifestVersion: string;
  readonly version: string;
  readonly id: string;
  readonly developer: {
    readonly name: string;
    readonly websiteUrl: string;
    readonly privacyUrl: string;
    readonly termsOfUseUrl: string;
  };
  readonly name: { readonly short: string; readonly full: string };
  readonly description: { readonly short: string; readonly full: string };
  readonly icons: { readonly color: string; readonly outline: string };
  readonly accentColor: string;
  readonly bots: readonly {
    readonly botId: string;
    readonly scopes: readonly BotScope[];
    readonly supportsFiles: boolean;
    readonly isNotificationOnly: boolean;
    readonly commandLists: readonly {
      readonly scopes: readonly BotScope[];
      readonly commands: readonly { readonly title: string; readonly description: string }[];
    }[];
  }[];
  readonly staticTabs: readonly {
    readonly entityId: string;
    readonly scopes: readonly ['personal'];
    readonly name?: string;
    readonly contentUrl?: string;
  }[];
  readonly validDomains: readonly string[];
  readonly webApplicationInfo: { readonly id: string; readonly resource: string };
}

const DESCRIPTION_SHORT = 'Walks new NHSmail users through their welcome email, step by step.';

function fullDescription(settings: ManifestSettings): string {
  const parts = [
    `${settings.nameShort} takes people who are new to NHSmail through the welcome email one step at a time, in a Teams chat:`,
    'setting an account secret, getting ready for self-service password reset, recording a UK mobile number,',
    'security guidance, finding their Local Administrators and getting help.',
    'The "My welcome checklist" tab shows what is done and what is left; ticking an action there counts in the chat too.',
    'Local Administrators can send the welcome to their new starters and follow their progress in the "New starters" tab.',
  ];
  if (!settings.officialNhsEnglandApp) {
    parts.push(`This app is not an official NHS England product; it is provided by ${settings.developerName}.`);
  }
  return parts.join(' ');
}

function commandList(scopes: readonly BotScope[], commands: readonly BotCommand[]) {
  return {
    scopes,
    commands: commands.map((command) => ({ title: command.title, description: command.description })),
  };
}

/** Builds the manifest for one deployment. */
export function buildManifest(settings: ManifestSettings): TeamsAppManifest {
  const origin = `https://${settings.hostname}`;
  // Teams wants one command list per scope; team and group chats share theirs (help only).
  const groupCommands = commandsForScope('team');
  const sameInGroupChat =
    commandsForScope('groupChat')
      .map((c) => c.id)
      .join() === groupCommands.map((c) => c.id).join();
  const commandLists = [
    commandList(['personal'], commandsForScope('personal')),
    ...(sameInGroupChat
      ? [commandList(['team', 'groupChat'], groupCommands)]
      : [commandList(['team'], groupCommands), commandList(['groupChat'], commandsForScope('groupChat'))]),
  ].filter((list) => list.commands.length > 0);

  const botScopes: BotScope[] = ['personal', 'team', 'groupChat'];
  return {
    $schema: MANIFEST_SCHEMA_URL,
    manifestVersion: MANIFEST_VERSION,
    version: settings.version,
    id: settings.teamsAppId,
    developer: {
      name: settings.developerName,
      websiteUrl: settings.developerWebsiteUrl,
      privacyUrl: settings.privacyUrl,
      termsOfUseUrl: settings.termsUrl,
    },
    name: { short: settings.nameShort, full: settings.nameFull },
    description: { short: DESCRIPTION_SHORT, full: fullDescription(settings) },
    icons: { color: ICON_FILES.color, outline: ICON_FILES.outline },
    accentColor: settings.accentColor,
    bots: [
      {
        botId: settings.botId,
        scopes: botScopes,
        supportsFiles: false,
        isNotificationOnly: false,
        commandLists,
      },
    ],
    // "conversations" and "about" are reserved entity ids: listing the chat first keeps the bot as
    // the personal app's landing page, and the About tab last, where Teams puts it anyway.
    staticTabs: [
      { entityId: 'conversations', scopes: ['personal'] },
      ...TABS.map((tab) => ({
        entityId: tab.entityId,
        name: tab.name,
        contentUrl: `${origin}${tab.path}`,
        scopes: ['personal'] as const,
      })),
      { entityId: 'about', scopes: ['personal'] },
    ],
    validDomains: [settings.hostname],
    webApplicationInfo: {
      id: settings.ssoAppId,
      resource: `api://${settings.hostname}/${settings.ssoAppId}`,
    },
  };
}

/** Every command title the manifest advertises, in any scope (for tests of the bot's parser). */
export function advertisedCommandTitles(manifest: TeamsAppManifest): readonly string[] {
  const titles = new Set<string>();
  for (const bot of manifest.bots) {
    for (const list of bot.commandLists) for (const command of list.commands) titles.add(command.title);
  }
  return [...titles];
}
