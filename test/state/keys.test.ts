import { jobIds, keys, prefixes } from '../../src/state/keys';

/**
 * The store's layout is data that outlives a release: a key built differently after an upgrade would lose every
 * user's progress, welcome claim or queued delivery. These are the keys earlier releases wrote, letter for letter.
 */
describe('the one key builder keeps the layout earlier releases wrote', () => {
  it('builds each user key as before (object ids and addresses lower-cased)', () => {
    expect(keys.progress('msteams', 'a:1', '29:x')).toBe('msteams/conversations/a:1/users/29:x');
    expect(keys.groupIntro('msteams', '19:g')).toBe('msteams/conversations/19:g/intro');
    expect(keys.user('t1', 'ABC-Def')).toBe('directory/t1/users/abc-def');
    expect(keys.address('t1', 'Jane.Doe@NHS.net')).toBe('directory/t1/addresses/jane.doe@nhs.net');
  });

  it('builds LA push, pending welcome and question keys as before', () => {
    expect(keys.push('p1')).toBe('pushes/p1');
    expect(keys.pushRecipient('p1', 'Sam@nhs.net')).toBe('pushes/p1/recipients/sam@nhs.net');
    expect(keys.laPushes('t1', 'LA-OID')).toBe('la/t1/la-oid/pushes');
    expect(keys.pendingByObjectId('t1', 'OID')).toBe('pending/t1/aad/oid');
    expect(keys.pendingByAddress('t1', 'Sam@nhs.net')).toBe('pending/t1/address/sam@nhs.net');
    expect(keys.pendingAnyByAddress('t1')).toBe('pending/t1/any-by-address');
    expect(keys.unanswered('2026-12-07T10:00:00.000Z', 'u1')).toBe('unanswered/2026-12-07T10:00:00.000Z-u1');
  });

  it('builds queue and due-index keys as before, and each lies under the prefix its job lists', () => {
    expect(keys.job('reminder/t1/oid/1')).toBe('deliveries/jobs/reminder/t1/oid/1');
    expect(keys.poisoned('x')).toBe('deliveries/poison/x');
    expect(keys.queued('x')).toBe('deliveries/queued/x');
    expect(keys.dueState('reminders')).toBe('index-state/reminders');
    const entry = keys.dueEntry('reminders', '2026-12-07', keys.user('t1', 'oid'));
    expect(entry).toBe('index-reminders-2026-12-07/t1/users/oid');
    expect(entry.startsWith(prefixes.dueDay('reminders', '2026-12-07'))).toBe(true);
    expect(keys.job('a').startsWith(prefixes.jobs)).toBe(true);
    expect(keys.user('t', 'u').startsWith(prefixes.directory)).toBe(true);
  });

  it('names queued deliveries as before, so queueing the same one again is a no-op across an upgrade', () => {
    expect(jobIds.welcome('p1', 'Sam@nhs.net')).toBe('welcome/p1/sam@nhs.net');
    expect(jobIds.reminder('t1', 'OID', 2)).toBe('reminder/t1/oid/2');
    expect(jobIds.installWelcome('T1', 'OID/x')).toBe('install-welcome/t1/oid%2Fx');
  });
});
