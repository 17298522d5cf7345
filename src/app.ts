import { join } from 'node:path';
import {
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  MessageFactory,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type TurnContext,
} from 'botbuilder';
import { AuthenticationConfiguration, AuthenticationError, type ServiceClientCredentialsFactory } from 'botframework-connector';
import type { Server } from 'restify';
import { AddressBook } from './admin/addressBook';
import { AdminCards } from './admin/adminCards';
import { AdminService } from './admin/adminService';
import type { AuditTrail } from './admin/audit';
import { createAuditTrail } from './admin/createAuditTrail';
import { FirstContact } from './admin/firstContact';
import { PendingWelcomes } from './admin/pending';
import { LocalAdministratorPolicy } from './admin/policy';
import { PushStore } from './admin/pushes';
import { StarterDeliveries, WELCOME_KIND, welcomeHandler } from './admin/starterDeliveries';
import { CloudAdapterGateway } from './teams/teamsGateway';
import { addressTenant } from './state/chatAddress';
import { WelcomeDelivery } from './admin/welcomeDelivery';
import { EntraAuth } from './auth/entraAuth';
import { AdminChat } from './admin/adminChat';
import { Greeter } from './routing/greeter';
import { RouteTable, routeTable } from './routing/routes';
import { errorSummary } from './errorSummary';
import { INSTALL_WELCOME_KIND, installWelcomeJob, InstallWelcomes } from './journey/installWelcomes';
import { JourneyFlow, type Answerer } from './journey/journeyFlow';
import { MessageRateLimit } from './routing/messageRateLimit';
import { WelcomeBot } from './teams/welcomeBot';
import { WelcomeRollout } from './journey/welcomeRollout';
import { CardRenderer } from './cards/render';
import { JourneyCards } from './cards/views';
import type { Config } from './config/config';
import { loadContent, type Content } from './content/load';
import { classifyDeliveryError } from './delivery/classify';
import { systemDeliveryClock, type DeliveryClock } from './delivery/clock';
import { ProactiveAuthentication } from './teams/proactiveConnector';
import { ReusedConnectorClients } from './teams/connectorClients';
import { DeliveryQueue } from './delivery/queue';
import { createDeliveryTransport } from './delivery/transports';
import { TeamsRateLimiter } from './delivery/rateLimiter';
import { DEFAULT_RETRY } from './delivery/retry';
import { GraphClient } from './graph/graphClient';
import { FeedbackStore } from './feedback/feedbackStore';
import { IntentAnswerer } from './intents/answerer';
import { UnansweredLog } from './intents/unanswered';
import { ReminderCards } from './reminders/reminderCard';
import { REMINDER_KIND, reminderJobIds, Reminders, type ReminderReport } from './reminders/reminders';
import { sweepRetention, trackRetention, type RetentionReport } from './jobs/retention';
import { runInProcess, type InProcessJob } from './jobs/schedule';
import { loggable, type Logger } from './log';
import { mountAdminRoutes } from './server/adminRoutes';
import { mountMeRoutes } from './server/meRoutes';
import { WelcomeCloudAdapter } from './teams/cloudAdapter';
import { BotbuilderEndpoint } from './teams/endpoint';
import { createServer } from './server/server';
import { channelMetadataUrl, channelTokenRules, ChannelTokenVerifier } from './server/channelToken';
import { mountTabRoutes } from './server/tabRoutes';
import { createStorage } from './state/createStorage';
import type { AtomicStorage } from './state/storage';
import { keys } from './state/keys';
import { UserStore } from './state/users';
import { FunnelStore } from './funnel/funnelStore';
import { Readiness, type DependencyCheck } from './server/readiness';
import { InstrumentedStorage } from './telemetry/instrumentedStorage';
import { startTelemetry } from './telemetry/setup';
import type { Telemetry } from './telemetry/telemetry';

/**
 * Card button presses a user may make per typed message allowed (USER_MESSAGES_PER_MINUTE): ticking a checklist is
 * quicker than typing, but a client pressing in a loop is stopped like a flood of messages.
 */
const CARD_PRESSES_PER_MESSAGE = 4;

