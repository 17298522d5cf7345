/**
 * The baseline: a bare botbuilder + restify echo bot, as in Microsoft's samples, in anonymous mode. It runs the
 * same way as our bot (own process, plain node, same connector sink) and answers every message with one
 * activity, so "our bot ÷ echo" is the cost of what our bot does on top of botbuilder and restify.
 *
 * With ECHO_CARDS naming a JSON file `{question, ack}` of two ready-made Adaptive Cards, it answers as our bot's
 * replies look instead (a reference, not the baseline): a message with the question card, a card button press by
 * the ack card, in the invoke's response for an Action.Execute (as Teams sends the step card's buttons), or by
 * updating the card in place (replyToId) for an older client's Action.Submit. No state, no templating: what
 * replying with cards of that size costs in botbuilder alone. Without cards, an invoke is answered with a line of text.
 */
import { readFileSync } from 'node:fs';
import {
  ActivityHandler,
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  MessageFactory,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import restify from 'restify';

const cards = process.env.ECHO_CARDS
  ? (JSON.parse(readFileSync(process.env.ECHO_CARDS, 'utf8')) as { question: Record<string, unknown>; ack: Record<string, unknown> })
  : undefined;

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      const { text, value, replyToId } = context.activity;
      if (!cards) {
        await context.sendActivity(`Echo: ${text ?? JSON.stringify(value)}`);
      } else if (value !== undefined && replyToId) {
        const update = MessageFactory.attachment(CardFactory.adaptiveCard(cards.ack));
        update.id = replyToId;
        await context.updateActivity(update);
      } else {
        await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(cards.question)));
      }
      await next();
    });
  }

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name !== 'adaptiveCard/action') return super.onInvokeActivity(context);
    const body = cards
      ? { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: cards.ack }
      : { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Echo' };
    return Promise.resolve({ status: 200, body });
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
