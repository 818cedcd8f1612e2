// `get gitsync` and `list gitsyncs` as text, purely from the objects and a clock: a labelled summary
// (source, revisions, conditions, windows, dependencies, inventory, history) and an aligned table.
import type {
  GitOpsCondition,
  GitRepository,
  GitSync,
  SyncHistoryEntry,
} from '../../api/gitops.js';
import { GitOpsConditionType } from '../../api/gitops-conditions.js';
import { describeRef } from '../../decide/gitops/objects.js';
import type { Style } from './ansi.js';
import { conditionOf, oneLine, shortRevision, sourceOf, type GitOpsObject } from './gitops-info.js';
import { cell, formatTable, humanAge, styled, type Cell } from './render-table.js';

/** How to render: the clock ages are measured against, and whether to colour. */
export interface GitSyncRenderOptions {
  readonly now: number;
  readonly color: boolean;
}

/** A GitSync and what `get` found of its source. */
export interface GitSyncView {
  readonly gitsync: GitSync;
  /** The source GitRepository; undefined when it could not be read. */
  readonly repository?: GitRepository | undefined;
  /** Why the source could not be read ("not found", "forbidden: …"). */
  readonly repositoryProblem?: string | undefined;
}

/** How many inventory objects `get` lists before summing up the rest. */
export const inventoryShown = 20;
/** How many history entries `get` shows (newest first). */
export const historyShown = 5;

const conditionTypes = [
  GitOpsConditionType.Ready,
  GitOpsConditionType.Reconciling,
  GitOpsConditionType.Stalled,
  GitOpsConditionType.Healthy,
];

/** Colour of a condition status; for Reconciling and Stalled, True is the notable state. */
export function conditionStyle(type: string, status: string | undefined): Style | undefined {
  if (status === undefined || status === 'Unknown') return 'yellow';
  const good =
    type === GitOpsConditionType.Stalled || type === GitOpsConditionType.Reconciling
      ? status === 'False'
      : status === 'True';
  if (type === GitOpsConditionType.Reconciling && status === 'True') return 'blue';
  return good ? 'green' : 'red';
}

const labelWidth = 15;

function line(label: string, value: Cell, color: boolean): string {
  return label.padEnd(labelWidth) + styled(value, color);
}

function ago(time: string | undefined, now: number): string {
  return time ? `${humanAge(now - Date.parse(time))} ago` : '';
}

/** The summary lines of a GitSync (no trailing newline on each). */
export function gitSyncSummary(view: GitSyncView, opts: GitSyncRenderOptions): string[] {
  const { gitsync: gs } = view;
  const c = opts.color;
  const status = gs.status ?? {};
  const applied = status.lastAppliedRevision;
  return [
    line('Name:', cell(gs.metadata.name, 'bold'), c),
    line('Namespace:', cell(gs.metadata.namespace), c),
    ...sourceLines(view, opts),
    line('Path:', cell(gs.spec.path), c),
    line('Applied:', revisionCell(applied, ago(status.lastAppliedTime, opts.now)), c),
    line('Attempted:', revisionCell(status.lastAttemptedRevision, ''), c),
    line(
      'Suspended:',
      cell(String(gs.spec.suspend === true), gs.spec.suspend ? 'yellow' : undefined),
      c,
    ),
    'Conditions:',
    ...conditionLines(gs, c),
    ...windowLines(gs, c),
    line('Depends on:', cell(dependencies(gs) || 'none'), c),
    ...inventoryLines(gs, c),
    ...historyLines(status.history ?? [], opts),
  ];
}

/** The whole `get gitsync` text; ends with a newline. */
export function renderGitSync(view: GitSyncView, opts: GitSyncRenderOptions): string {
  return gitSyncSummary(view, opts).join('\n') + '\n';
}

function revisionCell(revision: string | undefined, when: string): Cell {
  if (!revision) return cell('none', 'dim');
  return when ? [{ text: revision }, { text: ` · ${when}`, style: 'dim' }] : cell(revision);
}

function sourceLines(view: GitSyncView, opts: GitSyncRenderOptions): string[] {
  const c = opts.color;
  const src = sourceOf(view.gitsync);
  const name = `GitRepository ${src.namespace}/${src.name}`;
  if (!view.repository)
    return [
      line(
        'Source:',
        [{ text: name }, { text: ` (${view.repositoryProblem ?? 'not found'})`, style: 'red' }],
        c,
      ),
    ];
  const repo = view.repository;
  const ready = conditionOf(repo, GitOpsConditionType.Ready);
  const lines = [
    line('Source:', cell(name), c),
    line('  URL:', cell(repo.spec.url), c),
    line('  Artifact:', revisionCell(repo.status?.artifact?.revision, fetched(repo, opts.now)), c),
  ];
  if (ready && ready.status !== 'True')
    lines.push(
      line(
        '  Ready:',
        cell(`${ready.status} ${ready.reason}: ${oneLine(ready.message)}`, 'red'),
        c,
      ),
    );
  return lines;
}

function fetched(repo: GitRepository, now: number): string {
  const when = ago(repo.status?.lastFetchTime, now);
  return when ? `fetched ${when}` : '';
}

function conditionLines(gs: GitSync, c: boolean): string[] {
  const rows: Cell[][] = conditionTypes.map((type) => {
    const cond: GitOpsCondition | undefined = conditionOf(gs, type);
    return [
      cell(`  ${type}`),
      cell(cond?.status ?? '-', conditionStyle(type, cond?.status)),
      cell(cond?.reason ?? ''),
      cell(oneLine(cond?.message)),
    ];
  });
  return formatTable(rows, c);
}

