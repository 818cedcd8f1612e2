// Every CRD ramp serves, in one list: the generator and the tests both read it.
import { stringify } from 'yaml';

import { buildCrd, type CrdDefinition } from './crd.js';
import { AnalysisRunSpec, AnalysisRunStatus, AnalysisTemplateSpec } from './analysis.js';
import { RolloutSpec, RolloutStatus } from './rollout.js';
import { GitRepositorySpec, GitRepositoryStatus, GitSyncSpec, GitSyncStatus } from './gitops.js';
import { gitopsGroup, gitopsVersion } from './gitops-conditions.js';

/** Argo Rollouts' API group and version, spoken unchanged. */
export const argoGroup = 'argoproj.io';
/** Version of the Argo-compatible kinds. */
export const argoVersion = 'v1alpha1';

/** The Rollout CRD: status and scale subresources and the printer columns Argo users know. */
export const rolloutCrd: CrdDefinition = {
  group: argoGroup,
  version: argoVersion,
  kind: 'Rollout',
  plural: 'rollouts',
  singular: 'rollout',
  shortNames: ['ro'],
  scope: 'Namespaced',
  spec: RolloutSpec,
  status: RolloutStatus,
  specRequired: true,
  scale: {
    specReplicasPath: '.spec.replicas',
    statusReplicasPath: '.status.HPAReplicas',
    labelSelectorPath: '.status.selector',
  },
  printerColumns: [
    {
      name: 'Desired',
      type: 'integer',
      jsonPath: '.spec.replicas',
      description: 'Number of desired pods',
    },
    {
      name: 'Current',
      type: 'integer',
      jsonPath: '.status.replicas',
      description: 'Total number of non-terminated pods targeted by this rollout',
    },
    {
      name: 'Up-to-date',
      type: 'integer',
      jsonPath: '.status.updatedReplicas',
      description:
        'Total number of non-terminated pods targeted by this rollout that have the desired template spec',
    },
    {
      name: 'Available',
      type: 'integer',
      jsonPath: '.status.availableReplicas',
      description:
        'Total number of available pods (ready for at least minReadySeconds) targeted by this rollout',
    },
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'Healthy, Progressing, Paused or Degraded',
    },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};

const age = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' } as const;

/** AnalysisTemplate: metrics to measure, in a namespace. */
export const analysisTemplateCrd: CrdDefinition = {
  group: argoGroup,
  version: argoVersion,
  kind: 'AnalysisTemplate',
  plural: 'analysistemplates',
  singular: 'analysistemplate',
  shortNames: ['at'],
  scope: 'Namespaced',
  spec: AnalysisTemplateSpec,
  specRequired: true,
  printerColumns: [age],
};

/** ClusterAnalysisTemplate: the same, shared by every namespace. */
export const clusterAnalysisTemplateCrd: CrdDefinition = {
  ...analysisTemplateCrd,
  kind: 'ClusterAnalysisTemplate',
  plural: 'clusteranalysistemplates',
  singular: 'clusteranalysistemplate',
  shortNames: ['cat'],
  scope: 'Cluster',
};

/** AnalysisRun: one run of metrics, with its measurements in status. */
export const analysisRunCrd: CrdDefinition = {
  group: argoGroup,
  version: argoVersion,
  kind: 'AnalysisRun',
  plural: 'analysisruns',
  singular: 'analysisrun',
  shortNames: ['ar'],
  scope: 'Namespaced',
  spec: AnalysisRunSpec,
  status: AnalysisRunStatus,
  specRequired: true,
  printerColumns: [
    {
      name: 'Status',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'AnalysisRun status',
    },
    age,
  ],
};

const readyColumns = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  {
    name: 'Status',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].message',
  },
] as const;

/** GitRepository: where desired state lives (ramp's own GitOps group). */
export const gitRepositoryCrd: CrdDefinition = {
  group: gitopsGroup,
  version: gitopsVersion,
  kind: 'GitRepository',
  plural: 'gitrepositories',
  singular: 'gitrepository',
  shortNames: ['gitrepo'],
  categories: ['ramp'],
  scope: 'Namespaced',
  spec: GitRepositorySpec,
  status: GitRepositoryStatus,
  specRequired: true,
  printerColumns: [
    { name: 'URL', type: 'string', jsonPath: '.spec.url' },
    { name: 'Revision', type: 'string', jsonPath: '.status.artifact.revision' },
    ...readyColumns,
    age,
  ],
};

/** GitSync: which path of a GitRepository to apply, and how. */
export const gitSyncCrd: CrdDefinition = {
  group: gitopsGroup,
  version: gitopsVersion,
  kind: 'GitSync',
  plural: 'gitsyncs',
  singular: 'gitsync',
  shortNames: ['gs'],
  categories: ['ramp'],
  scope: 'Namespaced',
  spec: GitSyncSpec,
  status: GitSyncStatus,
  specRequired: true,
  printerColumns: [
    { name: 'Revision', type: 'string', jsonPath: '.status.lastAppliedRevision' },
    ...readyColumns,
    {
      name: 'Healthy',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Healthy")].status',
    },
    age,
  ],
};

/** File name (in crds/) and CRD object of every generated CRD. */
export function generatedCrds(): { file: string; crd: Record<string, unknown> }[] {
  return [
    { file: 'argoproj.io_rollouts.yaml', crd: buildCrd(rolloutCrd) },
    { file: 'argoproj.io_analysistemplates.yaml', crd: buildCrd(analysisTemplateCrd) },
    {
      file: 'argoproj.io_clusteranalysistemplates.yaml',
      crd: buildCrd(clusterAnalysisTemplateCrd),
    },
    { file: 'argoproj.io_analysisruns.yaml', crd: buildCrd(analysisRunCrd) },
    { file: 'ramp.dev_gitrepositories.yaml', crd: buildCrd(gitRepositoryCrd) },
    { file: 'ramp.dev_gitsyncs.yaml', crd: buildCrd(gitSyncCrd) },
  ];
}

/** The YAML text of a generated CRD file, with a header saying where it comes from. */
export function renderCrdFile(crd: Record<string, unknown>): string {
  return (
    '# Generated from src/api by `npm run gen:crds`. Do not edit.\n' +
    stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false })
  );
}
