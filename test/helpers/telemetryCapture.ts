/**
 * The bot's telemetry over OpenTelemetry's in-memory exporters, for tests: what the bot would export, read back as
 * spans and metric points. No test-framework imports.
 */
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryTelemetry, type Telemetry } from '../../src/telemetry/telemetry';

/** One metric data point: counters carry a number, histograms their count. */
export interface MetricPoint {
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly value: number;
}

export interface TelemetryCapture {
  readonly telemetry: Telemetry;
  /** Spans ended so far. */
  spans(): ReadableSpan[];
  /** Every metric point so far (cumulative). */
  metrics(): Promise<MetricPoint[]>;
  /** The sum of a metric's points whose attributes include these. */
  total(name: string, attributes?: Readonly<Record<string, string>>): Promise<number>;
  shutdown(): Promise<void>;
}

/** Telemetry recorded in memory. */
export function captureTelemetry(): TelemetryCapture {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const metrics = async (): Promise<MetricPoint[]> => {
    await reader.forceFlush();
    const latest = metricExporter.getMetrics().at(-1);
    const points: MetricPoint[] = [];
    for (const scope of latest?.scopeMetrics ?? []) {
      for (const metric of scope.metrics) {
        for (const point of metric.dataPoints as HistogramMetricData['dataPoints'] | { attributes: Record<string, unknown>; value: number }[]) {
          const value = typeof point.value === 'number' ? point.value : point.value.count;
          points.push({ name: metric.descriptor.name, attributes: point.attributes, value });
        }
      }
    }
    return points;
  };
  return {
    telemetry: new OpenTelemetryTelemetry({ meterProvider, tracerProvider }),
    spans: () => spanExporter.getFinishedSpans(),
    metrics,
    total: async (name, attributes = {}) =>
      (await metrics())
        .filter((p) => p.name === name && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
        .reduce((sum, p) => sum + p.value, 0),
    shutdown: async () => {
      await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
    },
  };
}
