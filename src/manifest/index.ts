/** The Teams app package: commands as data, packaging settings and the pure manifest builder. */
export { BOT_COMMANDS, commandsForScope } from './commands';
export type { BotCommand, BotCommandId, BotScope, CommandAudience } from './commands';
export {
  MANIFEST_SETTINGS,
  SAMPLE_SETTINGS,
  ManifestSettingsError,
  isManifestSettingsError,
  parseManifestSettings,
} from './settings';
export type {
  ManifestSettingIssue,
  ManifestSettingName,
  ManifestSettings,
  ParseManifestSettingsOptions,
} from './settings';
export {
  ICON_FILES,
  MANIFEST_SCHEMA_URL,
  MANIFEST_VERSION,
  TABS,
  advertisedCommandTitles,
  buildManifest,
} from './buildManifest';
export type { TabDefinition, TeamsAppManifest } from './buildManifest';
