// The commands that change a Rollout: promote, abort, retry, pause, resume, restart, set image and
// undo. Each sends exactly what `kubectl argo rollouts` sends (merge patches to the Rollout or its
// status, a full update for set image, a JSON patch for undo), so the controller sees no difference.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';

import type { Rollout } from '../../api/rollout.js';
import { parseGoDuration } from '../../decide/durations.js';
import { rawRequest, resourcePath } from '../../kube/raw.js';
import { isConflictError } from '../../kube/rollout-io.js';
import { UserError } from '../run.js';
import {
  explain,
  getRollout,
  patchRollout,
  rolloutPath,
  session,
  type GlobalOptions,
  type Session,
} from './context.js';
import {
  containerNames,
  parseImageArg,
  selectRevision,
  templateMatches,
  withImage,
  withoutHashLabel,
  type ImageArg,
} from './pod-template.js';
import { promotePatches } from './promote.js';

/** The session of a command, from the global flags wherever they were given. */
export function sessionOf(cmd: Command): Session {
  return session(cmd.optsWithGlobals<GlobalOptions>());
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Registers promote, abort, retry, pause and restart (resume, shared with GitOps, is in gitops-commands). */
export function registerRolloutCommands(program: Command): void {
  program
    .command('promote')
    .description('promote a paused rollout to its next step (--full: skip every remaining step)')
    .argument('<rollout>', 'rollout name')
    .option('--full', 'skip the remaining steps, pauses and analysis')
    .action(async (name: string, opts: { full?: boolean }, cmd: Command) => {
      const s = sessionOf(cmd);
      const patches = promotePatches(await getRollout(s, name), opts.full === true);
      if (patches.status) await patchRollout(s, name, patches.status, 'status');
      if (patches.spec) await patchRollout(s, name, patches.spec, 'spec');
      say(`rollout '${name}' ${opts.full ? 'fully promoted' : 'promoted'}`);
    });

  simplePatch(program, 'abort', 'abort an update: traffic and pods go back to stable', {
    patch: { status: { abort: true } },
    subresource: 'status',
    done: 'aborted',
  });
  simplePatch(program, 'pause', 'pause a rollout (spec.paused=true)', {
    patch: { spec: { paused: true } },
    subresource: 'spec',
    done: 'paused',
  });
  registerRetry(program);
  registerRestart(program);
}

function simplePatch(
  program: Command,
  name: string,
  description: string,
  what: { patch: unknown; subresource: 'spec' | 'status'; done: string },
): void {
  program
    .command(name)
    .description(description)
    .argument('<rollouts...>', 'rollout names')
    .action(async (names: string[], _opts: unknown, cmd: Command) => {
      const s = sessionOf(cmd);
      for (const rollout of names) {
        await patchRollout(s, rollout, what.patch, what.subresource);
        say(`rollout '${rollout}' ${what.done}`);
      }
    });
}

const rolloutWords = ['rollout', 'rollouts', 'ro'];

/** `retry rollout NAME…` as in Argo, and `retry NAME…` for short. */
export function retryTargets(args: readonly string[]): string[] | { error: string } {
  const [first, ...rest] = args;
  if (first === 'experiment' || first === 'experiments' || first === 'exp')
    return { error: 'experiments are not supported by ramp' };
  if (first !== undefined && rolloutWords.includes(first) && rest.length > 0) return rest;
  return [...args];
}

function registerRetry(program: Command): void {
  program
    .command('retry')
    .description('retry an aborted rollout: `retry rollout NAME` (or `retry NAME`)')
    .argument('<args...>', '[rollout] NAME…')
    .action(async (args: string[], _opts: unknown, cmd: Command) => {
      const names = retryTargets(args);
      if (!Array.isArray(names)) throw new UserError(names.error);
      const s = sessionOf(cmd);
      for (const name of names) {
        await patchRollout(s, name, { status: { abort: false } }, 'status');
        say(`rollout '${name}' retried`);
      }
    });
}

/** spec.restartAt for a restart `inSeconds` from `now`: RFC 3339 in UTC, whole seconds (Go's). */
export function restartTime(now: number, inSeconds: number): string {
  return new Date(now + inSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

function goDuration(value: string): string {
  if (Number.isNaN(parseGoDuration(value)))
    throw new InvalidArgumentError('expected a duration such as 30s, 5m or 1h');
  return value;
}

function registerRestart(program: Command): void {
  program
    .command('restart')
    .description('replace the pods of a rollout, one at a time (spec.restartAt)')
    .argument('<rollout>', 'rollout name')
    .option('-i, --in <duration>', 'restart after this long (e.g. 30s, 5m, 1h)', goDuration)
    .action(async (name: string, opts: { in?: string }, cmd: Command) => {
      const s = sessionOf(cmd);
      const at = restartTime(Date.now(), opts.in ? parseGoDuration(opts.in) : 0);
      await patchRollout(s, name, { spec: { restartAt: at } }, 'spec');
      say(`rollout '${name}' restarts in ${opts.in ?? '0s'}`);
    });
}

/** Registers `set image` and `undo`. */
export function registerTemplateCommands(program: Command): void {
  program
    .command('set')
    .description('change a rollout')
    .command('image')
    .description('update container images of a rollout (CONTAINER may be * for all)')
    .argument('<rollout>', 'rollout name')
    .argument('<container=image>', 'e.g. app=nginx:1.27')
    .action(async (name: string, arg: string, _opts: unknown, cmd: Command) => {
      const parsed = parseImageArg(arg);
      if ('error' in parsed) throw new UserError(parsed.error);
      const kind = await setImage(sessionOf(cmd), name, parsed);
      say(`${kind} "${name}" image updated`);
    });

  program
    .command('undo')
    .description('roll back to the previous revision (or --to-revision N)')
    .argument('<rollout>', 'rollout name')
    .option('--to-revision <n>', 'revision to roll back to (default: the previous one)', revision)
    .action(async (name: string, opts: { toRevision?: number }, cmd: Command) => {
      say(await undo(sessionOf(cmd), name, opts.toRevision ?? 0));
    });
}

function revision(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a revision number');
  return n;
}

/** What set image and undo write to: the Rollout, or the workload it references. */
interface Target {
  readonly kind: string;
  readonly name: string;
  readonly path: string;
}

function targetOf(s: Session, rollout: Rollout): Target {
  const ref = rollout.spec.workloadRef;
  const name = rollout.metadata.name;
  if (!ref) return { kind: 'rollout', name, path: rolloutPath(s.namespace, name) };
  const plural = ref.kind === 'ReplicaSet' ? 'replicasets' : 'deployments';
  const path = resourcePath({
    apiVersion: 'apps/v1',
    plural,
    namespace: s.namespace,
    name: ref.name ?? '',
  });
  return { kind: (ref.kind ?? 'Deployment').toLowerCase(), name: ref.name ?? '', path };
}

async function request<T>(
  s: Session,
  target: Target,
  req: { method: 'GET' | 'PUT' | 'PATCH'; body?: unknown; contentType?: string },
): Promise<T> {
  try {
    return await rawRequest<T>(s.kc, { ...req, path: target.path });
  } catch (err) {
    if (isConflictError(err)) throw err;
    throw explain(err, { ...target, namespace: s.namespace }, s.kc);
  }
}

/** Argo's read-modify-update, retried on a write conflict up to five times. */
async function setImage(s: Session, name: string, arg: ImageArg): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await setImageOnce(s, name, arg);
    } catch (err) {
      if (!isConflictError(err)) throw err;
      if (attempt >= 5) throw explain(err, { kind: 'rollout', name, namespace: s.namespace }, s.kc);
    }
  }
}

