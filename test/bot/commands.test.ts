import { parseCommand } from '../../src/bot/commands';

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
