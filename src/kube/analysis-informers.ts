// Caches of the analysis kinds: AnalysisTemplates (namespaced or everywhere), the cluster's
// ClusterAnalysisTemplates, and AnalysisRuns.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';

import type { AnalysisRun, AnalysisTemplate } from '../api/analysis.js';
import type { Logger } from '../observability/logger.js';
import { customResourceInformer } from './custom-informer.js';
import type { Informer } from './informer.js';

const argo = 'argoproj.io/v1alpha1';

/** AnalysisRuns, in one namespace or all. */
export function analysisRunInformer(
  kc: KubeConfig,
  log: Logger,
  namespace: string | undefined,
): Informer<AnalysisRun & KubernetesObject> {
  return customResourceInformer(kc, log, { apiVersion: argo, plural: 'analysisruns' }, namespace);
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
    templates: customResourceInformer(
      kc,
      log,
      { apiVersion: argo, plural: 'analysistemplates' },
      namespace,
    ),
    clusterTemplates: customResourceInformer(
      kc,
      log,
      { apiVersion: argo, plural: 'clusteranalysistemplates' },
      undefined,
    ),
  };
}
