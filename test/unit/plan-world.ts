// An in-memory cluster for driving planners through whole rollouts: each pass's actions are
// applied to simulated ReplicaSets (whose pods become available at once unless stuck), a traffic
// weight and Service selectors. A pure simulation: no I/O.
import type { AnalysisTemplate } from '../../src/api/analysis.js';
import type { Rollout } from '../../src/api/rollout.js';
import type { RunFacts } from '../../src/decide/analysis/rollout-analysis.js';
import type { AnalysisFacts, ServiceFacts } from '../../src/decide/plan-common.js';
import {
  planRollout,
  type ReplicaSetFacts,
  type RolloutAction,
  type RolloutPlan,
} from '../../src/decide/rollout-plan.js';
import { statusMergePatch } from '../../src/decide/status-patch.js';

/** A pod template running one image. */
export const template = (image: string) => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image }] },
});

/** The simulated cluster around one Rollout. */
export class World {
  rss: ReplicaSetFacts[] = [];
  weight = 0;
  now = Date.parse('2026-11-29T12:00:00Z');
  events: string[] = [];
  /** Pod template hashes whose pods never become available. */
  stuck = new Set<string>();
  /** Services by name (only those the test created). */
  services: Record<string, ServiceFacts> | undefined;
  analysis: AnalysisFacts | undefined;
  /** The Rollout's AnalysisRuns (created by the planner; tests set their phases). */
  runs: RunFacts[] = [];
  /** AnalysisTemplates by name (cluster ones as `cluster/<name>`). */
  templates: Record<string, AnalysisTemplate> = {};
  private clock = 0;
  constructor(
    public ro: Rollout,
    readonly routed = false,
  ) {}

  /** One reconcile pass; its actions and status are applied. */
  pass(): RolloutPlan {
    for (const rs of this.rss)
      if (this.stuck.has(rs.podHash)) Object.assign(rs, { readyReplicas: 0, availableReplicas: 0 });
    const plan = planRollout({
      rollout: this.ro,
      replicaSets: this.rss,
      now: this.now,
      routed: this.routed,
      actualWeight: this.routed ? this.weight : undefined,
      services: this.services,
      analysis: this.analysis,
      runs: this.runs,
      template: (name, cluster) => this.templates[cluster ? `cluster/${name}` : name],
    });
    for (const action of plan.actions) this.apply(action);
    const status = { ...(this.ro.status ?? {}) } as Record<string, unknown>;
    const patch = statusMergePatch(status, plan.status) ?? {};
    this.ro = { ...this.ro, status: mergePatch(status, patch) as NonNullable<Rollout['status']> };
    return plan;
  }

  /** Passes until nothing changes any more (or a limit). */
  settle(limit = 30): void {
    for (let i = 0; i < limit; i++) {
      const before = this.snapshot();
      this.pass();
      if (this.snapshot() === before) return;
    }
  }

  /** Applies one action to the simulated cluster. */
  apply(a: RolloutAction): void {
    if (a.kind === 'createReplicaSet') {
      this.rss.push({
        name: a.name,
        podHash: a.podHash,
        revision: a.revision,
        template: a.template,
        specReplicas: a.replicas,
        replicas: a.replicas,
        readyReplicas: a.replicas,
        availableReplicas: a.replicas,
        observed: true,
      });
    } else if (a.kind === 'scaleReplicaSet') {
      const rs = this.rss.find((r) => r.name === a.name)!;
      const deadline =
        a.scaleDownDeadline === null
          ? undefined
          : a.scaleDownDeadline
            ? Date.parse(a.scaleDownDeadline)
            : rs.scaleDownDeadline;
      Object.assign(rs, {
        specReplicas: a.replicas,
        replicas: a.replicas,
        readyReplicas: a.replicas,
        availableReplicas: a.replicas,
        scaleDownDeadline: deadline,
      });
    } else if (a.kind === 'setRevision') {
      this.rss = this.rss.map((r) => (r.name === a.name ? { ...r, revision: a.revision } : r));
    } else if (a.kind === 'deleteReplicaSet') {
      this.rss = this.rss.filter((r) => r.name !== a.name);
    } else if (a.kind === 'setServiceSelector' && this.services?.[a.service]) {
      this.services[a.service] = { selectorHash: a.podHash, managedBy: this.ro.metadata.name };
    } else if (a.kind === 'createAnalysisRun') {
      const labels = a.run.metadata.labels ?? {};
      this.runs.push({
        name: a.run.metadata.name,
        kind: labels['rollout-type'],
        podHash: labels['rollouts-pod-template-hash'],
        stepIndex: labels['step-index'],
        phase: 'Running',
        message: undefined,
        terminate: false,
        created: ++this.clock,
      });
    } else if (a.kind === 'terminateAnalysisRun') {
      this.runs = this.runs.map((r) => (r.name === a.name ? { ...r, terminate: true } : r));
    } else if (a.kind === 'deleteAnalysisRun') {
      this.runs = this.runs.filter((r) => r.name !== a.name);
    } else if (a.kind === 'setWeight') {
      this.weight = a.weight;
    } else if (a.kind === 'event') {
      this.events.push(a.reason);
    }
  }

  private snapshot(): string {
    return JSON.stringify([this.rss, this.ro.status, this.weight, this.services, this.runs]);
  }

  /** Desired replicas of each ReplicaSet, oldest first. */
  sizes(): number[] {
    return this.rss.map((rs) => rs.specReplicas);
  }

  /** Changes the template, as `kubectl argo rollouts set image` does. */
  update(image: string): void {
    this.ro = {
      ...this.ro,
      metadata: { ...this.ro.metadata, generation: 2 },
      spec: { ...this.ro.spec, template: template(image) },
    };
  }
}

/** RFC 7386 JSON merge patch, as the API server applies it. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Sets the phase of the newest run of a kind (a stand-in for the AnalysisRun controller). */
export function finishRun(w: World, kind: string, phase: string, message?: string): string {
  const run = [...w.runs].reverse().find((r) => r.kind === kind);
  if (!run) throw new Error(`no ${kind} run`);
  w.runs = w.runs.map((r) => (r === run ? { ...r, phase, message } : r));
  return run.name;
}