/** The running bot: its HTTP server and the objects tests and scripts may need. */
export interface App {
  readonly server: Server;
  readonly content: Content;
  readonly storage: AtomicStorage;
  readonly adapter: CloudAdapter;
  readonly audit: AuditTrail;
  readonly deliveries: StarterDeliveries;
  /** The completion funnel (npm run report:funnel reads the same tallies). */
  readonly funnel: FunnelStore;
  /** Scheduled jobs, also run by npm scripts (retention, reminders). */
  readonly jobs: {
    retention(): Promise<RetentionReport>;
    /** Queues the reminders due now (run the delivery queue to send them). */
    reminders(): Promise<ReminderReport>;
  };
  /** Starts listening (and the delivery worker); resolves the bound port. */
  listen(): Promise<number>;
  /** Stops accepting requests, waits for requests and deliveries in flight (up to the grace period), then closes. */
  close(): Promise<void>;
}

export interface AppOverrides {
  readonly storage?: AtomicStorage;
  readonly now?: () => Date;
  readonly answerer?: Answerer;
  /** Credentials for the bot's outbound calls (tests supply their own; production derives them from configuration). */
  readonly credentialsFactory?: ServiceClientCredentialsFactory;
  /** Folder of the built tab pages (default build/tabs; tests build their own). */
  readonly tabsDir?: string;
  /** Time for the delivery engine (rate limits, backoff, leases); tests inject a virtual one. */
  readonly deliveryClock?: DeliveryClock;
  /** Telemetry (tests pass one over in-memory exporters); default: what the configuration exports to. */
  readonly telemetry?: Telemetry;
}