async function setImageOnce(s: Session, name: string, arg: ImageArg): Promise<string> {
  const rollout = await getRollout(s, name);
  const target = targetOf(s, rollout);
  const current = target.kind === 'rollout' ? rollout : await request(s, target, { method: 'GET' });
  const { obj, found } = withImage(current, arg);
  if (!found) {
    const names = containerNames(current).join(', ') || 'none';
    throw new UserError(
      `${target.kind} "${target.name}" has no container named "${arg.container}" (containers: ${names})`,
    );
  }
  await request(s, target, { method: 'PUT', body: obj });
  return target.kind;
}

interface ReplicaSetItem {
  metadata: {
    name?: string;
    annotations?: Record<string, string>;
    ownerReferences?: { uid?: string; controller?: boolean }[];
  };
  spec?: { template?: Record<string, unknown> };
}

/** A label selector as the API's labelSelector query parameter spells it. */
export function selectorString(selector: Rollout['spec']['selector']): string {
  const labels = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (selector?.matchExpressions ?? []).map((e) => {
    const values = `(${(e.values ?? []).join(',')})`;
    const byOperator: Record<string, string> = {
      In: `${e.key} in ${values}`,
      NotIn: `${e.key} notin ${values}`,
      Exists: e.key,
      DoesNotExist: `!${e.key}`,
    };
    return byOperator[e.operator] ?? e.key;
  });
  return [...labels, ...expressions].join(',');
}

async function ownedReplicaSets(s: Session, rollout: Rollout): Promise<ReplicaSetItem[]> {
  const base = resourcePath({
    apiVersion: 'apps/v1',
    plural: 'replicasets',
    namespace: s.namespace,
  });
  const query = new URLSearchParams({ labelSelector: selectorString(rollout.spec.selector) });
  try {
    const list = await rawRequest<{ items: ReplicaSetItem[] }>(s.kc, {
      method: 'GET',
      path: `${base}?${query.toString()}`,
    });
    const uid = rollout.metadata.uid;
    return list.items.filter((rs) =>
      (rs.metadata.ownerReferences ?? []).some((o) => o.controller === true && o.uid === uid),
    );
  } catch (err) {
    throw explain(err, undefined, s.kc);
  }
}

async function undo(s: Session, name: string, toRevision: number): Promise<string> {
  const rollout = await getRollout(s, name);
  const picked = selectRevision(await ownedReplicaSets(s, rollout), toRevision);
  if ('error' in picked) throw new UserError(`rollout "${name}": ${picked.error}`);
  const template = picked.rs.spec?.template ?? {};
  if (rollout.spec.template && templateMatches(rollout.spec.template, template))
    return `skipped rollback (current template already matches revision ${picked.revision})`;
  const target = targetOf(s, rollout);
  if (target.kind !== 'rollout' && target.kind !== 'deployment' && target.kind !== 'replicaset')
    throw new UserError(`workload of type ${rollout.spec.workloadRef?.kind} is not supported`);
  await request(s, target, {
    method: 'PATCH',
    body: [{ op: 'replace', path: '/spec/template', value: withoutHashLabel(template) }],
    contentType: 'application/json-patch+json',
  });
  return `rollout '${name}' undo`;
}
