/**
 * What the card echo replies with: the very replies our bot gives, recorded from it before the measurement.
 *
 * The reference row is "the echo bot replying with the bot's own cards" (issue 14). Until December 2026 the echo
 * replied to every tick with one ticked step card of 5.4 KB, and to every question with one answer card of 4.4 KB.
 * But a step card grows with its step's actions: our bot's answer to the bench's ticks averaged about 10 KB, twice
 * that. The echo was serialising, writing and collecting half the bytes, so the ratio charged our bot for replying
 * with the cards it has.
 *
 * Now the bench asks our bot every question and every tick the measured turns use, once, as users the measured
 * turns never reach, with a second connector sink that keeps what it is sent (bench/sink.ts, SINK_RECORD=1). The
 * echo is given those replies, keyed by what it can read off a turn without any work of ours: the question's text,
 * the button pressed ("Mark as done" or "Undo") and its action's id. It answers each turn with our bot's reply to that turn: the same activities, the same
 * cards, sent the same way (a message, an update in place, or an invoke's response). The bench reports the bytes of
 * both bots' replies per turn, so that a reference that drifts from the bot shows.
 *
 * A recorded card shows one tick of its user's progress where a measured one may show several: the same card, a
 * few dates apart.
 */
import type { Child } from './lib/children';
import { everyTurnOnce, type TurnKind, type TurnLoad } from './httpTurns';
import { replyKey } from './press';

/** One activity of a reply, without the fields botbuilder fills in for whoever sends it. */
export interface ReplyActivity {
  /** Sent as an update of the card pressed (replyToId), not as a new message. */
  readonly update: boolean;
  readonly activity: Record<string, unknown>;
}

/** The echo's file (ECHO_CARDS): our bot's replies, by question text and by press (replyKey: "ack mfa"). */
export interface RecordedReplies {
  /** A question's reply: the activities sent to the connector, in order. */
  readonly question: Record<string, ReplyActivity[]>;
  /** A tick as Teams sends it (Action.Execute): the card in the invoke's response. */
  readonly ack: Record<string, Record<string, unknown>>;
  /** A tick from an older client (Action.Submit): the activities sent or updated through the connector. */
  readonly ackSubmit: Record<string, ReplyActivity[]>;
}

/** Users at the end of the seeded population, used for recording only: never measured. */
export const RECORDING_USERS = 20;

/** Fields of an activity the sender's botbuilder sets: the echo's own turn supplies them. */
const ROUTING = new Set(['id', 'from', 'recipient', 'conversation', 'serviceUrl', 'channelId', 'replyToId', 'timestamp', 'localTimestamp', 'locale']);

function content(activity: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(activity as Record<string, unknown>).filter(([key]) => !ROUTING.has(key)));
}

/**
 * Every question and press of `load`, sent once to `bot` as users `from` to `from + RECORDING_USERS - 1`, with
 * `recorder` (a sink started with SINK_RECORD=1) as their connector. Throws when a turn fails or brings no reply.
 */
export async function recordReplies(bot: Child, recorder: Child, load: TurnLoad, from: number): Promise<RecordedReplies> {
  const replies: RecordedReplies = { question: {}, ack: {}, ackSubmit: {} };
  const kinds: readonly TurnKind[] = ['question', 'ack', 'ackSubmit'];
  for (const kind of kinds) {
    // Older clients' presses go to the second half of the recording users, so that each press is a change.
    const users = kind === 'ackSubmit' ? { from: from + RECORDING_USERS / 2, count: RECORDING_USERS / 2 } : { from, count: RECORDING_USERS / 2 };
    const bodies = everyTurnOnce(kind, recorder.url, load, users.from, users.count);
    for (const body of bodies) {
      const res = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await res.text();
      if (!res.ok) throw new Error(`bench: recording our bot's replies: a ${kind} turn answered ${res.status}`);
      const sent = (await (await fetch(`${recorder.url}/recorded`)).json()) as { update: boolean; activity: unknown }[];
      const activities = sent.map(({ update, activity }) => ({ update, activity: content(activity) }));
      const key = replyKey(JSON.parse(body) as { text?: unknown; value?: unknown });
      if (kind === 'ack') {
        const answer = JSON.parse(text) as { value?: Record<string, unknown> };
        if (!answer.value) throw new Error(`bench: our bot's invoke "${key}" answered without a card`);
        // The echo answers an invoke in its response alone: a bot that also sent activities would need more.
        if (activities.length > 0) throw new Error(`bench: our bot's invoke "${key}" also sent ${activities.length} activities`);
        replies.ack[key] = answer.value;
      } else {
        if (activities.length === 0) throw new Error(`bench: our bot sent no reply to "${key}"`);
        replies[kind][key] = activities;
      }
    }
  }
  return replies;
}