/** Builds every object from configuration: the composition root (index.ts only adds process signals). */
export function createApp(config: Config, log: Logger, overrides: AppOverrides = {}): App {
  const content = loadContent(config.contentDir, { serviceName: config.serviceName, linkOverrides: config.linkOverrides });
  const telemetryRuntime = overrides.telemetry
    ? { telemetry: overrides.telemetry, exporting: [], shutdown: async () => undefined }
    : startTelemetry(config.telemetry);
  const telemetry = telemetryRuntime.telemetry;
  // Every store operation is timed through one wrapper: latency and errors, never keys.
  // A file store that is no longer this process's (another process took its claim over) must not be written again:
  // the process stops, and the platform starts a new one, which claims the store afresh or is refused.
  const storeLost = (error: Error): void => {
    log.fatal({ event: 'storage.claimLost', reason: error.message }, 'the file store is no longer this process’s: stopping');
    process.exit(1);
  };
  const storage = new InstrumentedStorage(overrides.storage ?? createStorage(config, { onLost: storeLost }), telemetry, config.storage.kind);
  const now = overrides.now ?? (() => new Date());
  const renderer = new CardRenderer(content.templates);
  const cards = new JourneyCards(content, renderer);
  const users = new UserStore(storage, config.stateWriteRetries);
  trackRetention(users, config.retention, now); // every write keeps the user's retention entry up
  const unanswered = new UnansweredLog(storage, config.retention.unansweredDays, now);
  const answerer: Answerer =
    overrides.answerer ??
    new IntentAnswerer(
      content.intents,
      renderer,
      unanswered,
      (error) => log.warn({ event: 'unanswered.recordFailed', err: errorSummary(error) }, 'could not record an unanswered question'),
      telemetry,
    );
  const pending = new PendingWelcomes(storage);
  const addressBook = new AddressBook(storage);
  // Masked questions behind "not helpful" are kept as long as unanswered questions are.
  const feedback = new FeedbackStore(storage, config.stateWriteRetries, config.retention.unansweredDays, now);
  const funnel = new FunnelStore({ storage, users, journey: content.journey, telemetry, retries: config.stateWriteRetries, now });
  const flow = new JourneyFlow(
    content,
    cards,
    users,
    answerer,
    now,
    [
      async (user, record) => {
        // Their votes come out of the tallies, with the questions they gave.
        await feedback.forget({ tenantId: user.tenantId, userId: record?.userId ?? user.userId, aadObjectId: record?.aadObjectId ?? user.aadObjectId });
        await pending.remove(user.tenantId, { aadObjectId: user.aadObjectId, address: record?.address });
        if (record?.address) await addressBook.forget(user.tenantId, record.address);
        // Their waiting reminders and install welcome, with the ids they carry, leave the queue now.
        const who = { tenantId: user.tenantId, userId: record?.userId ?? user.userId, aadObjectId: record?.aadObjectId ?? user.aadObjectId };
        await queue.cancel([...reminderJobIds(who, config.reminders.afterDays.length), installWelcomeJob(who, undefined).id]);
        if (who.aadObjectId) await storage.delete([keys.laIntroduced(user.tenantId, who.aadObjectId)]);
      },
    ],
    feedback,
    {
      telemetry,
      funnel,
      onError: (error) => log.warn({ event: 'funnel.updateFailed', err: errorSummary(error) }, 'could not count a funnel event'),
    },
  );

  // Teams sends channel tokens only: the claims validator refuses any other issuer (emulator and skill tokens),
  // which botbuilder would otherwise accept through its emulator path, signed by any Entra tenant's keys.
  const tokenRules = channelTokenRules(config);
  const channelIssuer = tokenRules?.issuer;
  const auth = new ConfigurationBotFrameworkAuthentication(
    config.botAuth as ConfigurationBotFrameworkAuthenticationOptions,
    overrides.credentialsFactory,
    new AuthenticationConfiguration([], async (claims) => {
      if (channelIssuer !== undefined && !claims.some((c) => c.type === 'iss' && c.value === channelIssuer)) {
        throw new AuthenticationError('Unauthorized', 401);
      }
    }),
  );
  // Turns reuse one connector client per service URL rather than building one (and its HTTP pipeline) per turn.
  const turnAuth = new ReusedConnectorClients(auth);
  const adapter = new WelcomeCloudAdapter(turnAuth);
  // Proactive sends (LA welcomes, reminders) get their own adapter: Teams' rate limits and our retries only
  // (Azure's retry policy removed, see src/teams/proactiveConnector.ts), and no onTurnError to swallow a failed send.
  const deliveryClock = overrides.deliveryClock ?? systemDeliveryClock;
  const limiter = new TeamsRateLimiter(
    { tenantPerSecond: config.delivery.tenantPerSecond, marginMs: config.delivery.windowMarginMs },
    () => deliveryClock.now(),
    () => telemetry.count('deliveries', { outcome: 'throttled429' }),
  );
  const proactiveAuth = new ProactiveAuthentication(auth, limiter, deliveryClock);
  const proactiveAdapter = new CloudAdapter(proactiveAuth);
  const teamsGateway = new CloudAdapterGateway(proactiveAdapter, proactiveAuth, config.appId);

  // Local Administrators: policy, pushes, audit, and the rate-limited delivery of welcomes.
  const graph = config.graph ? new GraphClient({ ...config.graph, maxAttempts: 4 }) : undefined;
  const policy = new LocalAdministratorPolicy(
    config.la,
    graph && config.la.groupId ? async (id, group) => (await graph.memberGroups(id, [group])).includes(group) : undefined,
    // LA_UPNS name people; authorisation compares object ids, so each UPN is looked up (its own UPN, not a mail alias).
    graph
      ? async (upn) => {
          const user = await graph.findUser(upn);
          return user && user.userPrincipalName.toLowerCase() === upn ? user.id : undefined;
        }
      : undefined,
  );
  const audit: AuditTrail = createAuditTrail(config);
  const pushes = new PushStore(storage, config.stateWriteRetries);
  const adminCards = new AdminCards(renderer, { serviceName: content.service.name, allowedDomains: config.la.allowedDomains, maxBatch: config.la.maxBatch });
  const welcomeDelivery = new WelcomeDelivery({
    users,
    flow,
    addressBook,
    pending,
    teams: teamsGateway,
    classify: classifyDeliveryError,
    graph,
    teamsAppId: config.graph?.installApp ? config.teams.appCatalogId : undefined,
    serviceUrl: config.teams.serviceUrl,
    now,
  });
  let admin: AdminService | undefined; // eslint-disable-line prefer-const -- assigned after the queue that calls it is built
  const transport = createDeliveryTransport(config, storage, deliveryClock, log);
  const queue: DeliveryQueue = new DeliveryQueue({
    storage,
    ...(transport ? { transport } : {}),
    clock: deliveryClock,
    log,
    telemetry,
    settings: {
      concurrency: config.delivery.concurrency,
      leaseMs: config.delivery.leaseMs,
      pollMs: config.delivery.pollMs,
      retry: { ...DEFAULT_RETRY, maxAttempts: config.delivery.maxAttempts, baseDelayMs: config.delivery.backoffMs },
    },
    handlers: {
      [WELCOME_KIND]: welcomeHandler({
        deliver: (job) => welcomeDelivery.deliver(job),
        onOutcome: async (job, result) => admin?.recordOutcome(job, result),
      }),
      [INSTALL_WELCOME_KIND]: {
        deliver: (payload): Promise<void> => installWelcomes.handler.deliver(payload),
        giveUp: (payload, reason): Promise<void> => installWelcomes.handler.giveUp(payload, reason),
      },
      [REMINDER_KIND]: {
        deliver: (payload): Promise<void> => reminders.handler.deliver(payload),
        giveUp: (payload, reason): Promise<void> => reminders.handler.giveUp(payload, reason),
      },
    },
  });
  const deliveries = new StarterDeliveries(queue);
  const reminders: Reminders = new Reminders({
    users,
    flow,
    content,
    cards: new ReminderCards(content, renderer),
    teams: teamsGateway,
    queue,
    settings: config.reminders,
    now,
    log,
    telemetry,
  });
  /** Reminders and retention run inside the bot when their intervals are set (started by listen). */
  const inProcess: InProcessJob[] = [];
  const retention = async (): Promise<RetentionReport> => {
    const report = await sweepRetention({ users, flow, settings: config.retention, now, log });
    await unanswered.sweep();
    await feedback.sweep();
    return report;
  };
  admin = new AdminService({
    policy,
    pushes,
    audit,
    users,
    content,
    cards: adminCards,
    settings: { allowedDomains: config.la.allowedDomains, maxBatch: config.la.maxBatch },
    enqueue: (jobs) => deliveries.enqueue(jobs),
    now,
  });
  const adminChat = policy.configured ? new AdminChat(admin, adminCards, cards, log, config.teams.appCatalogId ?? config.teams.manifestId) : undefined;
  const firstContact = new FirstContact(pending, addressBook, admin);
  const installWelcomes: InstallWelcomes = new InstallWelcomes({
    flow,
    users,
    teams: teamsGateway,
    queue,
    // The turn sends only into a free slot of Teams' budget; otherwise the queue waits for one.
    roomNow: (reference) => limiter.wouldWait({ tenant: addressTenant(reference), conversation: reference.conversation?.id }) === 0,
    rollout: new WelcomeRollout({
      withinDays: config.welcome.newAccountsWithinDays,
      lookup: graph ? (aadObjectId, signal) => graph.accountDates(aadObjectId, signal) : undefined,
      now,
      log,
    }),
    firstContact,
    classify: classifyDeliveryError,
    log,
    telemetry,
  });

  const greeter = new Greeter({
    flow,
    cards,
    storage,
    adminChat,
    firstContact,
    installWelcomes,
    takeSlotNow: (address) => {
      const keys = { tenant: addressTenant(address) };
      if (limiter.wouldWait(keys) > 0) return false;
      limiter.reserve(keys);
      return true;
    },
  });
  const bot = new WelcomeBot({
    flow,
    routes: new RouteTable(routeTable({ flow, cards, greeter, adminChat })),
    greeter,
    adminChat,
    cards,
    log,
    saveFailedText: noticeText(content.notices.saveFailed),
    slowDownText: noticeText(content.notices.slowDown),
    rateLimit: new MessageRateLimit(config.userMessagesPerMinute),
    cardRateLimit: new MessageRateLimit(config.userMessagesPerMinute * CARD_PRESSES_PER_MESSAGE),
  });
  // One structured line per turn: what kind of activity and how long it took; never its text, and nothing the
  // sender chose unbounded (ids and names are checked against a safe shape first).
  adapter.use(async (context, next) => {
    const started = process.hrtime.bigint();
    const kind = turnKind(context.activity.type);
    telemetry.count('turns', { kind });
    await telemetry.time('turn', { kind }, () => next());
    log.debug({ event: 'turn', ...turnFields(context), ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'turn done');
  });
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    log.error({ event: 'turn.error', err: errorSummary(error), stack: stackFrames(error), ...turnFields(context) }, 'turn failed');
    if (context.activity.type === 'message') {
      try {
        await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(cards.notice('saveFailed'))));
      } catch (sendError) {
        log.warn({ event: 'turn.errorReplyFailed', err: errorSummary(sendError) }, 'could not tell the user about the failure');
      }
    }
  };

  const entraAuth = config.entra ? new EntraAuth(config.entra, (reason) => telemetry.count('auth.refused', { surface: 'entra', reason })) : undefined;
  const dependencies: DependencyCheck[] = [
    { name: 'storage', check: () => storage.ping() },
    { name: 'queue', check: () => queue.ping() },
    // Graph answers with the bot's credentials; an answer that said "up" is reused for a while (Graph throttles).
    ...(graph ? [{ name: 'graph' as const, check: (signal: AbortSignal) => graph.ping(signal), reuseUpMs: 30_000, reuseDownMs: 10_000 }] : []),
  ];
  const { server, inFlight } = createServer({
    activities: new BotbuilderEndpoint(adapter, turnAuth, bot),
    channelToken: tokenRules ? new ChannelTokenVerifier(tokenRules, channelMetadataUrl(config.botAuth)) : undefined,
    readiness: new Readiness(dependencies, config.readyTimeoutMs),
    telemetry,
    log,
    maxBodyBytes: config.maxBodyBytes,
    allowedServiceHosts: config.teams.allowedServiceHosts,
    mount: [
      mountAdminRoutes({ admin, auth: entraAuth, log }),
      mountMeRoutes({ flow, content, auth: entraAuth }),
      // src/ under tsx and dist/ when built both sit beside build/.
      mountTabRoutes(overrides.tabsDir ?? join(__dirname, '..', 'build', 'tabs')),
    ],
  });

  return {
    server,
    content,
    storage,
    adapter,
    audit,
    deliveries,
    funnel,
    jobs: { retention, reminders: () => reminders.run() },
    listen: async () => {
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve(server.address().port));
      });
      deliveries.start();
      const reminderMs = config.reminders.intervalMs;
      if (reminderMs > 0) {
        inProcess.push(
          runInProcess(
            () => reminders.run(),
            { everyMs: reminderMs, firstAfterMs: reminderMs },
            (error) => log.warn({ event: 'reminders.failed', err: errorSummary(error) }, 'reminder run failed'),
          ),
        );
      }
      const retentionMs = config.retention.intervalMs;
      if (retentionMs > 0) {
        // The first sweep a minute after start (sooner for a shorter interval), so a bot restarted more often than
        // the interval (deploys) still sweeps; then every interval.
        inProcess.push(
          runInProcess(retention, { everyMs: retentionMs, firstAfterMs: Math.min(retentionMs, 60_000) }, (error) =>
            log.warn({ event: 'retention.failed', err: errorSummary(error) }, 'retention sweep failed'),
          ),
        );
      }
      return port;
    },
    close: async () => {
      const deadline = Date.now() + config.shutdownGraceMs;
      for (const job of inProcess) job.stop();
      const closed = server.server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
      await deliveries.stop();
      while (inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      server.server.closeAllConnections?.();
      await closed;
      const running = inProcess.map((job) => job.running()).filter((run) => run !== undefined);
      if (running.length > 0) await Promise.race([Promise.all(running), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref())]);
      await telemetryRuntime.shutdown(); // flushes what is waiting to be exported
      // A store the app opened gives up its claim (the file store's directory); one a caller passed in stays theirs.
      if (!overrides.storage) await storage.close();
    },
  };
}

/** A notice from copy.json as one line of text, for the answers Teams shows as a message (not a card). */
function noticeText(notice: { readonly title: string; readonly lines: readonly string[] }): string {
  return `${notice.title}. ${notice.lines.join(' ')}`;
}

/** The activity types a turn is counted under; anything else is "other". */
const TURN_KINDS = new Set([
  'message',
  'invoke',
  'installationUpdate',
  'conversationUpdate',
  'messageReaction',
  'event',
  'typing',
  'messageUpdate',
  'messageDelete',
]);
function turnKind(type: unknown): string {
  return typeof type === 'string' && TURN_KINDS.has(type) ? type : 'other';
}

/** The fields of a turn's log line, each bounded. */
function turnFields(context: TurnContext): Record<string, string | undefined> {
  return { type: loggable(context.activity.type), name: loggable(context.activity.name), activityId: loggable(context.activity.id) };
}

/** The stack's frames without its first line, which holds the error's message (and so, maybe, a user's text). */
function stackFrames(error: Error): string | undefined {
  return error.stack
    ?.split('\n')
    .filter((line) => line.startsWith('    at '))
    .slice(0, 20)
    .join('\n');
}
