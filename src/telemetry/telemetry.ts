import {
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

/**
 * The bot's telemetry, behind one narrow interface: the rest of the code counts events and times work through it and
 * never imports OpenTelemetry itself. Only @opentelemetry/api is used here; with no provider registered (neither
 * APPLICATIONINSIGHTS_CONNECTION_STRING nor OTEL_EXPORTER_OTLP_ENDPOINT set) its no-op meter and tracer cost next to nothing.
 */

/** Every counter the bot keeps; each becomes `welcomebot.<name>` (Application Insights: customMetrics). */
export type CounterName = 'turns' | 'welcomes' | 'acknowledgements' | 'questions' | 'deliveries' | 'reminders' | 'storage.errors' | 'auth.refused' | 'funnel';

/** Work the bot times; each becomes a span and a `welcomebot.<name>.duration` histogram in milliseconds. */
export type SpanName = 'turn' | 'storage' | 'delivery';

/**
 * The only attribute keys telemetry may carry. Values are content ids, kinds, outcomes and counts: never a user id,
 * object id, address, name, conversation id or message text (test/telemetry/privacy.test.ts checks every one).
 */
export type AttributeKey = 'kind' | 'outcome' | 'via' | 'action' | 'change' | 'operation' | 'reason' | 'surface' | 'stage' | 'cohort_week' | 'store';

export type TelemetryAttributes = Partial<Readonly<Record<AttributeKey, string>>>;

/** What a timed piece of work may add to its span once it knows more (its outcome). */
export interface SpanHandle {
  set(attributes: TelemetryAttributes): void;
}

/** The narrow interface every module calls. */
export interface Telemetry {
  /** Adds to a counter. */
  count(name: CounterName, attributes?: TelemetryAttributes, value?: number): void;
  /** Runs work inside a span and records how long it took; an exception marks the span as failed (its message is not kept). */
  time<T>(name: SpanName, attributes: TelemetryAttributes, work: (span: SpanHandle) => Promise<T>): Promise<T>;
}

/** Shape every attribute value must have; anything else is sent as "other" (a last guard, not the first). */
const SAFE_VALUE = /^[A-Za-z0-9_.-]{1,48}$/;

/** How each span appears in Application Insights: SERVER → requests, CLIENT and INTERNAL → dependencies. */
const SPAN_KIND: Record<SpanName, SpanKind> = { turn: SpanKind.SERVER, storage: SpanKind.CLIENT, delivery: SpanKind.INTERNAL };

/** Drops any key outside the allow-list and any value of an unexpected shape. */
export function safeAttributes(attributes: TelemetryAttributes | undefined): Attributes {
  const out: Attributes = {};
  if (!attributes) return out;
  for (const [key, value] of Object.entries(attributes)) {
    if (!ATTRIBUTE_KEYS.has(key) || value === undefined) continue;
    out[key] = SAFE_VALUE.test(value) ? value : 'other';
  }
  return out;
}

const ATTRIBUTE_KEYS: ReadonlySet<string> = new Set<AttributeKey>([
  'kind',
  'outcome',
  'via',
  'action',
  'change',
  'operation',
  'reason',
  'surface',
  'stage',
  'cohort_week',
  'store',
]);

/** Telemetry over an OpenTelemetry meter and tracer (the global no-op ones when nothing is configured). */
export class OpenTelemetryTelemetry implements Telemetry {
  private readonly meter: Meter;
  private readonly tracer: Tracer;
  private readonly counters = new Map<CounterName, Counter>();
  private readonly histograms = new Map<SpanName, Histogram>();

  constructor(providers: { meterProvider: MeterProvider; tracerProvider: TracerProvider }) {
    this.meter = providers.meterProvider.getMeter('nhsmail-welcome-bot');
    this.tracer = providers.tracerProvider.getTracer('nhsmail-welcome-bot');
  }

  count(name: CounterName, attributes?: TelemetryAttributes, value = 1): void {
    let counter = this.counters.get(name);
    if (!counter) {
      counter = this.meter.createCounter(`welcomebot.${name}`);
      this.counters.set(name, counter);
    }
    counter.add(value, safeAttributes(attributes));
  }

  async time<T>(name: SpanName, attributes: TelemetryAttributes, work: (span: SpanHandle) => Promise<T>): Promise<T> {
    let histogram = this.histograms.get(name);
    if (!histogram) {
      histogram = this.meter.createHistogram(`welcomebot.${name}.duration`, { unit: 'ms' });
      this.histograms.set(name, histogram);
    }
    const recorded = { ...attributes };
    const started = performance.now();
    return this.tracer.startActiveSpan(name, { kind: SPAN_KIND[name], attributes: safeAttributes(attributes) }, async (span) => {
      const handle: SpanHandle = {
        set: (more) => {
          Object.assign(recorded, more);
          span.setAttributes(safeAttributes(more));
        },
      };
      try {
        const result = await work(handle);
        return result;
      } catch (error) {
        // The status says it failed and what kind of error; an error's message may hold a user's text, so none is kept.
        span.setStatus({ code: SpanStatusCode.ERROR });
        if (recorded.outcome === undefined) handle.set({ outcome: 'error' });
        throw error;
      } finally {
        span.end();
        histogram.record(performance.now() - started, safeAttributes(recorded));
      }
    });
  }
}

/** Telemetry that records nothing (unit tests, scripts). */
export const noTelemetry: Telemetry = {
  count: () => undefined,
  time: (_name, _attributes, work) => work({ set: () => undefined }),
};
