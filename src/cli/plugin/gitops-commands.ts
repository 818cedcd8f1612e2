// The GitOps commands: get gitsync, list gitsyncs, sync, suspend, and resume --kind. They only read
// and merge-patch GitSync and GitRepository objects; the controller does the rest (a new value of
// ramp.dev/reconcile-requested-at asks it for a reconcile now, as Flux's annotation does).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { stringify as toYaml } from 'yaml';

import type { GitOpsCondition, GitRepository, GitSync } from '../../api/gitops.js';
import { GitOpsAnnotation, gitopsApiVersion } from '../../api/gitops-conditions.js';
import { parseGoDuration } from '../../decide/durations.js';
import { KubeRequestError, rawRequest, resourcePath } from '../../kube/raw.js';
import { UserError } from '../run.js';
import { explain, patchRollout, session, type GlobalOptions, type Session } from './context.js';
import {
  conditionText,
  gitopsPlural,
  parseGitOpsKind,
  reconcileOutcome,
  reconcileRequestPatch,
  sourceOf,
  suspendPatch,
  resumeTargets,
  type GitOpsKind,
  type GitOpsObject,
} from './gitops-info.js';
import { renderGitSync, renderGitSyncList, type GitSyncView } from './render-gitsync.js';

/** Exit code when --wait runs out of time (1 is a failed reconcile). */
const timeoutExitCode = 2;
/** How long `sync --wait` waits without --timeout. */
const defaultWait = '5m';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Registers get gitsync, list gitsyncs, sync, suspend, and `--kind` on resume. */
export function registerGitOpsCommands(program: Command): void {
  parent(program, 'get', 'show a resource in detail')
    .command('gitsync')
    .aliases(['gitsyncs', 'gs'])
    .argument('<name>', 'gitsync name')
    .description(
      'show a gitsync: source, revisions, conditions, sync windows, inventory and history',
    )
    .option('-o, --output <format>', 'print the GitSync object instead: json or yaml')
    .action(getGitSyncCommand);
  parent(program, 'list', 'list resources')
    .command('gitsyncs')
    .aliases(['gitsync', 'gs'])
    .description('one line per gitsync: revision, ready, healthy, suspended, age, message')
    .option('-o, --output <format>', 'print the GitSyncs as a List object: json or yaml')
    .action(listGitSyncsCommand);
  registerSync(program);
  program
    .command('suspend')
    .description('suspend gitsyncs (spec.suspend=true): the controller leaves them alone')
    .argument('<args...>', '[gitsync|gitrepository] NAME…')
    .option('--kind <kind>', 'gitsync or gitrepository', kindOption)
    .action(async (args: string[], opts: { kind?: GitOpsKind }, cmd: Command) => {
      if (['rollout', 'rollouts', 'ro'].includes(args[0] ?? '') && args.length > 1)
        throw new UserError('rollouts are paused, not suspended: kubectl ramp pause NAME');
      const target = resumeTargets(args, opts.kind);
      // Rollouts pause (spec.paused); suspend is the GitOps word, so a bare name is a GitSync.
      const kind = target.kind === 'rollout' ? 'gitsync' : target.kind;
      await setSuspend(sessionOf(cmd), kind, target.names, true);
    });
  registerResume(program);
}

/** The `get`/`list` parent command, shared with the rollout views (created if missing). */
function parent(program: Command, name: string, description: string): Command {
  return (
    program.commands.find((c) => c.name() === name) ??
    program.command(name).description(description)
  );
}

function sessionOf(cmd: Command): Session {
  return session(cmd.optsWithGlobals<GlobalOptions>());
}

function kindOption(value: string): GitOpsKind {
  const kind = parseGitOpsKind(value);
  if (!kind) throw new InvalidArgumentError('expected gitsync or gitrepository');
  return kind;
}

function outputFormat(output: string | undefined): 'json' | 'yaml' | undefined {
  if (output === undefined || output === 'json' || output === 'yaml') return output;
  throw new UserError(`unknown output format "${output}": use json or yaml`);
}

function format(value: unknown, output: 'json' | 'yaml'): string {
  return output === 'json' ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value);
}

function objectPath(kind: GitOpsKind, namespace: string | undefined, name?: string): string {
  return resourcePath({
    apiVersion: gitopsApiVersion,
    plural: gitopsPlural[kind],
    namespace,
    name,
  });
}

/** Reads a GitSync or GitRepository; a missing one is one clear line. */
async function getObject<T>(s: Session, kind: GitOpsKind, ref: ObjectName): Promise<T> {
  try {
    return await rawRequest<T>(s.kc, {
      method: 'GET',
      path: objectPath(kind, ref.namespace, ref.name),
    });
  } catch (err) {
    throw explainGitOps(err, s, kind, ref);
  }
}

