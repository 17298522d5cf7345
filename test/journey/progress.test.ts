import { loadContent } from '../../src/content/load';
import { allActions } from '../../src/journey/journey';
import { acknowledge, moveTo, nextStepId, previousStepId, startProgress, summarise, unacknowledge } from '../../src/journey/progress';

const { journey } = loadContent('cards');
const t0 = new Date('2026-11-24T09:00:00Z');
const later = new Date('2026-11-25T10:30:00Z');

describe('progress through the welcome journey', () => {
  it('starts at the first step with nothing done and counts every action of the seed', () => {
    const p = startProgress(journey, { kind: 'self' }, t0);
    const s = summarise(p, journey);
    expect(p.stepId).toBe('introduction');
    expect(s).toMatchObject({ done: 0, total: 18, mustDoDone: 0, mustDoTotal: 3, complete: false });
  });

  it('lists outstanding must-do actions first: account secret, password reset registration, UK mobile number', () => {
    const s = summarise(startProgress(journey, { kind: 'self' }, t0), journey);
    expect(
      s.outstanding
        .slice(0, 3)
        .map((a) => a.id)
        .sort(),
    ).toEqual(['account-secret', 'sspr-registration', 'uk-mobile-number']);
    expect(s.outstanding.slice(3).every((a) => !a.mustDo)).toBe(true);
  });

  it('records when an action was acknowledged and keeps the first time when acknowledged again', () => {
    let p = startProgress(journey, { kind: 'self' }, t0);
    p = acknowledge(p, journey, 'account-secret', t0);
    p = acknowledge(p, journey, 'account-secret', later);
    expect(p.acknowledged['account-secret']).toBe(t0.toISOString());
    expect(summarise(p, journey)).toMatchObject({ done: 1, mustDoDone: 1 });
  });

  it('undoes an acknowledgement', () => {
    let p = acknowledge(startProgress(journey, { kind: 'self' }, t0), journey, 'mfa', t0);
    p = unacknowledge(p, journey, 'mfa', later);
    expect(p.acknowledged.mfa).toBeUndefined();
    expect(summarise(p, journey).done).toBe(0);
  });

  it('marks the journey complete when the last action is acknowledged, and not complete after an undo', () => {
    let p = startProgress(journey, { kind: 'self' }, t0);
    for (const a of allActions(journey)) p = acknowledge(p, journey, a.id, later);
    expect(summarise(p, journey).complete).toBe(true);
    expect(p.completedAt).toBe(later.toISOString());
    p = unacknowledge(p, journey, 'encryption', later);
    expect(p.completedAt).toBeUndefined();
  });

  it('ignores acknowledgements of actions the journey no longer has', () => {
    let p = startProgress(journey, { kind: 'self' }, t0);
    p = { ...p, acknowledged: { 'retired-action': t0.toISOString() } };
    expect(summarise(p, journey).done).toBe(0);
  });

  it('moves between steps in order and refuses an unknown step', () => {
    const p = startProgress(journey, { kind: 'self' }, t0);
    expect(nextStepId(journey, 'introduction')).toBe('getting-started');
    expect(previousStepId(journey, 'getting-started')).toBe('introduction');
    expect(previousStepId(journey, 'introduction')).toBeUndefined();
    expect(nextStepId(journey, 'learning-more')).toBeUndefined();
    expect(moveTo(p, journey, 'security', later).stepId).toBe('security');
    expect(moveTo(p, journey, 'no-such-step', later)).toBe(p);
  });
});
