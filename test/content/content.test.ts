import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentError } from '../../src/content/errors';
import { loadContent } from '../../src/content/load';
import { ALLOWED_LINK_HOSTS } from '../../src/content/schema';
import { allActions } from '../../src/journey/journey';

/** A copy of cards/ with one file changed, to see how a broken file is reported. */
function brokenCopy(file: string, change: (json: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'content-'));
  cpSync('cards', dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
  change(json);
  writeFileSync(join(dir, file), JSON.stringify(json));
  return dir;
}

function loadError(dir: string): ContentError {
  try {
    loadContent(dir);
  } catch (error) {
    if (error instanceof ContentError) return error;
    throw error;
  }
  throw new Error('content loaded although it is broken');
}

describe('content as data', () => {
  const content = loadContent('cards');
  const seed = readFileSync('docs/sources/welcome-email.txt', 'utf8');

  it('has every section of the seed email as a step, in order', () => {
    expect(content.journey.steps.map((s) => s.id)).toEqual([
      'introduction',
      'getting-started',
      'complete-these',
      'security',
      'local-administrators',
      'nas-users',
      'getting-help',
      'learning-more',
    ]);
    const counts = Object.fromEntries(content.journey.steps.map((s) => [s.id, s.actions.length]));
    // The seed ticks 7 getting-started items, 2 "complete the following" items and 8 security items.
    expect(counts).toMatchObject({ 'getting-started': 7, 'complete-these': 2, security: 8, 'local-administrators': 1 });
  });

  it("has each of the seed's actions as an action, in its order, titled by what the seed asks", () => {
    // [step, action, words of the seed's item, what the action's title must say]
    const seedActions: [string, string, string, RegExp][] = [
      ['getting-started', 'training-guidance', 'getting started and training', /training/i],
      ['getting-started', 'service-status', 'service status pages', /service status/i],
      ['getting-started', 'profile-details', 'contact details', /profile details/i],
      ['getting-started', 'uk-mobile-number', 'record a UK mobile number', /UK mobile number/],
      ['getting-started', 'sspr-registration', 'Register at least one authentication method', /password reset/i],
      ['getting-started', 'transparency', 'Transparency and Fair Processing', /Transparency and Fair Processing/],
      ['getting-started', 'teams-getting-started', 'Teams area', /Teams/],
      ['complete-these', 'account-secret', 'set a user account secret', /user account secret/i],
      ['complete-these', 'mailbox-quota', 'allocated quota', /mailbox quota/i],
      ['security', 'never-reveal-password', 'you should never reveal it', /never reveal your password/i],
      ['security', 'mfa', 'Multi-Factor Authentication (MFA)', /multi-factor authentication/i],
      ['security', 'suspicious-emails', 'unknown senders', /emails from people you do not know/i],
      ['security', 'never-reveal-secret', 'individual characters of your user account secret', /never reveal your user account secret/i],
      ['security', 'right-recipient', 'emailing the correct person', /emailing the right person/i],
      ['security', 'compromised-account', 'restricting service or applying authentication controls', /compromised/i],
      ['security', 'local-governance', 'clinical safety and information governance', /clinical safety and information governance/i],
      ['security', 'encryption', 'NHSmail encryption service', /encryption/i],
      ['local-administrators', 'find-la', 'Local Administrator', /Local Administrators/],
    ];
    const actions = content.journey.steps.flatMap((s) => s.actions.map((a) => ({ step: s.id, id: a.id, title: a.title })));
    expect(actions.map((a) => [a.step, a.id])).toEqual(seedActions.map(([step, id]) => [step, id]));
    for (const [, id, seedWords, titleSays] of seedActions) {
      expect({ id, inSeed: seed.includes(seedWords) }).toEqual({ id, inSeed: true });
      expect({ id, title: actions.find((a) => a.id === id)?.title }).toEqual({ id, title: expect.stringMatching(titleSays) });
    }
  });

  it('marks exactly the three must-do actions of the seed', () => {
    expect(
      allActions(content.journey)
        .filter((a) => a.mustDo)
        .map((a) => a.id)
        .sort(),
    ).toEqual(['account-secret', 'sspr-registration', 'uk-mobile-number']);
  });

  it('gives the helpdesk number and address exactly as the seed does', () => {
    const help = content.journey.steps.find((s) => s.id === 'getting-help');
    const text = help?.paragraphs.join(' ') ?? '';
    expect(text).toContain('0333 200 1133');
    expect(text).toContain('helpdesk@nhs.net');
    expect(seed).toContain('0333 200 1133');
    expect(seed).toContain('helpdesk@nhs.net');
  });

  it('resolves every {token} so no brace reaches a card', () => {
    const all = JSON.stringify(content.journey) + JSON.stringify(content.notices);
    expect(all).not.toMatch(/\{[a-zA-Z]+\}/);
  });

  it('links only https pages on the allow-list, and unverified pages only to the knowledge base', () => {
    const links = JSON.parse(readFileSync('cards/links.json', 'utf8')) as {
      links: Record<string, { url: string; verified: boolean }>;
    };
    for (const [id, link] of Object.entries(links.links)) {
      const url = new URL(link.url);
      expect({ id, protocol: url.protocol }).toEqual({ id, protocol: 'https:' });
      expect(ALLOWED_LINK_HOSTS).toContain(url.hostname);
      if (!link.verified) expect({ id, url: link.url }).toEqual({ id, url: 'https://support.nhs.net/knowledge-base/' });
    }
  });

  it('never links the copycat mirror of the support site', () => {
    expect(readFileSync('cards/links.json', 'utf8')).not.toContain('ixgpkh');
  });

  it('uses the configured service name everywhere (the service may be branded NHS.net Connect)', () => {
    const branded = loadContent('cards', { serviceName: 'NHS.net Connect' });
    expect(branded.journey.steps[0]?.title).toBe('Welcome to NHS.net Connect');
    expect(JSON.stringify(branded.journey)).not.toContain('NHSmail');
    // Every word the chat's cards take from content: the journey, answers, notices, reminders, links' titles.
    const said = (value: unknown, path: string, out: string[]): string[] => {
      if (typeof value === 'string') {
        if (value.includes('NHSmail')) out.push(`${path}: ${value.slice(0, 80)}`);
      } else if (value instanceof Map) for (const [k, v] of value) said(v, `${path}.${String(k)}`, out);
      else if (Array.isArray(value)) value.forEach((v, i) => said(v, `${path}[${i}]`, out));
      else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) said(v, `${path}.${k}`, out);
      return out;
    };
    expect(said(branded, 'content', [])).toEqual([]);
  });

  it('lets configuration override a link, and refuses an override for a link that does not exist', () => {
    const overridden = loadContent('cards', { linkOverrides: { serviceStatus: 'https://support.nhs.net/service-status/' } });
    expect(overridden.links.serviceStatus?.url).toBe('https://support.nhs.net/service-status/');
    expect(() => loadContent('cards', { linkOverrides: { nope: 'https://x.nhs.uk/' } })).toThrow(/LINK_OVERRIDES at nope: unknown link id/);
  });

  it('rejects a broken journey naming the file, the path and the fault', () => {
    const dir = brokenCopy('journey.json', (j) => {
      const steps = j.steps as { actions: { title: string }[] }[];
      (steps[1]?.actions[0] as { title: string }).title = '';
    });
    const error = loadError(dir);
    expect(error.file).toBe('journey.json');
    expect(error.path).toBe('steps[1].actions[0].title');
    expect(error.fault).toMatch(/must not be empty/);
  });

  it('rejects a link id that links.json does not define', () => {
    const dir = brokenCopy('journey.json', (j) => {
      const steps = j.steps as { actions: { links: string[] }[] }[];
      (steps[2]?.actions[0] as { links: string[] }).links = ['accountSecrett'];
    });
    expect(loadError(dir).message).toBe('journey.json at steps[2].actions[0].links[0]: unknown link id "accountSecrett" (not in links.json)');
  });

  it('rejects duplicate action ids, which would merge two users’ ticks', () => {
    const dir = brokenCopy('journey.json', (j) => {
      const steps = j.steps as { actions: { id: string }[] }[];
      (steps[3]?.actions[1] as { id: string }).id = 'never-reveal-password';
    });
    expect(loadError(dir).fault).toBe('duplicate action id "never-reveal-password"');
  });

  it('refuses a feedback button name that does not say what it is about, or is too long for a phone', () => {
    const unnamed = loadError(
      brokenCopy('copy.json', (j) => {
        (j.feedback as Record<string, string>).helpful = 'Helpful';
      }),
    );
    expect([unnamed.file, unnamed.path, unnamed.fault]).toEqual(['copy.json', 'feedback.helpful', 'must contain {subject}']);
    const long = loadError(
      brokenCopy('copy.json', (j) => {
        (j.feedback as Record<string, string>).notHelpful = 'This was not helpful to me at all: {subject}';
      }),
    );
    expect(long.path).toBe('feedback.notHelpful');
  });

  it('rejects an unknown token, a non-https link and invalid JSON', () => {
    expect(
      loadError(
        brokenCopy('copy.json', (j) => {
          (j.notices as Record<string, { lines: string[] }>).slowDown = {
            lines: ['Call {helpdeskFax}'],
            title: 't',
            offerContinue: false,
            offerChecklist: false,
            offerHelp: false,
          } as never;
        }),
      ).fault,
    ).toBe('unknown token {helpdeskFax}');
    expect(
      loadError(
        brokenCopy('links.json', (j) => {
          (j.links as Record<string, { url: string }>).portal!.url = 'http://portal.nhs.net/';
        }),
      ).path,
    ).toBe('links.portal.url');
    const dir = brokenCopy('service.json', () => undefined);
    writeFileSync(join(dir, 'service.json'), '{ "serviceName": ');
    expect(loadError(dir).fault).toMatch(/not valid JSON/);
  });
});
