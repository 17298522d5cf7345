import { context, metrics, trace } from '@opentelemetry/api';
import { OpenTelemetryTelemetry, noTelemetry, type Telemetry } from './telemetry';

/** Where telemetry goes (config.telemetry); nothing is exported when neither is set. */
export interface TelemetrySettings {
  /** Application Insights, through @azure/monitor-opentelemetry. */
  readonly azureMonitorConnectionString: string | undefined;
  /** An OTLP/HTTP collector's base URL (…/v1/traces and …/v1/metrics are posted to). */
  readonly otlpEndpoint: string | undefined;
  /** How often metrics are exported. */
  readonly metricIntervalMs: number;
  /** Share of traces kept (0–1); metrics are never sampled. */
  readonly traceSampleRatio: number;
}

/** The telemetry the app calls, and how to flush and stop its exporters at shutdown. */
export interface TelemetryRuntime {
  readonly telemetry: Telemetry;
  readonly exporting: readonly ('azureMonitor' | 'otlp')[];
  shutdown(): Promise<void>;
}

const SERVICE_NAME = 'nhsmail-welcome-bot';

/** The release, from package.json beside src/ or dist/ (the deployable carries it); "unknown" without one. */
function packageVersion(): string {
  try {
    return (require('../../package.json') as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Starts the configured exporters. The SDK packages are loaded only here and only when an exporter is configured,
 * so a bot without telemetry loads none of them and its meter and tracer are the API's no-ops.
 */
export function startTelemetry(settings: TelemetrySettings): TelemetryRuntime {
  const { azureMonitorConnectionString, otlpEndpoint } = settings;
  if (azureMonitorConnectionString === undefined && otlpEndpoint === undefined) {
    // No provider registered: the API's global meter and tracer are no-ops.
    return { telemetry: noTelemetry, exporting: [], shutdown: async () => undefined };
  }
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { PeriodicExportingMetricReader, MeterProvider } = require('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
  const { BatchSpanProcessor, BasicTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const resource = resourceFromAttributes({ 'service.name': SERVICE_NAME, 'service.version': packageVersion() });
  const otlp = otlpEndpoint !== undefined ? otlpParts(otlpEndpoint, settings.metricIntervalMs) : undefined;

  if (azureMonitorConnectionString !== undefined) {
    const { useAzureMonitor, shutdownAzureMonitor } = require('@azure/monitor-opentelemetry') as typeof import('@azure/monitor-opentelemetry');
    useAzureMonitor({
      azureMonitorExporterOptions: { connectionString: azureMonitorConnectionString },
      resource,
      // Only the bot's own spans and metrics: automatic HTTP and Azure SDK spans would carry URLs holding UPNs and
      // storage keys (which hold user ids), and log instrumentations would copy log lines.
      instrumentationOptions: {
        http: { enabled: false },
        azureSdk: { enabled: false },
        mongoDb: { enabled: false },
        mySql: { enabled: false },
        postgreSql: { enabled: false },
        redis: { enabled: false },
        redis4: { enabled: false },
        bunyan: { enabled: false },
        winston: { enabled: false },
        console: { enabled: false },
      },
      enableLiveMetrics: false,
      // A fixed ratio rather than the distro's default of 5 traces a second (which drops the first ones after a start).
      samplingRatio: settings.traceSampleRatio,
      tracesPerSecond: 0,
      ...(otlp ? { spanProcessors: [new BatchSpanProcessor(otlp.spanExporter)], metricReaders: [otlp.metricReader] } : {}),
    });
    return {
      telemetry: new OpenTelemetryTelemetry({ meterProvider: metrics.getMeterProvider(), tracerProvider: trace.getTracerProvider() }),
      exporting: otlp ? ['azureMonitor', 'otlp'] : ['azureMonitor'],
      shutdown: () => shutdownAzureMonitor(),
    };
  }

  // OTLP only: providers of our own, handed to the telemetry rather than registered globally. The context manager is
  // the one global: it lets a turn's storage spans be its children.
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const parts = otlp as NonNullable<typeof otlp>;
  const meterProvider = new MeterProvider({ resource, readers: [parts.metricReader] });
  const tracerProvider = new BasicTracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.traceSampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(parts.spanExporter, { scheduledDelayMillis: Math.min(5000, settings.metricIntervalMs) })],
  });
  return {
    telemetry: new OpenTelemetryTelemetry({ meterProvider, tracerProvider }),
    exporting: ['otlp'],
    shutdown: async () => {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };

  function otlpParts(endpoint: string, intervalMs: number) {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-http') as typeof import('@opentelemetry/exporter-metrics-otlp-http');
    return {
      spanExporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }),
      metricReader: new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
        exportIntervalMillis: intervalMs,
        exportTimeoutMillis: Math.min(30_000, intervalMs),
      }),
    };
  }
}
