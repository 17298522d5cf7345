import type { JourneyFlow } from '../bot/journeyFlow';
import type { Logger } from '../log';
import { retentionDue, type RetentionSettings } from '../state/retention';
import type { UserStore } from '../state/users';

/** What a retention sweep did. */
export interface RetentionReport {
  readonly checked: number;
  readonly erasedCompleted: number;
  readonly erasedInactive: number;
}

/** Erases journeys N days after completion or M days of inactivity, as forget me would. Idempotent. */
export async function sweepRetention(deps: {
  users: UserStore;
  flow: JourneyFlow;
  settings: RetentionSettings;
  now: () => Date;
  log: Logger;
}): Promise<RetentionReport> {
  let checked = 0;
  let erasedCompleted = 0;
  let erasedInactive = 0;
  for await (const key of deps.users.recordKeys()) {
    const record = await deps.users.recordAt(key);
    if (!record) continue;
    checked++;
    const user = {
      channelId: 'msteams',
      tenantId: record.tenantId,
      userId: record.userId,
      aadObjectId: record.aadObjectId,
      conversationId: record.conversationId,
    };
    const due = retentionDue(record, await deps.users.progress(user), deps.now(), deps.settings);
    if (due === 'keep') continue;
    await deps.flow.forget(user);
    if (due === 'completed') erasedCompleted++;
    else erasedInactive++;
  }
  deps.log.info({ event: 'retention.swept', checked, erasedCompleted, erasedInactive }, 'retention sweep done');
  return { checked, erasedCompleted, erasedInactive };
}
