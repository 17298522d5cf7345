/**
 * The baseline: a bare botbuilder + restify echo bot, as in Microsoft's samples, in anonymous mode. It runs the
 * same way as our bot (own process, plain node, same connector sink) and answers every message with one
 * activity, so "our bot ÷ echo" is the cost of what our bot does on top of botbuilder and restify.
 *
 * With ECHO_CARDS naming a JSON file of our bot's own replies (bench/replies.ts), it answers each turn as our bot
 * answered the same turn instead (a reference, not the baseline): a question with the activities our bot sent for
 * that question; a press of a step card's "Mark as done" or "Undo", as Teams sends it (an Action.Execute invoke),
 * with our bot's card for that press in the invoke's response, and from an older client (Action.Submit) with our
 * bot's update of the card in place (replyToId). It looks the reply up by the question's text or the button and
 * action id pressed (replyKey): no state, no templating. What replying with our bot's cards costs in botbuilder
 * alone. Without ECHO_CARDS, an invoke is answered with a line of text.
 *
 * With ECHO_SAVE_DIR as well (the saving card echo), it first keeps each press in a file store in that directory, as
 * our bot keeps a tick (bench/savedPress.ts), and replies once the write is confirmed.
 */
import { readFileSync } from 'node:fs';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';
import restify from 'restify';
import { FileStorage } from '../src/state/fileStorage';
import { replyKey } from './press';
import type { RecordedReplies, ReplyActivity } from './replies';
import { savePress } from './savedPress';

const replies = process.env.ECHO_CARDS ? (JSON.parse(readFileSync(process.env.ECHO_CARDS, 'utf8')) as RecordedReplies) : undefined;
const presses = process.env.ECHO_SAVE_DIR ? new FileStorage(process.env.ECHO_SAVE_DIR) : undefined;

/** The saving card echo keeps the press before it replies; the others keep nothing. */
async function keep(context: TurnContext): Promise<void> {
  if (presses) await savePress(presses, context.activity, new Date());
}

/** Our bot's reply to the turn, found by `key`; a turn it has none for fails (so that a mismatch shows as failures). */
function recorded<T>(table: Record<string, T>, key: unknown): T {
  const reply = typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
  if (reply === undefined) throw new Error('the echo has no recorded reply for this turn');
  return reply;
}

/** Sends our bot's activities as this turn's reply: new messages, or updates of the card pressed. */
async function replay(context: TurnContext, activities: readonly ReplyActivity[]): Promise<void> {
  for (const { update, activity } of activities) {
    if (update) await context.updateActivity({ ...(activity as Partial<Activity>), id: context.activity.replyToId });
    else await context.sendActivity(activity as Partial<Activity>);
  }
}

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      const { text, value, replyToId } = context.activity;
      if (!replies) {
        await context.sendActivity(`Echo: ${text ?? JSON.stringify(value)}`);
      } else if (value !== undefined && replyToId) {
        await keep(context);
        await replay(context, recorded(replies.ackSubmit, replyKey(context.activity)));
      } else {
        await replay(context, recorded(replies.question, replyKey(context.activity)));
      }
      await next();
    });
  }

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name !== 'adaptiveCard/action') return super.onInvokeActivity(context);
    if (replies) await keep(context);
    const body = replies
      ? { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: recorded(replies.ack, replyKey(context.activity)) }
      : { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Echo' };
    return { status: 200, body };
  }
}

const adapter = new CloudAdapter(
  new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant' }),
);
adapter.onTurnError = async (_context, error) => {
  process.stderr.write(`turn error: ${error.message}\n`);
};
const bot = new EchoBot();
const server = restify.createServer();
server.use(restify.plugins.bodyParser());
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => bot.run(context));
});
server.get('/readyz', async (_req, res) => {
  res.send(200, { status: 'ready' });
});
server.listen(Number(process.env.PORT ?? 3978), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ event: 'server.listening', port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
