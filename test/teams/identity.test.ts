import type { Activity } from 'botbuilder';
import { chatAddress, MAX_NAME_LENGTH } from '../../src/teams/identity';

describe('the address kept to reach a user again', () => {
  const activity = {
    channelId: 'msteams',
    serviceUrl: 'https://smba.trafficmanager.net/uk/',
    locale: 'en-GB',
    from: { id: '29:megan', name: 'Megan Bowen', aadObjectId: 'oid-megan', role: 'user', extra: { deep: true } },
    recipient: { id: '28:bot', name: 'NHSmail Welcome' },
    conversation: { id: 'a:chat', conversationType: 'personal', tenantId: 'tenant-1', isGroup: false, name: 'ignored' },
    text: 'hello',
  } as unknown as Partial<Activity>;

  it('holds only what a proactive send needs, in the order earlier releases stored it', () => {
    const address = chatAddress(activity);
    expect(JSON.stringify(address)).toBe(
      JSON.stringify({
        channelId: 'msteams',
        serviceUrl: 'https://smba.trafficmanager.net/uk/',
        locale: 'en-GB',
        user: { id: '29:megan', name: 'Megan Bowen', aadObjectId: 'oid-megan' },
        bot: { id: '28:bot', name: 'NHSmail Welcome' },
        conversation: { id: 'a:chat', name: '', isGroup: false, conversationType: 'personal', tenantId: 'tenant-1' },
      }),
    );
  });

  it('leaves out what Teams did not send rather than keeping empty fields, and cuts what is too long', () => {
    const address = chatAddress({
      from: { id: '29:x', name: 'N'.repeat(MAX_NAME_LENGTH + 10) },
      conversation: { id: 'c', tenantId: 7 },
    } as unknown as Partial<Activity>);
    expect(Object.keys(address)).toEqual(['user', 'bot', 'conversation']);
    expect(Object.keys(address.user ?? {})).toEqual(['id', 'name']);
    expect(Object.keys(address.conversation ?? {})).toEqual(['id', 'name', 'isGroup', 'conversationType']);
    expect(address.user?.name).toHaveLength(MAX_NAME_LENGTH);
  });
});
