export {
  CONFIG_FILES,
  ConfigError,
  DEFAULT_CONFIG,
  defaultConfig,
  type FerrisConfig,
  loadConfig,
  parseConfig,
} from './config.js';
export { renderHtml } from './htmlReport.js';
export {
  type EventLoopDelay,
  type MonitorLogger,
  type MonitorOptions,
  type MonitorSample,
  type MonitorSink,
  monitor,
} from './monitor.js';
export {
  type OtelMeter,
  type OtelSinkOptions,
  type OtelSpan,
  type OtelTracer,
  otelSink,
} from './otel.js';
export {
  type RecordedEvent,
  Recorder,
  type RecorderOptions,
  type RecorderSink,
  type TaskOutcome,
  type TrackOptions,
} from './Recorder.js';
export {
  type AsyncIntegrationExample,
  type BasicAsyncExample,
  type BuildReportInput,
  buildReport,
  type CoreFunctionality,
  type ErrorHandlingReport,
  type ExecutionSummary,
  efficiencyGain,
  type PerformanceReport,
  type RunMetrics,
  type RunReport,
  type ScenarioInput,
  type ScenarioReport,
} from './RunReport.js';
export {
  concurrencyOverTime,
  effectiveConcurrency,
  type Latency,
  latencyOf,
  percentile,
  type TimelineTask,
} from './stats.js';
