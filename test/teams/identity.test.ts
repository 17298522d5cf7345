import type { Activity } from 'botbuilder';
import { chatAddress, identify, MAX_NAME_LENGTH } from '../../src/teams/identity';

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

describe('who a turn is for', () => {
  const activity = (): Record<string, unknown> => ({
    type: 'message',
    channelId: 'msteams',
    from: { id: '29:user-1', aadObjectId: '00000000-0000-4000-8000-000000000001', name: 'Sam' },
    conversation: { id: 'a:chat-1', conversationType: 'personal', tenantId: 'tenant-1' },
    recipient: { id: '28:bot' },
  });

  it('is the Teams user in their tenant, in a personal or a shared scope', () => {
    expect(identify(activity() as Partial<Activity>)).toEqual({
      scope: 'personal',
      user: {
        channelId: 'msteams',
        tenantId: 'tenant-1',
        userId: '29:user-1',
        aadObjectId: '00000000-0000-4000-8000-000000000001',
        conversationId: 'a:chat-1',
      },
    });
    const inChannel = {
      ...activity(),
      conversation: { id: '19:channel@thread.tacv2', conversationType: 'channel' },
      channelData: { tenant: { id: 'tenant-2' } },
    };
    expect(identify(inChannel as Partial<Activity>)).toMatchObject({ scope: 'shared', user: { tenantId: 'tenant-2' } });
  });

  it('is nobody when an id Teams always sends is missing, empty or too long: the turn is ignored, never run as someone', () => {
    const without = (change: (a: Record<string, unknown>) => void): Record<string, unknown> => {
      const a = activity();
      change(a);
      return a;
    };
    for (const [what, broken] of [
      ['no from', without((a) => delete a['from'])],
      ['no conversation', without((a) => delete a['conversation'])],
      ['no channel', without((a) => delete a['channelId'])],
      ['empty user id', without((a) => (a['from'] = { id: '' }))],
      ['empty conversation id', without((a) => (a['conversation'] = { id: '' }))],
      ['a 300-character user id', without((a) => (a['from'] = { id: `29:${'x'.repeat(300)}` }))],
      ['a user id that is not text', without((a) => (a['from'] = { id: 42 }))],
    ] as const) {
      expect({ what, identified: identify(broken as never) }).toEqual({ what, identified: undefined });
    }
  });
});
