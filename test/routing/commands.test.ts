import { join } from 'node:path';
import { CardRenderer } from '../../src/cards/render';
import { JourneyCards } from '../../src/cards/views';
import { loadContent } from '../../src/content/load';
import { COMMANDS, helpLines, parseCommand } from '../../src/routing/commands';
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

describe('the one command list', () => {
  const content = loadContent(join(__dirname, '..', '..', 'cards'));
  const cards = new JourneyCards(content, new CardRenderer(content.templates));
  /** The command lines of a help card: each FactSet fact's title. */
  const helpTitles = (la: boolean): string[] =>
    JSON.stringify(cards.help({ la }))
      .match(/"title":"[^"]*","value"/g)!
      .map((m) => JSON.parse(`{${m.slice(0, -8)}}`).title as string);

  it.each(COMMANDS.flatMap((c) => c.words.map((w) => [w, c.kind] as const)))('reads %p as %p', (word, kind) => {
    expect(parseCommand(word).kind).toBe(kind);
  });

  it('gives the help card a line for each command it lists, and every command named there is one the bot understands', () => {
    const starter = helpTitles(false);
    expect(starter).toEqual(helpLines('everyone').map((l) => l.title));
    for (const title of starter) expect({ title, kind: parseCommand(title).kind }).not.toEqual({ title, kind: 'question' });
    const la = helpTitles(true);
    for (const line of helpLines('la')) expect(la).toContain(line.title);
    for (const title of la.filter((t) => t === t.toLowerCase())) expect({ title, kind: parseCommand(title).kind }).not.toEqual({ title, kind: 'question' });
  });

  it('advertises in Teams exactly the commands with a menu entry, under their first word', () => {
    expect(BOT_COMMANDS.map((c) => c.title)).toEqual(COMMANDS.filter((c) => c.menu).map((c) => c.words[0]));
  });
});
