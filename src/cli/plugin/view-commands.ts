// The read-only commands: get, list, status.
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';

import type { Rollout } from '../../api/rollout.js';
import { parseGoDuration } from '../../decide/durations.js';
import { UserError } from '../run.js';
import { getRollout, session, type GlobalOptions, type Session } from './context.js';
import { renderList } from './render-list.js';
import { renderRollout, statusLine } from './render-rollout.js';
import { outcomeOf, type RolloutView } from './rollout-info.js';
import { listRollouts, loadRolloutView } from './rollout-view.js';
import { interruptSignal, watchFrames, type Frame } from './watch.js';

/** Registers `get rollout`, `list rollouts` and `status`. */
export function registerViewCommands(program: Command): void {
  program
    .command('get')
    .description('show a resource in detail')
    .command('rollout')
    .aliases(['rollouts', 'ro'])
    .argument('<name>', 'rollout name')
    .description('show a rollout: status, step, weights, images, and its revisions as a tree')
    .option('-w, --watch', 'redraw whenever it changes (Ctrl-C to stop)')
    .option('-o, --output <format>', 'print the Rollout object instead: json or yaml')
    .action(getRolloutCommand);
  program
    .command('list')
    .description('list resources')
    .command('rollouts')
    .aliases(['rollout', 'ro'])
    .description('one line per rollout: strategy, status, step, weight, readiness, age')
    .option('-w, --watch', 'redraw whenever the list changes (Ctrl-C to stop)')
    .option('-o, --output <format>', 'print the Rollouts as a List object: json or yaml')
    .action(listRolloutsCommand);
  program
    .command('status')
    .argument('<name>', 'rollout name')
    .description(
      'watch the rollout until it finishes, as Argo’s status does: exit 0 when Healthy, 1 when ' +
        'Degraded or aborted, 2 on timeout. With --watch=false print the phase once and exit 0 ' +
        'unless it is Degraded or aborted',
    )
    .option(
      '-w, --watch [bool]',
      'wait until the rollout is Healthy, Degraded or aborted (default true)',
      parseBool,
      true,
    )
    .option('-t, --timeout <duration>', 'give up after this long, e.g. 30s or 5m (implies --watch)')
    .action(statusCommand);
}

interface GetOptions {
  readonly watch?: boolean;
  readonly output?: string;
}

async function getRolloutCommand(name: string, _opts: GetOptions, command: Command): Promise<void> {
  const opts = command.optsWithGlobals<GlobalOptions & GetOptions>();
  if (opts.output !== undefined && opts.output !== 'json' && opts.output !== 'yaml')
    throw new UserError(`unknown output format "${opts.output}": use json or yaml`);
  if (opts.output !== undefined && opts.watch)
    throw new UserError('--watch and --output cannot be used together');
  const s = session(opts);
  if (opts.output !== undefined) {
    process.stdout.write(formatObject(await getRollout(s, name), opts.output));
    return;
  }
  const frame = async (): Promise<Frame> => {
    const view = await loadRolloutView(s, name);
    return { text: renderRollout(view, { now: Date.now(), color: s.color }), key: viewKey(view) };
  };
  if (!opts.watch) {
    process.stdout.write((await frame()).text);
    return;
  }
  await watchFrames(frame, { out: process.stdout, signal: interruptSignal() });
}

function formatObject(rollout: Rollout, format: string): string {
  return format === 'json' ? JSON.stringify(rollout, null, 2) + '\n' : toYaml(rollout);
}

/** The objects' versions: a change in any of them is a change worth printing again. */
function viewKey(view: RolloutView): string {
  const objects = [
    view.rollout,
    ...view.replicaSets,
    ...view.pods,
    ...view.analysisRuns,
    ...view.jobs,
  ] as { metadata?: { resourceVersion?: string | undefined } | undefined }[];
  return objects.map((o) => o.metadata?.resourceVersion ?? '').join(',');
}

interface ListOptions {
  readonly watch?: boolean;
  readonly output?: string;
}

