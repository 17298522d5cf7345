import { join } from 'node:path';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type TurnContext,
  CardFactory,
  MessageFactory,
} from 'botbuilder';
import type { Server } from 'restify';
import { JourneyFlow, type Answerer } from './bot/journeyFlow';
import { errorSummary } from './bot/errors';
import { WelcomeBot } from './bot/welcomeBot';
import { CardRenderer } from './cards/render';
import { JourneyCards } from './cards/views';
import type { Config } from './config/config';
import { loadContent, type Content } from './content/load';
import type { Logger } from './log';
import { createServer } from './server/server';
import { FileStorage } from './state/fileStorage';
import type { AtomicStorage } from './state/storage';
import { UserStore } from './state/users';

/** The running bot: its HTTP server and the objects tests and scripts may need. */
export interface App {
  readonly server: Server;
  readonly content: Content;
  readonly storage: AtomicStorage;
  readonly adapter: CloudAdapter;
  /** Starts listening; resolves the bound port. */
  listen(): Promise<number>;
  /** Stops accepting requests, waits for requests in flight (up to the grace period), then closes. */
  close(): Promise<void>;
}

export interface AppOverrides {
  readonly storage?: AtomicStorage;
  readonly now?: () => Date;
  readonly answerer?: Answerer;
}

/** Builds every object from configuration: the composition root (index.ts only adds process signals). */
export function createApp(config: Config, log: Logger, overrides: AppOverrides = {}): App {
  const content = loadContent(config.contentDir, { serviceName: config.serviceName, linkOverrides: config.linkOverrides });
  const storage = overrides.storage ?? new FileStorage(join(config.dataDir, 'state'));
  const now = overrides.now ?? (() => new Date());
  const cards = new JourneyCards(content, new CardRenderer(content.templates));
  const users = new UserStore(storage, config.stateWriteRetries);
  const answerer: Answerer = overrides.answerer ?? { answer: () => undefined, answerIntent: () => undefined };
  const flow = new JourneyFlow(content, cards, users, answerer, now);
  const saveFailed = content.notices.saveFailed;
  const bot = new WelcomeBot({ flow, cards, storage, log, saveFailedText: `${saveFailed.title}. ${saveFailed.lines.join(' ')}` });

  const auth = new ConfigurationBotFrameworkAuthentication(config.botAuth as ConfigurationBotFrameworkAuthenticationOptions);
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    log.error({ event: 'turn.error', err: errorSummary(error), stack: error.stack, activityId: context.activity.id, type: context.activity.type }, 'turn failed');
    if (context.activity.type === 'message') {
      try {
        await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(cards.notice('saveFailed'))));
      } catch (sendError) {
        log.warn({ event: 'turn.errorReplyFailed', err: errorSummary(sendError) }, 'could not tell the user about the failure');
      }
    }
  };

  const { server, inFlight } = createServer({ adapter, bot, storage, log, maxBodyBytes: config.maxBodyBytes });

  return {
    server,
    content,
    storage,
    adapter,
    listen: () =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const address = server.address();
          resolve(address.port);
        });
      }),
    close: async () => {
      const deadline = Date.now() + config.shutdownGraceMs;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      while (inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      server.server.closeAllConnections?.();
      await closed;
    },
  };
}