/** Merge-patches a GitSync or GitRepository. */
async function patchObject(
  s: Session,
  kind: GitOpsKind,
  ref: ObjectName,
  patch: unknown,
): Promise<void> {
  try {
    await rawRequest(s.kc, {
      method: 'PATCH',
      path: objectPath(kind, ref.namespace, ref.name),
      body: patch,
      contentType: 'application/merge-patch+json',
    });
  } catch (err) {
    throw explainGitOps(err, s, kind, ref);
  }
}

interface ObjectName {
  readonly namespace: string;
  readonly name: string;
}

function explainGitOps(err: unknown, s: Session, kind: GitOpsKind, ref: ObjectName): UserError {
  if (err instanceof KubeRequestError && err.statusCode === 404)
    return new UserError(`${kind} "${ref.name}" not found in namespace "${ref.namespace}"`);
  return explain(err, { kind, ...ref }, s.kc);
}

interface GetOptions {
  readonly output?: string;
}

async function getGitSyncCommand(name: string, _opts: GetOptions, cmd: Command): Promise<void> {
  const opts = cmd.optsWithGlobals<GlobalOptions & GetOptions>();
  const output = outputFormat(opts.output);
  const s = session(opts);
  const gitsync = await getObject<GitSync>(s, 'gitsync', { namespace: s.namespace, name });
  if (output) return void process.stdout.write(format(gitsync, output));
  const view = await withRepository(s, gitsync);
  process.stdout.write(renderGitSync(view, { now: Date.now(), color: s.color }));
}

/** The GitSync and its source; a source that cannot be read is shown, not fatal. */
async function withRepository(s: Session, gitsync: GitSync): Promise<GitSyncView> {
  const src = sourceOf(gitsync);
  try {
    const path = objectPath('gitrepository', src.namespace, src.name);
    return { gitsync, repository: await rawRequest<GitRepository>(s.kc, { method: 'GET', path }) };
  } catch (err) {
    if (err instanceof KubeRequestError && err.statusCode === 404)
      return { gitsync, repositoryProblem: 'not found' };
    return { gitsync, repositoryProblem: explain(err, undefined, s.kc).message };
  }
}

async function listGitSyncsCommand(_opts: GetOptions, cmd: Command): Promise<void> {
  const opts = cmd.optsWithGlobals<GlobalOptions & GetOptions>();
  const output = outputFormat(opts.output);
  const s = session(opts);
  const items = await listGitSyncs(s);
  if (output)
    return void process.stdout.write(format({ apiVersion: 'v1', kind: 'List', items }, output));
  // kubectl's habit: "nothing here" is a remark on stderr, so stdout stays parseable.
  if (items.length === 0)
    return void process.stderr.write(
      s.allNamespaces
        ? 'No resources found\n'
        : `No resources found in ${s.namespace} namespace.\n`,
    );
  process.stdout.write(
    renderGitSyncList(items, { now: Date.now(), color: s.color, allNamespaces: s.allNamespaces }),
  );
}

async function listGitSyncs(s: Session): Promise<(GitOpsObject & GitSync)[]> {
  try {
    const answer = await rawRequest<{ items?: (GitOpsObject & GitSync)[] }>(s.kc, {
      method: 'GET',
      path: objectPath('gitsync', s.allNamespaces ? undefined : s.namespace),
    });
    return answer.items ?? [];
  } catch (err) {
    // The collection itself missing means the kind is unknown to this API server.
    if (err instanceof KubeRequestError && err.statusCode === 404)
      throw new UserError(
        `the GitSync kind (${gitopsApiVersion}) is not installed in this cluster`,
      );
    throw explain(err, undefined, s.kc);
  }
}

interface SyncOptions {
  readonly source?: boolean;
  readonly wait?: boolean;
  readonly timeout?: string;
}

function registerSync(program: Command): void {
  program
    .command('sync')
    .description(
      `ask for a reconcile now: sets ${GitOpsAnnotation.reconcileRequestedAt} on the gitsync ` +
        'and on its gitrepository (a fetch first). With --wait: exit 0 once handled, 1 if it ' +
        'failed, 2 on timeout',
    )
    .argument('<name>', 'gitsync name')
    .option('--source', 'also ask its gitrepository to fetch now', true)
    .option('--no-source', 'only the gitsync: apply the revision already fetched')
    .option('-w, --wait', 'wait until the controller has handled the request')
    .option(
      '-t, --timeout <duration>',
      `give up waiting after this long, e.g. 30s (implies --wait; default ${defaultWait})`,
      durationOption,
    )
    .action(syncCommand);
}

function durationOption(value: string): string {
  const seconds = parseGoDuration(value);
  if (Number.isNaN(seconds) || seconds <= 0)
    throw new InvalidArgumentError('expected a duration such as 30s, 5m or 1h');
  return value;
}

/** A wait's end: a time and how it was written (for the timeout message). */
interface Deadline {
  readonly at: number;
  readonly text: string;
}