async function listRolloutsCommand(_opts: ListOptions, command: Command): Promise<void> {
  const opts = command.optsWithGlobals<GlobalOptions & ListOptions>();
  const s = session(opts);
  if (opts.output !== undefined) return printList(s, opts);
  const frame = async (): Promise<Frame> => {
    const rollouts = await listRollouts(s);
    const text =
      rollouts.length === 0
        ? nothingFound(s)
        : renderList(rollouts, { now: Date.now(), color: s.color, allNamespaces: s.allNamespaces });
    return { text, key: rollouts.map((r) => r.metadata.resourceVersion ?? '').join(',') };
  };
  if (opts.watch) {
    await watchFrames(frame, { out: process.stdout, signal: interruptSignal() });
    return;
  }
  const { text } = await frame();
  // kubectl's habit: "nothing here" is a remark on stderr, so stdout stays parseable.
  if (text.startsWith('No resources')) process.stderr.write(text);
  else process.stdout.write(text);
}

/** `-o json|yaml`: a v1 List of the Rollouts, as `kubectl get -o json` prints one. */
async function printList(s: Session, opts: ListOptions): Promise<void> {
  if (opts.output !== 'json' && opts.output !== 'yaml')
    throw new UserError(`unknown output format "${opts.output}": use json or yaml`);
  if (opts.watch) throw new UserError('--watch and --output cannot be used together');
  const items = await listRollouts(s);
  const list = { apiVersion: 'v1', kind: 'List', items };
  process.stdout.write(
    opts.output === 'json' ? `${JSON.stringify(list, null, 2)}\n` : toYaml(list),
  );
}

function nothingFound(s: Session): string {
  return s.allNamespaces
    ? 'No resources found\n'
    : `No resources found in ${s.namespace} namespace.\n`;
}

interface StatusOptions {
  readonly watch?: boolean;
  readonly timeout?: string;
}

/** Exit code of `status` when --timeout runs out (1 is taken by Degraded). */
const timeoutExitCode = 2;

async function statusCommand(name: string, _opts: StatusOptions, command: Command): Promise<void> {
  const opts = command.optsWithGlobals<GlobalOptions & StatusOptions>();
  const timeoutMs = parseTimeout(opts.timeout);
  const s = session(opts);
  if (opts.watch === false && opts.timeout === undefined) {
    // Argo's rule without --watch: only a broken rollout fails; Paused or Progressing is not an error.
    const rollout = await getRollout(s, name);
    process.stdout.write(statusLine(rollout, s.color) + '\n');
    finish(rollout);
    return;
  }
  await watchStatus(s, name, { ms: timeoutMs, text: opts.timeout ?? '' });
}

/** `--watch=false` (kubectl's spelling of a boolean flag's value). */
function parseBool(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UserError(`expected true or false, got "${value}"`);
}

/** Milliseconds of --timeout; 0 (or none) waits for ever. */
function parseTimeout(text: string | undefined): number {
  if (text === undefined) return 0;
  const seconds = parseGoDuration(text);
  if (Number.isNaN(seconds) || seconds < 0)
    throw new UserError(`invalid --timeout "${text}": use a duration such as 30s, 5m or 1h30m`);
  return seconds * 1000;
}

async function watchStatus(
  s: Session,
  name: string,
  timeout: { ms: number; text: string },
): Promise<void> {
  const deadline = timeout.ms > 0 ? Date.now() + timeout.ms : Number.POSITIVE_INFINITY;
  let printed = '';
  for (;;) {
    const rollout = await getRollout(s, name);
    const line = statusLine(rollout, s.color);
    if (line !== printed) process.stdout.write(line + '\n');
    printed = line;
    if (outcomeOf(rollout) !== 'waiting') return finish(rollout);
    const left = deadline - Date.now();
    if (left <= 0)
      throw new UserError(
        `timed out after ${timeout.text} waiting for rollout "${name}" to finish ` +
          `(${statusLine(rollout, false)})`,
        timeoutExitCode,
      );
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, left)));
  }
}

/** Healthy, Progressing and Paused return; Degraded and aborted fail with exit 1. */
function finish(rollout: Rollout): void {
  const outcome = outcomeOf(rollout);
  const name = rollout.metadata.name;
  if (outcome === 'aborted') throw new UserError(`rollout "${name}" was aborted`);
  if (outcome === 'degraded') throw new UserError(`rollout "${name}" is degraded`);
}
