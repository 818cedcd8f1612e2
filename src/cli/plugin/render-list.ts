// `list rollouts` as text, purely from the Rollouts and a clock: one aligned line per Rollout.
import type { Rollout } from '../../api/rollout.js';
import { canaryProgress, effectiveStatus, phaseBadge, strategyName } from './rollout-info.js';
import { cell, formatTable, humanAge, type Cell } from './render-table.js';

/** How to render the list. */
export interface ListOptions {
  readonly now: number;
  readonly color: boolean;
  /** Adds the NAMESPACE column (with -A). */
  readonly allNamespaces: boolean;
}

/** The columns of one Rollout, plain text (tests and the table share them). */
export interface ListRow {
  readonly namespace: string;
  readonly name: string;
  readonly strategy: string;
  readonly status: string;
  readonly step: string;
  readonly setWeight: string;
  readonly ready: string;
  readonly age: string;
}

/** One Rollout's columns; blue-green has no step or weight, so those show "-". */
export function listRow(rollout: Rollout, now: number): ListRow {
  const progress = canaryProgress(rollout);
  const created = rollout.metadata.creationTimestamp;
  return {
    namespace: rollout.metadata.namespace ?? '',
    name: rollout.metadata.name,
    strategy: strategyName(rollout),
    status: effectiveStatus(rollout).phase,
    step: progress?.step ?? '-',
    setWeight: progress ? String(progress.setWeight) : '-',
    ready: `${rollout.status?.readyReplicas ?? 0}/${rollout.spec.replicas ?? 1}`,
    age: created ? humanAge(now - Date.parse(created)) : '',
  };
}

/** The table, sorted by name (by namespace first with -A), header first; ends with a newline. */
export function renderList(rollouts: readonly Rollout[], opts: ListOptions): string {
  const rows = rollouts
    .map((r) => listRow(r, opts.now))
    .sort(
      (a, b) =>
        (opts.allNamespaces ? a.namespace.localeCompare(b.namespace) : 0) ||
        a.name.localeCompare(b.name),
    );
  const header = ['NAME', 'STRATEGY', 'STATUS', 'STEP', 'SET-WEIGHT', 'READY', 'AGE'];
  const table: Cell[][] = [
    (opts.allNamespaces ? ['NAMESPACE', ...header] : header).map((h) => cell(h, 'dim')),
    ...rows.map((row) => {
      const cells: Cell[] = [
        cell(row.name),
        cell(row.strategy),
        cell(row.status, phaseBadge(row.status).style),
        cell(row.step),
        cell(row.setWeight),
        cell(row.ready),
        cell(row.age),
      ];
      return opts.allNamespaces ? [cell(row.namespace), ...cells] : cells;
    }),
  ];
  return formatTable(table, opts.color).join('\n') + '\n';
}
