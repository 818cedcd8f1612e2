// The providers ramp implements, behind one lookup. Metrics of other provider types (datadog,
// newRelic, …) get no provider: the run reports them as unsupported instead of measuring them.
import type { KubeConfig } from '@kubernetes/client-node';

import type { Metric } from '../../api/analysis.js';
import type { MetricProvider } from '../provider.js';
import { createJobProvider } from './job.js';
import { createPrometheusProvider } from './prometheus.js';
import { createWebProvider } from './web.js';

/** Settings the providers take from ramp's configuration rather than from metrics. */
export interface ProvidersOptions {
  /** Prometheus queried when a metric names no address (e.g. RAMP_PROMETHEUS_URL). */
  readonly defaultPrometheusAddress?: string | undefined;
}

/** Finds the provider that measures a metric. */
export interface Providers {
  /** The provider for the metric's provider type, or undefined when ramp does not support it. */
  readonly providerFor: (metric: Metric) => MetricProvider | undefined;
}

/** Builds one instance of each supported provider, sharing the kubeconfig and defaults. */
export function createProviders(kc: KubeConfig, opts: ProvidersOptions = {}): Providers {
  const prometheus = createPrometheusProvider({ defaultAddress: opts.defaultPrometheusAddress });
  const web = createWebProvider();
  const job = createJobProvider(kc);
  return {
    providerFor: (metric) => {
      const p = metric.provider;
      if (p.prometheus) return prometheus;
      if (p.web) return web;
      if (p.job) return job;
      return undefined;
    },
  };
}
