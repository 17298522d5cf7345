/**
 * The baseline: a bare botbuilder + restify echo bot, as in Microsoft's samples, in anonymous mode. It runs the
 * same way as our bot (own process, plain node, same connector sink) and answers every message with one
 * activity, so "our bot ÷ echo" is the cost of what our bot does on top of botbuilder and restify.
 */
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import restify from 'restify';

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      const { text, value } = context.activity;
      await context.sendActivity(`Echo: ${text ?? JSON.stringify(value)}`);
      await next();
    });
  }
}

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: 'MultiTenant' }));
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
