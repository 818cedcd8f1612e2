// Caches of the analysis kinds: AnalysisTemplates (namespaced or everywhere), the cluster's
// ClusterAnalysisTemplates, and AnalysisRuns.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';

import type { AnalysisRun, AnalysisTemplate } from '../api/analysis.js';
import type { Logger } from '../observability/logger.js';
import { Informer } from './informer.js';
import { rawRequest, resourcePath } from './raw.js';

const argo = 'argoproj.io/v1alpha1';

function informerOf<T extends KubernetesObject>(
  kc: KubeConfig,
  log: Logger,
  plural: string,
  namespace: string | undefined,
): Informer<T> {
  const path = resourcePath({ apiVersion: argo, plural, namespace });
  return new Informer<T>(
    kc,
    { name: plural, path, list: () => rawRequest<{ items: T[] }>(kc, { method: 'GET', path }) },
    log,
  );
}

/** AnalysisRuns, in one namespace or all. */
export function analysisRunInformer(
  kc: KubeConfig,
  log: Logger,
  namespace: string | undefined,
): Informer<AnalysisRun & KubernetesObject> {
  return informerOf(kc, log, 'analysisruns', namespace);
}

/** AnalysisTemplates (in one namespace or all) and ClusterAnalysisTemplates. */
export function templateInformers(
  kc: KubeConfig,
  log: Logger,
  namespace: string | undefined,
): {
  templates: Informer<AnalysisTemplate & KubernetesObject>;
  clusterTemplates: Informer<AnalysisTemplate & KubernetesObject>;
} {
  return {
    templates: informerOf(kc, log, 'analysistemplates', namespace),
    clusterTemplates: informerOf(kc, log, 'clusteranalysistemplates', undefined),
  };
}
