// `get rollout` as text, purely from the objects and a clock: the header (status, strategy, step,
// weights, images, replicas) and the tree Rollout → revision → ReplicaSet → Pods, AnalysisRuns →
// Jobs, in the shape `kubectl argo rollouts get rollout` prints, with colour when asked.
import type { V1Job, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';

import type { AnalysisRun } from '../../api/analysis.js';
import type { Rollout } from '../../api/rollout.js';
import { paint } from './ansi.js';
import {
  Icon,
  analysisBadge,
  analysisKind,
  canaryProgress,
  effectiveStatus,
  hashOf,
  imagesOf,
  jobPhase,
  measurementCounts,
  phaseBadge,
  podBadge,
  podReadiness,
  podStatusText,
  replicaSetBadge,
  revisionOf,
  roleStyle,
  rolesOf,
  scaleDownDelay,
  strategyName,
  type Badge,
  type RolloutView,
} from './rollout-info.js';
import {
  cell,
  formatTable,
  goDurationText,
  humanAge,
  styled,
  type Cell,
  type Segment,
} from './render-table.js';

/** How to render: the clock ages are measured against, and whether to colour. */
export interface RenderOptions {
  readonly now: number;
  readonly color: boolean;
}

/** The whole `get rollout` text: header, a blank line, the tree. Ends with a newline. */
export function renderRollout(view: RolloutView, opts: RenderOptions): string {
  const header = renderHeader(view, opts);
  const tree = formatTable(treeRows(view, opts), opts.color);
  return [...header, '', ...tree].join('\n') + '\n';
}

/** Width of the header's label column ("  ActualWeight:" and padding), as Argo prints it. */
const labelWidth = 17;

function line(label: string, value: Cell, color: boolean): string {
  return (label ? label.padEnd(labelWidth) : ' '.repeat(labelWidth)) + styled(value, color);
}

function renderHeader(view: RolloutView, opts: RenderOptions): string[] {
  const { rollout } = view;
  const status = effectiveStatus(rollout);
  const badge = phaseBadge(status.phase);
  const lines = [
    line('Name:', cell(rollout.metadata.name, 'bold'), opts.color),
    line('Namespace:', cell(rollout.metadata.namespace ?? ''), opts.color),
    line('Status:', badgeCell(badge), opts.color),
  ];
  const message = messageCell(rollout, status.message, opts.now);
  if (message.length > 0) lines.push(line('Message:', message, opts.color));
  lines.push(line('Strategy:', cell(strategyName(rollout)), opts.color));
  lines.push(...canaryLines(view, opts.color));
  lines.push(...imageLines(view, opts.color));
  lines.push(...replicaLines(rollout));
  return lines;
}

function messageCell(rollout: Rollout, message: string, now: number): Segment[] {
  if (!message) return [];
  const out: Segment[] = [{ text: message }];
  const since = rollout.status?.pauseConditions?.[0]?.startTime;
  if (since && rollout.status?.phase === 'Paused')
    out.push({ text: ` · paused ${humanAge(now - Date.parse(since))}`, style: 'dim' });
  return out;
}

function canaryLines(view: RolloutView, color: boolean): string[] {
  const progress = canaryProgress(view.rollout, view);
  if (!progress) return [];
  const lines: string[] = [];
  if (progress.step !== undefined) {
    const action: Segment[] = progress.stepAction
      ? [{ text: `  ${progress.stepAction}`, style: 'dim' }]
      : [];
    lines.push(line('  Step:', [{ text: progress.step }, ...action], color));
  }
  lines.push(line('  SetWeight:', cell(String(progress.setWeight)), color));
  if (progress.actualWeight !== undefined)
    lines.push(line('  ActualWeight:', cell(String(progress.actualWeight)), color));
  return lines;
}

function imageLines(view: RolloutView, color: boolean): string[] {
  return imagesOf(view).map(({ image, roles }, i) => {
    const roleText: Segment[] = [];
    roles.forEach((role, j) => {
      roleText.push({ text: j === 0 ? ' (' : ', ' });
      roleText.push({ text: role, style: roleStyle[role] });
    });
    if (roles.length > 0) roleText.push({ text: ')' });
    return line(i === 0 ? 'Images:' : '', [{ text: image }, ...roleText], color);
  });
}

function replicaLines(rollout: Rollout): string[] {
  const s = rollout.status ?? {};
  const count = (label: string, n: number | undefined): string =>
    `  ${label}:`.padEnd(labelWidth) + String(n ?? 0);
  return [
    'Replicas:',
    count('Desired', rollout.spec.replicas ?? 1),
    count('Current', s.replicas),
    count('Updated', s.updatedReplicas),
    count('Ready', s.readyReplicas),
    count('Available', s.availableReplicas),
  ];
}

function badgeCell(badge: Badge): Cell {
  return [{ text: `${badge.icon} ${badge.text}`, style: badge.style }];
}

/** One object in the tree. */
interface TreeNode {
  readonly icon: string;
  readonly name: string;
  readonly kind: string;
  readonly badge?: Badge | undefined;
  readonly created?: string | undefined;
  readonly info?: Cell | undefined;
  readonly children: readonly TreeNode[];
}

function treeRows(view: RolloutView, opts: RenderOptions): Cell[][] {
  const rows: Cell[][] = [['NAME', 'KIND', 'STATUS', 'AGE', 'INFO'].map((h) => cell(h, 'dim'))];
  const root: TreeNode = {
    icon: Icon.rollout,
    name: view.rollout.metadata.name,
    kind: 'Rollout',
    badge: phaseBadge(effectiveStatus(view.rollout).phase),
    created: view.rollout.metadata.creationTimestamp,
    children: revisionNodes(view, opts.now),
  };
  flatten(root, { lead: '', branch: '' }, rows, opts.now);
  return rows;
}

function flatten(
  node: TreeNode,
  prefix: { lead: string; branch: string },
  rows: Cell[][],
  now: number,
): void {
  const age = node.created ? humanAge(now - Date.parse(node.created)) : '';
  rows.push([
    [{ text: prefix.lead, style: 'dim' }, { text: `${node.icon} ${node.name}` }],
    cell(node.kind),
    node.badge ? badgeCell(node.badge) : cell(''),
    cell(age),
    node.info ?? cell(''),
  ]);
  node.children.forEach((child, i) => {
    const last = i === node.children.length - 1;
    flatten(
      child,
      {
        lead: prefix.branch + (last ? '└──' : '├──'),
        branch: prefix.branch + (last ? '   ' : '│  '),
      },
      rows,
      now,
    );
  });
}

/** Revisions newest first, each with its ReplicaSets and AnalysisRuns. */
function revisionNodes(view: RolloutView, now: number): TreeNode[] {
  const revisionByHash = new Map<string, number>();
  for (const rs of view.replicaSets) {
    const revision = revisionOf(rs.metadata);
    if (revision !== undefined) revisionByHash.set(hashOf(rs.metadata), revision);
  }
  const groups = new Map<number, TreeNode[]>();
  const add = (revision: number | undefined, node: TreeNode): void => {
    const key = revision ?? 0;
    groups.set(key, [...(groups.get(key) ?? []), node]);
  };
  for (const rs of byName(view.replicaSets))
    add(revisionOf(rs.metadata), replicaSetNode(view, rs, now));
  for (const run of byCreation(view.analysisRuns))
    add(revisionByHash.get(hashOf(run.metadata)) ?? revisionOf(run.metadata), runNode(view, run));
  return [...groups]
    .sort(([a], [b]) => b - a)
    .map(([revision, children]) => ({
      icon: Icon.revision,
      name: `revision:${revision === 0 ? '?' : revision}`,
      kind: '',
      children,
    }));
}

function replicaSetNode(view: RolloutView, rs: V1ReplicaSet, now: number): TreeNode {
  const roles = rolesOf(view.rollout, hashOf(rs.metadata));
  const info: Segment[] = [];
  roles.forEach((role, i) =>
    info.push({ text: (i > 0 ? ',' : '') + role, style: roleStyle[role] }),
  );
  const delay = scaleDownDelay(rs, now);
  if (delay !== undefined)
    info.push({
      text: `${info.length > 0 ? ',' : ''}delay:${delay === 'passed' ? 'passed' : goDurationText(delay)}`,
      style: 'dim',
    });
  const pods = view.pods.filter((p) => ownedBy(p, rs));
  return {
    icon: Icon.replicaSet,
    name: rs.metadata?.name ?? '',
    kind: 'ReplicaSet',
    badge: replicaSetBadge(rs),
    created: creation(rs.metadata),
    info,
    children: byName(pods).map(podNode),
  };
}

function ownedBy(pod: V1Pod, rs: V1ReplicaSet): boolean {
  const owners = pod.metadata?.ownerReferences ?? [];
  if (owners.length > 0) return owners.some((o) => o.uid === rs.metadata?.uid);
  return hashOf(pod.metadata) === hashOf(rs.metadata);
}

function podNode(pod: V1Pod): TreeNode {
  const status = podStatusText(pod);
  const { ready, restarts } = podReadiness(pod);
  const info: Segment[] = [{ text: `ready:${ready}` }];
  if (restarts > 0) info.push({ text: `,restarts:${restarts}`, style: 'yellow' });
  return {
    icon: Icon.pod,
    name: pod.metadata?.name ?? '',
    kind: 'Pod',
    badge: podBadge(status, ready),
    created: creation(pod.metadata),
    info,
    children: [],
  };
}

function runNode(view: RolloutView, run: AnalysisRun): TreeNode {
  const jobs = view.jobs.filter(
    (j) =>
      run.metadata.uid !== undefined &&
      j.metadata?.labels?.['analysisrun.argoproj.io/uid'] === run.metadata.uid,
  );
  return {
    icon: Icon.analysisRun,
    name: run.metadata.name,
    kind: 'AnalysisRun',
    badge: analysisBadge(run.status?.phase ?? 'Pending'),
    created: run.metadata.creationTimestamp,
    info: runInfo(run),
    children: byName(jobs).map(jobNode),
  };
}

function runInfo(run: AnalysisRun): Segment[] {
  const counts = measurementCounts(run);
  const kind = analysisKind(run);
  const parts: Segment[] = kind ? [{ text: kind, style: 'dim' }] : [];
  const tally: [number, string, Segment['style']][] = [
    [counts.successful, Icon.ok, 'green'],
    [counts.failed, Icon.bad, 'red'],
    [counts.inconclusive, Icon.unknown, 'yellow'],
    [counts.error, Icon.warning, 'red'],
  ];
  for (const [n, icon, style] of tally) if (n > 0) parts.push({ text: `${icon} ${n}`, style });
  return parts.flatMap((p, i) => (i === 0 ? [p] : [{ text: ' ' }, p]));
}

function jobNode(job: V1Job): TreeNode {
  return {
    icon: Icon.job,
    name: job.metadata?.name ?? '',
    kind: 'Job',
    badge: analysisBadge(jobPhase(job)),
    created: creation(job.metadata),
    children: [],
  };
}

function creation(meta: { creationTimestamp?: Date | string | undefined } | undefined) {
  const at = meta?.creationTimestamp;
  return at instanceof Date ? at.toISOString() : at;
}

function byName<T extends { metadata?: { name?: string | undefined } | undefined }>(
  items: readonly T[],
): T[] {
  return [...items].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

function byCreation(runs: readonly AnalysisRun[]): AnalysisRun[] {
  return [...runs].sort(
    (a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
}

/** A one-line summary for logs and `status`: "Paused - CanaryPauseStep", coloured when asked. */
export function statusLine(rollout: Rollout, color: boolean): string {
  const { phase, message } = effectiveStatus(rollout);
  const badge = phaseBadge(phase);
  return paint(phase, badge.style, color) + (message ? ` - ${message}` : '');
}
