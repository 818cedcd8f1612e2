// Leader election on a coordination.k8s.io Lease, so that of several controller replicas only one
// acts (and sends notifications). Hand-written on plain Lease reads and writes because
// client-node 1.x ships no leader election. The rules follow client-go's: a Lease held by
// another identity is taken over only after leaseDuration without renewal; writes use the
// resourceVersion read, so two candidates cannot both win; a leader that cannot renew within
// renewDeadline has lost and must stop acting at once (Argo users saw split brain when a lost
// leader carried on: argo-rollouts #2117).
import { setTimeout as delay } from 'node:timers/promises';

import type { KubeConfig } from '@kubernetes/client-node';

import { canAcquire, observe, type Observation } from '../decide/lease.js';
import type { Logger } from '../observability/logger.js';
import { KubeRequestError, rawRequest, resourcePath } from './raw.js';

/** How the election runs. */
export interface LeaderElectionOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  /** A Lease not renewed for this long may be taken over. */
  readonly leaseDurationMs: number;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** The Lease's MicroTime format: RFC 3339 with six fractional digits. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A candidate that becomes leader, keeps the Lease renewed, and says when it has lost it. */
export class LeaderElector {
  private leading = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private acquiring: Promise<void> | undefined;
  /** When the current Lease record was first seen, on this process's clock. */
  private seen: Observation | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
    private readonly opts: LeaderElectionOptions,
  ) {}

  /** True while this process holds the Lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** Resolves once this process leads; afterwards renews until stopped, calling onLost on loss. */
  acquire(onLost: () => void): Promise<void> {
    this.acquiring = this.acquireLoop(onLost);
    return this.acquiring;
  }

  private async acquireLoop(onLost: () => void): Promise<void> {
    const retryMs = Math.max(500, Math.floor(this.opts.leaseDurationMs / 5));
    while (!this.stopped && !(await this.tryAcquireOrRenew())) await delay(retryMs);
    if (this.stopped) return;
    this.leading = true;
    this.log.info({ lease: this.opts.name, identity: this.opts.identity }, 'became leader');
    this.loop = this.renewLoop(onLost);
  }

  /** Stops renewing and gives the Lease up so a successor need not wait for it to expire. */
  async release(): Promise<void> {
    this.stopped = true;
    await this.acquiring;
    await this.loop;
    if (!this.leading) return;
    this.leading = false;
    const lease = await this.read().catch(() => undefined);
    if (lease?.spec?.holderIdentity !== this.opts.identity) return;
    await this.write({ ...lease, spec: { ...lease.spec, holderIdentity: '' } }).catch(
      () => undefined,
    );
  }

  /**
   * Renews every third of the lease duration. The deadline runs on its own timer from the start
   * of the last successful renewal (the time written into the Lease), so a hung request cannot
   * stretch it; seeing another holder is a loss at once.
   */
  private async renewLoop(onLost: () => void): Promise<void> {
    const period = Math.floor(this.opts.leaseDurationMs / 3);
    const deadline = Math.floor((this.opts.leaseDurationMs * 2) / 3);
    let timer = setTimeout(() => this.lose(onLost), deadline);
    while (!this.stopped && this.leading) {
      await delay(period);
      if (this.stopped || !this.leading) break;
      const started = Date.now();
      const outcome = await this.renewOnce();
      if (outcome === 'renewed') {
        clearTimeout(timer);
        timer = setTimeout(() => this.lose(onLost), Math.max(0, started + deadline - Date.now()));
      } else if (outcome === 'taken') this.lose(onLost);
    }
    clearTimeout(timer);
  }

  private lose(onLost: () => void): void {
    if (!this.leading || this.stopped) return;
    this.leading = false;
    this.log.error({ lease: this.opts.name }, 'lost leadership');
    onLost();
  }

  /** One renewal: renewed, taken by another holder, or failed (retried until the deadline). */
  private async renewOnce(): Promise<'renewed' | 'taken' | 'failed'> {
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity && lease.spec.holderIdentity !== this.opts.identity)
        return 'taken';
      return (await this.tryAcquireOrRenew()) ? 'renewed' : 'failed';
    } catch {
      return 'failed';
    }
  }

  private path(withName: boolean): string {
    return resourcePath({
      apiVersion: 'coordination.k8s.io/v1',
      plural: 'leases',
      namespace: this.opts.namespace,
      ...(withName ? { name: this.opts.name } : {}),
    });
  }

  private async read(): Promise<Lease | undefined> {
    try {
      return await rawRequest<Lease>(this.kc, { method: 'GET', path: this.path(true) });
    } catch (err) {
      if (err instanceof KubeRequestError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  private async write(lease: Lease): Promise<void> {
    await rawRequest(this.kc, { method: 'PUT', path: this.path(true), body: lease });
  }

  /** One attempt; false when another holder is current or the write lost a race. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    try {
      const lease = await this.read();
      if (!lease) return await this.create(now);
      this.seen = observe(this.seen, lease.spec, now);
      if (!canAcquire(lease.spec, this.opts.identity, now, this.seen)) return false;
      await this.write(this.renewed(lease, now));
      return true;
    } catch (err) {
      // A conflict means someone else wrote first; anything else is retried next round.
      if (!(err instanceof KubeRequestError && err.statusCode === 409))
        this.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'lease update failed',
        );
      return false;
    }
  }

  private renewed(lease: Lease, now: number): Lease {
    const ours = lease.spec?.holderIdentity === this.opts.identity;
    return {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: this.opts.identity,
        leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000),
        renewTime: microTime(now),
        acquireTime: ours ? (lease.spec?.acquireTime ?? microTime(now)) : microTime(now),
        leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (ours ? 0 : 1),
      },
    };
  }

  private async create(now: number): Promise<boolean> {
    await rawRequest(this.kc, {
      method: 'POST',
      path: this.path(false),
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.opts.name, namespace: this.opts.namespace },
        spec: {
          holderIdentity: this.opts.identity,
          leaseDurationSeconds: Math.ceil(this.opts.leaseDurationMs / 1000),
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      },
    });
    return true;
  }
}