function windowLines(gs: GitSync, c: boolean): string[] {
  const windows = gs.spec.syncWindows ?? [];
  if (windows.length === 0) return [line('Sync windows:', cell('none'), c)];
  const rows = windows.map((w): Cell[] => [
    cell(`  ${w.kind}`, w.kind === 'deny' ? 'yellow' : 'green'),
    cell(w.schedule),
    cell(`for ${w.duration}`),
    cell(w.timeZone ?? 'UTC'),
    cell(w.manualSync ? 'manual sync allowed' : ''),
  ]);
  return ['Sync windows:', ...formatTable(rows, c)];
}

function dependencies(gs: GitSync): string {
  return (gs.spec.dependsOn ?? [])
    .map((d) =>
      d.namespace && d.namespace !== gs.metadata.namespace ? `${d.namespace}/${d.name}` : d.name,
    )
    .join(', ');
}

function inventoryLines(gs: GitSync, c: boolean): string[] {
  const inventory = gs.status?.inventory ?? [];
  const lines = [
    line('Inventory:', cell(`${inventory.length} object${inventory.length === 1 ? '' : 's'}`), c),
  ];
  for (const ref of inventory.slice(0, inventoryShown))
    lines.push(
      styled(
        [{ text: `  ${describeRef(ref)}` }, { text: ` (${ref.apiVersion})`, style: 'dim' }],
        c,
      ),
    );
  if (inventory.length > inventoryShown)
    lines.push(`  … ${inventory.length - inventoryShown} more`);
  const drift = gs.status?.drift ?? [];
  if (drift.length > 0)
    lines.push(line('Drift:', cell(drift.map(describeRef).join(', '), 'yellow'), c));
  return lines;
}

/** One history entry as table cells: revision, result, when, duration, message. */
export function historyRow(entry: SyncHistoryEntry, now: number): string[] {
  return [
    shortRevision(entry.revision),
    entry.result,
    ago(entry.startedAt, now),
    `${entry.durationSeconds.toFixed(1)}s`,
    oneLine(entry.message),
  ];
}

function historyLines(history: readonly SyncHistoryEntry[], opts: GitSyncRenderOptions): string[] {
  if (history.length === 0) return [line('History:', cell('none'), opts.color)];
  const header = ['  REVISION', 'RESULT', 'STARTED', 'DURATION', 'MESSAGE'].map((h) =>
    cell(h, 'dim'),
  );
  const rows = history.slice(0, historyShown).map((entry): Cell[] => {
    const [revision = '', result = '', ...rest] = historyRow(entry, opts.now);
    return [
      cell(`  ${revision}`),
      cell(result, result === 'Failed' ? 'red' : 'green'),
      ...rest.map((t) => cell(t)),
    ];
  });
  return ['History:', ...formatTable([header, ...rows], opts.color)];
}

/** The columns of one GitSync in `list gitsyncs`, plain text (tests and the table share them). */
export interface GitSyncRow {
  readonly namespace: string;
  readonly name: string;
  readonly revision: string;
  readonly ready: string;
  readonly healthy: string;
  readonly suspended: string;
  readonly age: string;
  readonly message: string;
}

/** One GitSync's columns: absent conditions read Unknown, the message is Ready's. */
export function gitSyncRow(gs: GitOpsObject & GitSync, now: number): GitSyncRow {
  const ready = conditionOf(gs, GitOpsConditionType.Ready);
  const created = gs.metadata.creationTimestamp;
  return {
    namespace: gs.metadata.namespace,
    name: gs.metadata.name,
    revision: shortRevision(gs.status?.lastAppliedRevision),
    ready: ready?.status ?? 'Unknown',
    healthy: conditionOf(gs, GitOpsConditionType.Healthy)?.status ?? 'Unknown',
    suspended: String(gs.spec.suspend === true),
    age: created ? humanAge(now - Date.parse(created)) : '',
    message: oneLine(ready?.message),
  };
}

/** How to render the list. */
export interface GitSyncListOptions extends GitSyncRenderOptions {
  /** Adds the NAMESPACE column (with -A). */
  readonly allNamespaces: boolean;
}

/** The table, sorted by name (by namespace first with -A), header first; ends with a newline. */
export function renderGitSyncList(
  items: readonly (GitOpsObject & GitSync)[],
  opts: GitSyncListOptions,
): string {
  const rows = items
    .map((gs) => gitSyncRow(gs, opts.now))
    .sort(
      (a, b) =>
        (opts.allNamespaces ? a.namespace.localeCompare(b.namespace) : 0) ||
        a.name.localeCompare(b.name),
    );
  const header = ['NAME', 'REVISION', 'READY', 'HEALTHY', 'SUSPENDED', 'AGE', 'MESSAGE'];
  const table: Cell[][] = [
    (opts.allNamespaces ? ['NAMESPACE', ...header] : header).map((h) => cell(h, 'dim')),
    ...rows.map((row) => {
      const cells: Cell[] = [
        cell(row.name),
        cell(row.revision),
        cell(row.ready, conditionStyle(GitOpsConditionType.Ready, row.ready)),
        cell(row.healthy, conditionStyle(GitOpsConditionType.Healthy, row.healthy)),
        cell(row.suspended, row.suspended === 'true' ? 'yellow' : undefined),
        cell(row.age),
        cell(row.message),
      ];
      return opts.allNamespaces ? [cell(row.namespace), ...cells] : cells;
    }),
  ];
  return formatTable(table, opts.color).join('\n') + '\n';
}
