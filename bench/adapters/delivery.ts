/**
 * Adapter: how the bench asks the app for LA pushes and knows they are done. The delivery engine is being
 * replaced (durable, rate-limited), so this file is the only place the bench touches it. Requests go through
 * the public path an LA uses (the LA card's "Push" button, an Action.Submit to /api/messages), and completion
 * is judged from what reached Teams, so only `settle` knows about the engine's own API.
 */
import type { App } from '../../src/app';
import { actionSubmit, postActivity, type ActivityUser, type TeamsScene } from '../../test/helpers/activities';

/** Asks the bot, as the LA, to welcome these addresses (one push; PUSH_MAX_BATCH must allow them all). */
export async function requestPush(
  messagesUrl: string,
  scene: TeamsScene,
  la: ActivityUser,
  conversationId: string,
  addresses: readonly string[],
): Promise<void> {
  const activity = actionSubmit(scene, la, conversationId, { verb: 'push', addresses: addresses.join('\n') });
  const response = await postActivity(messagesUrl, activity);
  if (response.status !== 200) throw new Error(`push request answered ${response.status}`);
}

/**
 * Resolves when the app has nothing left to deliver: the engine's own drain(), then (for an engine that
 * keeps work beyond drain, e.g. durable retries on a timer) until `delivered()` reaches `expected` or stops
 * moving for `quietMs`, or the deadline passes.
 */
export async function settle(app: App, delivered: () => number, expected: number, deadline: number, quietMs = 3000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([app.deliveries.drain(), new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
  clearTimeout(timer);
  let last = delivered();
  let lastChange = Date.now();
  while (delivered() < expected && Date.now() < deadline && Date.now() - lastChange < quietMs) {
    await new Promise((r) => setTimeout(r, 50));
    const now = delivered();
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    }
  }
}
