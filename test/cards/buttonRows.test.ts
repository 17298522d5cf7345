import { actionButtons, buttonRows, linkRows } from '../../src/cards/views';

const b = (title: string) => ({ title });
const link = (title: string, url = `https://support.nhs.net/${title.replace(/\W/g, '')}`) => ({ id: title.replace(/\W/g, '').toLowerCase(), title, url });

describe('buttons laid out in rows Teams shows whole', () => {
  it('keeps short buttons on one row, in order, at most five', () => {
    const rows = buttonRows(['A', 'B', 'C', 'D', 'E', 'F'].map(b));
    expect(rows.map((r) => r.map((x) => x.title).join(''))).toEqual(['ABCDE', 'F']);
  });

  it('starts a new row before titles would be cut short', () => {
    const rows = buttonRows(['Self-service password reset guide', 'Register a method', 'Multi-factor authentication (MFA)'].map(b));
    expect(rows.map((r) => r.map((x) => x.title))).toEqual([
      ['Self-service password reset guide', 'Register a method'],
      ['Multi-factor authentication (MFA)'],
    ]);
  });

  it('gives a title longer than a row a row of its own', () => {
    const long = 'A very long link title that no row could hold beside anything else at all';
    expect(buttonRows([b('Short'), b(long), b('Next')]).map((r) => r.length)).toEqual([1, 1, 1]);
  });

  it('drops a second link to the same page', () => {
    expect(linkRows([link('Portal', 'https://portal.nhs.net/'), link('Open the Portal', 'https://portal.nhs.net/')])).toEqual([
      { links: [link('Portal', 'https://portal.nhs.net/')] },
    ]);
  });

  it('puts "Mark as done" beside an action\'s links when it fits, and on its own row when it does not', () => {
    expect(actionButtons([link('Service status')])).toEqual({ linkRows: [], rowLinks: [link('Service status')] });
    const crowded = actionButtons([link('Register a method'), link('Self-service password reset guide')]);
    expect(crowded.rowLinks).toEqual([]);
    expect(crowded.linkRows.map((r) => r.links.map((l) => l.title))).toEqual([['Register a method', 'Self-service password reset guide']]);
  });
});
