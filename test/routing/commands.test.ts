import { parseCommand } from '../../src/routing/commands';
import { BOT_COMMANDS } from '../../src/manifest/commands';

describe('typed commands', () => {
  it.each([
    ['help', 'help'],
    ['HELP', 'help'],
    ['  Continue. ', 'continue'],
    ['progress', 'progress'],
    ['Start', 'start'],
    ['restart', 'restart'],
    ['Forget me', 'forget'],
    ['forget   me!', 'forget'],
  ])('reads %p as %p', (text, kind) => {
    expect(parseCommand(text).kind).toBe(kind);
  });

  it('treats a sentence that merely contains a command word as a question', () => {
    expect(parseCommand('I need help resetting my password')).toEqual({ kind: 'question', text: 'I need help resetting my password' });
    expect(parseCommand('how do I continue my training')).toMatchObject({ kind: 'question' });
  });
});

describe('the commands Teams advertises (the manifest’s command lists)', () => {
  const expected: Record<string, string> = {
    help: 'help',
    continue: 'continue',
    progress: 'progress',
    restart: 'restart',
    forget: 'forget',
    welcome: 'laHome',
    status: 'status',
  };

  it.each(BOT_COMMANDS.map((c) => [c.title, c.id] as const))('understands %p', (title, id) => {
    expect(parseCommand(title).kind).toBe(expected[id]);
  });

  it.each(BOT_COMMANDS.filter((c) => c.argument).map((c) => [c.argument!.example] as const))('understands the example %p', (example) => {
    expect(parseCommand(example)).toEqual({ kind: 'push', addresses: 'jane.doe@nhs.net' });
  });

  it('reads a pasted multi-line list after "welcome" as one push', () => {
    expect(parseCommand('welcome jane.doe@nhs.net\nsam.smith@nhs.net')).toEqual({ kind: 'push', addresses: 'jane.doe@nhs.net\nsam.smith@nhs.net' });
  });
});
