import { BOT_COMMANDS, commandsForScope, type BotScope } from '../../src/manifest/commands';
import { advertisedCommandTitles, buildManifest } from '../../src/manifest/buildManifest';
import { parseManifestSettings } from '../../src/manifest/settings';
import { DEFAULT_VERSION, deploymentEnv } from './settingsFixture';

const manifest = buildManifest(parseManifestSettings(deploymentEnv(), { defaultVersion: DEFAULT_VERSION }));

function advertisedIn(scope: BotScope): string[] {
  return (manifest.bots[0]?.commandLists ?? []).filter((list) => list.scopes.includes(scope)).flatMap((list) => list.commands.map((command) => command.title));
}

describe('the commands Teams suggests', () => {
  it('are exactly the commands the bot exports as data (BOT_COMMANDS), so none is unknown to it', () => {
    expect([...advertisedCommandTitles(manifest)].sort()).toEqual(BOT_COMMANDS.map((c) => c.title).sort());
  });

  it('offer the learner and Local Administrator commands in personal chat', () => {
    expect(advertisedIn('personal')).toEqual(['help', 'continue', 'progress', 'restart', 'forget me', 'welcome', 'status']);
  });

  it('offer only help in teams and group chats', () => {
    expect(advertisedIn('team')).toEqual(['help']);
    expect(advertisedIn('groupChat')).toEqual(['help']);
  });

  it('keep Local Administrator commands out of shared conversations', () => {
    for (const command of BOT_COMMANDS.filter((c) => c.audience === 'localAdministrator')) {
      expect(command.scopes).toEqual(['personal']);
    }
  });

  it('explain how to push a welcome, with an example the bot must accept', () => {
    const welcome = BOT_COMMANDS.find((c) => c.id === 'welcome');
    expect(welcome?.description).toContain('welcome jane.doe@nhs.net: send the welcome journey to new starters');
    expect(welcome?.argument?.example.startsWith(`${welcome.title} `)).toBe(true);
  });

  it('have unique lower-case titles that a user can type as they are', () => {
    const titles = BOT_COMMANDS.map((c) => c.title);
    expect(new Set(titles).size).toBe(titles.length);
    for (const title of titles) expect(title).toMatch(/^[a-z]+( [a-z]+)*$/);
    expect(new Set(BOT_COMMANDS.map((c) => c.id)).size).toBe(BOT_COMMANDS.length);
  });

  it('fit in Teams’ limit of 12 commands per list', () => {
    for (const scope of ['personal', 'team', 'groupChat'] as const) expect(commandsForScope(scope).length).toBeLessThanOrEqual(12);
  });
});
