import { join } from 'node:path';
import { CardRenderer } from '../../src/cards/render';
import { loadContent } from '../../src/content/load';
import { IntentAnswerer } from '../../src/intents/answerer';
import { buttons, cardText } from '../helpers/cardText';

const content = loadContent(join(__dirname, '..', '..', 'cards'));
const answerer = new IntentAnswerer(content.intents, new CardRenderer(content.templates));
const cardFor = (question: string) => answerer.cardFor(answerer.matcher.match(question), undefined);

describe('account inactivity', () => {
  it('answers with the facts: activity within 30 days, deletion after 60 or more', () => {
    expect(answerer.reply('will my account be deleted if I do not use it').intent).toBe('account-inactivity');
    const text = answerer.reply('how long can my nhsmail account be inactive').text;
    expect(text).toContain('at least once every 30 days');
    expect(text).toContain('60 days or more can be deleted');
  });
});

describe('setting up NHSmail on a phone', () => {
  it('points honestly to the Support Site, without a guide the facts do not have', () => {
    expect(answerer.reply('how do I set up nhsmail on my iphone').intent).toBe('phone-setup');
    const answer = content.intents.answers.get('phone-setup');
    expect(answer?.lines.join(' ')).toContain('I do not have a checked guide for phones and tablets. Search the NHSmail Support Site');
    expect(answer?.links.map((l) => l.url).every((u) => u.startsWith('https://support.nhs.net/'))).toBe(true);
  });

  it('still answers a lost phone with MFA and a mobile number with the mobile number card', () => {
    expect(answerer.reply('lost my phone, how do I do MFA now').intent).toBe('mfa');
    expect(answerer.reply('my mobile number is wrong on nhsmail').intent).toBe('mobile-number');
  });
});

describe('questions that are not about NHSmail', () => {
  it('says the bot only helps with NHSmail and sends the rest to a manager or local IT, not the national helpdesk', () => {
    const card = cardFor('what is on the canteen menu today');
    const text = cardText(card);
    expect(text).toContain('I can only help with NHSmail');
    expect(text).toContain('For anything else, ask your manager or your local IT.');
    expect(text).not.toContain('0333 200 1133');
    expect(buttons(card).map((b) => b.title)).toEqual(['What I can do']);
    expect(answerer.reply('where is the canteen')).toMatchObject({ intent: undefined, match: { kind: 'fallback', offTopic: true } });
  });

  it('keeps the helpdesk and the Local Administrator for an NHSmail question it cannot answer', () => {
    const match = answerer.matcher.match('a question about my mailbox');
    expect(match).toMatchObject({ kind: 'fallback', offTopic: false });
    const card = answerer.cardFor(match, undefined);
    expect(cardText(card)).toContain('0333 200 1133');
    expect(buttons(card).map((b) => b.title)).toEqual(['Find my Local Administrator', 'Contact the helpdesk', 'What I can do']);
  });
});