async function syncCommand(name: string, _opts: SyncOptions, cmd: Command): Promise<void> {
  const opts = cmd.optsWithGlobals<GlobalOptions & SyncOptions>();
  const waitText = opts.timeout ?? defaultWait;
  const deadline =
    opts.wait || opts.timeout !== undefined
      ? { at: Date.now() + parseGoDuration(waitText) * 1000, text: waitText }
      : undefined;
  const s = session(opts);
  const self = { namespace: s.namespace, name };
  const gitsync = await getObject<GitSync>(s, 'gitsync', self);
  if (gitsync.spec.suspend)
    throw new UserError(
      `gitsync "${name}" is suspended: resume it first (kubectl ramp resume gitsync ${name})`,
    );
  const at = new Date().toISOString();
  if (opts.source !== false) await fetchSource(s, { gitsync, at, deadline });
  await patchObject(s, 'gitsync', self, reconcileRequestPatch(at));
  say(`gitsync '${name}' reconcile requested (${GitOpsAnnotation.reconcileRequestedAt}=${at})`);
  if (!deadline) return;
  const done = await waitHandled<GitSync>(s, { kind: 'gitsync', ref: self, at, deadline });
  const revision = done.obj.status?.lastAppliedRevision ?? 'no revision applied';
  say(`gitsync '${name}' reconciled: ${revision} (Ready ${conditionText(done.ready)})`);
}

/** Asks the GitSync's GitRepository to fetch now and, when waiting, waits for that fetch. */
async function fetchSource(
  s: Session,
  sync: { gitsync: GitSync; at: string; deadline: Deadline | undefined },
): Promise<void> {
  const src = sourceOf(sync.gitsync);
  const shown = src.namespace === s.namespace ? src.name : `${src.namespace}/${src.name}`;
  await patchObject(s, 'gitrepository', src, reconcileRequestPatch(sync.at));
  say(`gitrepository '${shown}' fetch requested`);
  if (!sync.deadline) return;
  const { obj: repo } = await waitHandled<GitRepository>(s, {
    kind: 'gitrepository',
    ref: src,
    at: sync.at,
    deadline: sync.deadline,
  });
  say(`gitrepository '${shown}' fetched ${repo.status?.artifact?.revision ?? '(no artifact)'}`);
}

/** Polls until status.lastHandledReconcileAt is `at`; a failed reconcile is exit 1, time out 2. */
async function waitHandled<T extends GitSync | GitRepository>(
  s: Session,
  what: { kind: GitOpsKind; ref: ObjectName; at: string; deadline: Deadline },
): Promise<{ obj: T; ready: GitOpsCondition | undefined }> {
  for (;;) {
    const obj = await getObject<T>(s, what.kind, what.ref);
    const outcome = reconcileOutcome(obj, what.at);
    if (outcome.state === 'failed')
      throw new UserError(
        `${what.kind} "${what.ref.name}" failed: ${conditionText(outcome.ready)}`,
      );
    if (outcome.state === 'done') return { obj, ready: outcome.ready };
    const left = what.deadline.at - Date.now();
    if (left <= 0)
      throw new UserError(
        `timed out after ${what.deadline.text} waiting for ${what.kind} "${what.ref.name}" ` +
          `to handle the reconcile request`,
        timeoutExitCode,
      );
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, left)));
  }
}

/** Sets spec.suspend on each named object; resuming also asks for a reconcile now. */
async function setSuspend(
  s: Session,
  kind: GitOpsKind,
  names: readonly string[],
  suspend: boolean,
): Promise<void> {
  for (const name of names) {
    await patchObject(
      s,
      kind,
      { namespace: s.namespace, name },
      suspendPatch(suspend, new Date().toISOString()),
    );
    say(`${kind} '${name}' ${suspend ? 'suspended' : 'resumed'}`);
  }
}

/**
 * `resume` is Argo's resume of a Rollout (spec.paused=false); `resume gitsync NAME` (or --kind)
 * resumes a suspended GitSync or GitRepository (spec.suspend=false, and a reconcile now).
 */
function registerResume(program: Command): void {
  program
    .command('resume')
    .description(
      'resume paused rollouts (spec.paused=false); `resume gitsync|gitrepository NAME…` resumes ' +
        'suspended GitOps objects (spec.suspend=false, and a reconcile now)',
    )
    .argument('<args...>', '[rollout|gitsync|gitrepository] NAME…')
    .option('--kind <kind>', 'gitsync or gitrepository instead of rollout', kindOption)
    .action(async (args: string[], opts: { kind?: GitOpsKind }, cmd: Command) => {
      const s = sessionOf(cmd);
      const target = resumeTargets(args, opts.kind);
      if (target.kind !== 'rollout') return setSuspend(s, target.kind, target.names, false);
      for (const rollout of target.names) {
        await patchRollout(s, rollout, { spec: { paused: false } }, 'spec');
        say(`rollout '${rollout}' resumed`);
      }
    });
}
