// The GitOps apply engine against the real API server: create, no-op, configure, self-heal of
// kubectl edits, drift detection, opt-out annotations, CRDs and Namespaces in the same batch,
// namespaces, impersonation and prune.
import { randomBytes } from 'node:crypto';

import {
  ApiextensionsV1Api,
  RbacAuthorizationV1Api,
  type KubeConfig,
} from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';

import type { ManifestObject, ObjectRef } from '../../src/decide/gitops/objects.js';
import {
  applyObjects,
  deleteObjects,
  readObjects,
  type ApplyOptions,
  type ApplyReport,
} from '../../src/gitops/apply/index.js';
import { DynamicClient, type JsonPatchOp, type LiveObject } from '../../src/kube/dynamic.js';
import { rawRequest } from '../../src/kube/raw.js';
import { useTestNamespace } from '../support/namespace.js';
import { waitFor } from '../support/wait.js';

const env = useTestNamespace(import.meta.url);
const suffix = randomBytes(3).toString('hex');
const labels = { 'gitsync.ramp.dev/name': 'sync', 'gitsync.ramp.dev/namespace': 'ops' };

/** A real client that also counts the writes it sends, to prove a no-op apply writes nothing. */
class CountingClient extends DynamicClient {
  writes = 0;
  constructor(kc: KubeConfig, opts: ConstructorParameters<typeof DynamicClient>[1] = {}) {
    super(kc, opts);
  }
  override apply(
    obj: ManifestObject,
    opts: { dryRun: boolean; force: boolean },
  ): Promise<LiveObject> {
    if (!opts.dryRun) this.writes++;
    return super.apply(obj, opts);
  }
  override patchJson(ref: ObjectRef, ops: readonly JsonPatchOp[]): Promise<LiveObject> {
    this.writes++;
    return super.patchJson(ref, ops);
  }
}

const options = (over: Partial<ApplyOptions> = {}): ApplyOptions => ({
  mode: 'apply',
  labels,
  namespace: { default: env.name },
  timeoutMs: 60_000,
  ...over,
});

const deployment = (name: string, image: string): ManifestObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'app', image }] },
    },
  },
});
const service = (name: string): ManifestObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
});
const configMap = (
  name: string,
  data: Record<string, string>,
  meta: Partial<ManifestObject['metadata']> = {},
): ManifestObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...meta },
  data,
});

const actions = (report: ApplyReport): string[] =>
  report.results.map((r) => `${r.ref.kind}/${r.ref.name}=${r.action}`);
const metadataOf = (
  live: LiveObject | undefined,
): { resourceVersion?: string; labels?: Record<string, string>; namespace?: string } =>
  live?.metadata ?? {};

const extraNamespaces: string[] = [];
const crdNames: string[] = [];
const clusterRoles: string[] = [];
afterAll(async () => {
  const apiext = env.kc.makeApiClient(ApiextensionsV1Api);
  const rbac = env.kc.makeApiClient(RbacAuthorizationV1Api);
  await Promise.all([
    ...extraNamespaces.map((name) =>
      env.core.deleteNamespace({ name, propagationPolicy: 'Background' }).catch(() => undefined),
    ),
    ...crdNames.map((name) =>
      apiext.deleteCustomResourceDefinition({ name }).catch(() => undefined),
    ),
    ...clusterRoles.map((name) => rbac.deleteClusterRole({ name }).catch(() => undefined)),
  ]);
});

describe('applyObjects', () => {
  it('creates, leaves matching objects alone without writing, and configures changes', async () => {
    const client = new CountingClient(env.kc);
    const objects = [deployment('web', 'web:1'), service('web'), configMap('web', { a: '1' })];
    const created = await applyObjects(client, objects, options());
    expect(actions(created)).toEqual([
      'Deployment/web=created',
      'Service/web=created',
      'ConfigMap/web=created',
    ]);
    expect(created).toMatchObject({ failed: 0, changed: 3 });
    for (const r of created.results) {
      expect(r.ref.namespace).toBe(env.name);
      expect(metadataOf(r.live).labels).toMatchObject(labels);
    }

    const before = await readObjects(
      client,
      created.results.map((r) => r.ref),
    );
    client.writes = 0;
    const again = await applyObjects(client, objects, options());
    expect(actions(again)).toEqual([
      'Deployment/web=unchanged',
      'Service/web=unchanged',
      'ConfigMap/web=unchanged',
    ]);
    expect(again).toMatchObject({ failed: 0, changed: 0 });
    expect(client.writes).toBe(0);
    // The Deployment controller writes status on its own; the Service and ConfigMap have no writer
    // but ramp, so their resourceVersions show the apply wrote nothing.
    const after = await readObjects(
      client,
      created.results.map((r) => r.ref),
    );
    for (const r of again.results.filter((x) => x.ref.kind !== 'Deployment')) {
      const key = [...before.keys()].find((k) =>
        k.endsWith(`/${r.ref.kind}/${env.name}/${r.ref.name}`),
      )!;
      expect(metadataOf(after.get(key)).resourceVersion).toBe(
        metadataOf(before.get(key)).resourceVersion,
      );
    }

    const changed = await applyObjects(
      client,
      [deployment('web', 'web:2'), service('web'), configMap('web', { a: '1' })],
      options(),
    );
    expect(actions(changed)).toEqual([
      'Deployment/web=configured',
      'Service/web=unchanged',
      'ConfigMap/web=unchanged',
    ]);
    expect(changed.results[0]?.message).toBe('changed spec.template');
    const live = await env.apps.readNamespacedDeployment({ name: 'web', namespace: env.name });
    expect(live.spec?.template.spec?.containers[0]?.image).toBe('web:2');
  });

  it('reverts a kubectl edit: an added label goes away and changed replicas come back', async () => {
    const client = new DynamicClient(env.kc);
    const objects = [deployment('healed', 'healed:1')];
    await applyObjects(client, objects, options());
    const edit = async (): Promise<void> => {
      await env.apps.patchNamespacedDeployment({
        name: 'healed',
        namespace: env.name,
        fieldManager: 'kubectl-edit',
        body: [
          { op: 'add', path: '/metadata/labels/edited', value: 'by-hand' },
          { op: 'replace', path: '/spec/replicas', value: 5 },
        ],
      });
    };
    await edit();

    const detected = await applyObjects(client, objects, options({ mode: 'detect' }));
    expect(detected.results[0]).toMatchObject({
      action: 'drifted',
      message: 'fields managed by kubectl-edit',
    });
    expect(detected.changed).toBe(0);
    const untouched = await env.apps.readNamespacedDeployment({
      name: 'healed',
      namespace: env.name,
    });
    expect(untouched.metadata?.labels?.edited).toBe('by-hand');
    expect(untouched.spec?.replicas).toBe(5);

    const healed = await applyObjects(client, objects, options());
    expect(healed.results[0]?.action).toBe('configured');
    const live = await env.apps.readNamespacedDeployment({ name: 'healed', namespace: env.name });
    expect(live.metadata?.labels?.edited).toBeUndefined();
    expect(live.metadata?.labels).toMatchObject(labels);
    expect(live.spec?.replicas).toBe(2);
    expect(live.metadata?.managedFields?.map((m) => m.manager)).not.toContain('kubectl-edit');

    const settled = await applyObjects(client, objects, options());
    expect(settled.results[0]?.action).toBe('unchanged');
  });

  it('detects drift made by other managers and changes nothing in detect mode', async () => {
    const client = new DynamicClient(env.kc);
    const objects = [configMap('watched', { a: '1' }), configMap('absent', { a: '1' })];
    await applyObjects(client, [objects[0]!], options());
    await env.core.patchNamespacedConfigMap({
      name: 'watched',
      namespace: env.name,
      fieldManager: 'someone-else',
      body: [{ op: 'replace', path: '/data/a', value: '2' }],
    });

    const detected = await applyObjects(client, objects, options({ mode: 'detect' }));
    expect(actions(detected)).toEqual(['ConfigMap/watched=drifted', 'ConfigMap/absent=missing']);
    expect(detected.results[0]?.message).toBe('differs from Git in data');
    expect(
      (await env.core.readNamespacedConfigMap({ name: 'watched', namespace: env.name })).data,
    ).toEqual({ a: '2' });
    await expect(
      env.core.readNamespacedConfigMap({ name: 'absent', namespace: env.name }),
    ).rejects.toThrow();

    const healed = await applyObjects(client, objects, options());
    expect(actions(healed)).toEqual(['ConfigMap/watched=configured', 'ConfigMap/absent=created']);
    expect(
      (await env.core.readNamespacedConfigMap({ name: 'watched', namespace: env.name })).data,
    ).toEqual({ a: '1' });
  });

  it('skips objects with reconcile disabled and creates IfNotPresent objects only once', async () => {
    const client = new DynamicClient(env.kc);
    const disabled = { 'ramp.dev/reconcile': 'disabled' };
    const createOnly = { 'ramp.dev/ssa': 'IfNotPresent' };
    await env.core.createNamespacedConfigMap({
      namespace: env.name,
      body: { metadata: { name: 'hands-off', annotations: disabled }, data: { mine: 'yes' } },
    });
    const first = await applyObjects(
      client,
      [
        configMap('never', { a: '1' }, { annotations: disabled }),
        configMap('hands-off', { a: '1' }),
        configMap('once', { a: '1' }, { annotations: createOnly }),
      ],
      options(),
    );
    expect(actions(first)).toEqual([
      'ConfigMap/never=skipped',
      'ConfigMap/hands-off=skipped',
      'ConfigMap/once=created',
    ]);
    expect(first.results[0]?.message).toBe('ramp.dev/reconcile: disabled');
    await expect(
      env.core.readNamespacedConfigMap({ name: 'never', namespace: env.name }),
    ).rejects.toThrow();
    expect(
      (await env.core.readNamespacedConfigMap({ name: 'hands-off', namespace: env.name })).data,
    ).toEqual({ mine: 'yes' });

    const second = await applyObjects(
      client,
      [configMap('once', { a: '2' }, { annotations: createOnly })],
      options(),
    );
    expect(actions(second)).toEqual(['ConfigMap/once=skipped']);
    expect(
      (await env.core.readNamespacedConfigMap({ name: 'once', namespace: env.name })).data,
    ).toEqual({ a: '1' });
  });

  it('applies a CRD first, waits for it, and creates a custom resource of it in the same batch', async () => {
    const group = `t${suffix}.ramp.test`;
    const crdName = `widgets.${group}`;
    crdNames.push(crdName);
    const crd: ManifestObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdName },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: { size: { 'x-kubernetes-int-or-string': true } },
                  },
                },
              },
            },
          },
        ],
      },
    };
    const widget: ManifestObject = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { size: '10%' },
    };
    const client = new DynamicClient(env.kc);

    const detected = await applyObjects(client, [widget, crd], options({ mode: 'detect' }));
    expect(actions(detected)).toEqual([
      'Widget/w=missing',
      `CustomResourceDefinition/${crdName}=missing`,
    ]);

    const report = await applyObjects(client, [widget, crd], options());
    expect(actions(report)).toEqual([
      'Widget/w=created',
      `CustomResourceDefinition/${crdName}=created`,
    ]);
    expect(report.results[0]?.ref.namespace).toBe(env.name);
    expect(report.results[1]?.ref.namespace).toBeUndefined();
    expect(report.results[0]?.live?.spec).toEqual({ size: '10%' });

    const again = await applyObjects(client, [widget, crd], options());
    expect(actions(again)).toEqual([
      'Widget/w=unchanged',
      `CustomResourceDefinition/${crdName}=unchanged`,
    ]);
  });

  it('creates a Namespace and an object in it in one batch', async () => {
    const ns = `t-gitops-apply-${suffix}`;
    extraNamespaces.push(ns);
    const client = new DynamicClient(env.kc);
    const report = await applyObjects(
      client,
      [
        configMap('inside', { a: '1' }, { namespace: ns }),
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      ],
      options(),
    );
    expect(actions(report)).toEqual(['ConfigMap/inside=created', `Namespace/${ns}=created`]);
    expect(report.results[0]?.ref.namespace).toBe(ns);
    expect(metadataOf(report.results[1]?.live).labels).toMatchObject(labels);
  });

  it("fails an unknown kind and an invalid object with the API server's words while the others succeed", async () => {
    const client = new DynamicClient(env.kc);
    const invalid = deployment('invalid', 'x:1');
    (invalid.spec as { selector: unknown }).selector = { matchLabels: { app: 'other' } };
    const report = await applyObjects(
      client,
      [
        { apiVersion: 'nope.example.com/v1', kind: 'Foo', metadata: { name: 'f' } },
        configMap('survivor', { a: '1' }),
        invalid,
      ],
      options(),
    );
    expect(actions(report)).toEqual([
      'Foo/f=failed',
      'ConfigMap/survivor=created',
      'Deployment/invalid=failed',
    ]);
    expect(report.results[0]?.message).toBe(
      'no kind "Foo" in group "nope.example.com/v1" is served by the API server',
    );
    expect(report.results[2]?.message).toMatch(/selector.*does not match template `labels`/);
    expect(report).toMatchObject({ failed: 2, changed: 1 });
  });

  it('fails every copy of an object rendered twice', async () => {
    const client = new DynamicClient(env.kc);
    const report = await applyObjects(
      client,
      [
        configMap('twice', { a: '1' }),
        configMap('twice', { a: '2' }, { namespace: env.name }),
        configMap('once-only', {}),
      ],
      options(),
    );
    expect(actions(report)).toEqual([
      'ConfigMap/twice=failed',
      'ConfigMap/twice=failed',
      'ConfigMap/once-only=created',
    ]);
    expect(report.results[0]?.message).toBe(
      'ConfigMap/twice is rendered 2 times; each object may appear only once',
    );
  });

  it('defaults and overrides namespaces, and keeps cluster-scoped objects out of them', async () => {
    const other = `t-gitops-apply-o-${suffix}`;
    extraNamespaces.push(other);
    await env.core.createNamespace({ body: { metadata: { name: other } } });
    const role = `t-gitops-apply-${suffix}`;
    clusterRoles.push(role);
    const client = new DynamicClient(env.kc);
    const objects: ManifestObject[] = [
      configMap('defaulted', {}),
      configMap('placed', {}, { namespace: env.name }),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: role, namespace: 'ignored' },
        rules: [],
      },
    ];
    const defaulted = await applyObjects(
      client,
      objects,
      options({ namespace: { default: other } }),
    );
    expect(defaulted.results.map((r) => r.ref.namespace)).toEqual([other, env.name, undefined]);
    expect(defaulted.failed).toBe(0);

    const overridden = await applyObjects(
      client,
      objects,
      options({ namespace: { default: env.name, override: other } }),
    );
    expect(overridden.results.map((r) => `${r.ref.namespace}=${r.action}`)).toEqual([
      `${other}=unchanged`,
      `${other}=created`,
      'undefined=unchanged',
    ]);
    expect(metadataOf(overridden.results[2]?.live).namespace).toBeUndefined();
  });

  it('acts as a ServiceAccount: forbidden without RBAC, allowed after a RoleBinding', async () => {
    await env.core.createNamespacedServiceAccount({
      namespace: env.name,
      body: { metadata: { name: 'deployer' } },
    });
    const user = `system:serviceaccount:${env.name}:deployer`;
    const client = new DynamicClient(env.kc, {
      impersonate: {
        user,
        groups: [
          'system:serviceaccounts',
          `system:serviceaccounts:${env.name}`,
          'system:authenticated',
        ],
      },
    });
    const objects = [configMap('as-deployer', { a: '1' })];
    const refused = await applyObjects(client, objects, options());
    expect(refused.results[0]?.action).toBe('failed');
    expect(refused.results[0]?.message).toContain('forbidden');
    expect(refused.results[0]?.message).toContain(user);

    const rbac = env.kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRoleBinding({
      namespace: env.name,
      body: {
        metadata: { name: 'deployer-edit' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: env.name }],
      },
    });
    let last: ApplyReport | undefined;
    await waitFor('the deployer to be allowed', async () => {
      last = await applyObjects(client, objects, options());
      return last.failed === 0;
    });
    expect(last?.results[0]?.action).toBe('created');
    const live = await env.core.readNamespacedConfigMap({
      name: 'as-deployer',
      namespace: env.name,
    });
    expect(live.metadata?.managedFields?.find((m) => m.manager === 'ramp')).toBeDefined();
  });
});

describe('deleteObjects and readObjects', () => {
  it('deletes objects, counting ones already gone as deleted, and reads what is left', async () => {
    const client = new DynamicClient(env.kc);
    await applyObjects(
      client,
      [configMap('doomed', { a: '1' }), configMap('kept', { a: '1' })],
      options(),
    );
    const doomed = { apiVersion: 'v1', kind: 'ConfigMap', name: 'doomed', namespace: env.name };
    const never = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'never-existed',
      namespace: env.name,
    };
    const unserved = {
      apiVersion: 'nope.example.com/v1',
      kind: 'Foo',
      name: 'f',
      namespace: env.name,
    };
    const kept = { apiVersion: 'v1', kind: 'ConfigMap', name: 'kept', namespace: env.name };

    expect(await deleteObjects(client, [doomed, never, unserved])).toEqual([
      { ref: doomed, deleted: true },
      { ref: never, deleted: true, message: 'already gone' },
      { ref: unserved, deleted: true, message: 'already gone' },
    ]);
    const live = await readObjects(client, [doomed, kept, unserved]);
    expect(live.get(`/ConfigMap/${env.name}/doomed`)).toBeUndefined();
    expect(live.get(`nope.example.com/Foo/${env.name}/f`)).toBeUndefined();
    expect((live.get(`/ConfigMap/${env.name}/kept`)?.data as Record<string, string>).a).toBe('1');
  });

  it('reports a refused delete', async () => {
    const client = new DynamicClient(env.kc, { impersonate: { user: 'nobody' } });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'kept', namespace: env.name };
    const [result] = await deleteObjects(client, [ref]);
    expect(result?.deleted).toBe(false);
    expect(result?.message).toContain('forbidden');
  });
});

describe('deleteObjects across a CRD version change', () => {
  it('deletes an object whose inventory version the CRD no longer serves, through a served one', async () => {
    const group = `v${suffix}.ramp.test`;
    const crdName = `gadgets.${group}`;
    crdNames.push(crdName);
    const version = (name: string, served: boolean, storage: boolean) => ({
      name,
      served,
      storage,
      schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    });
    const crd = (betaServed: boolean): ManifestObject => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdName },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind: 'Gadget', plural: 'gadgets', singular: 'gadget', listKind: 'GadgetList' },
        versions: [version('v1beta1', betaServed, false), version('v1', true, true)],
      },
    });
    const client = new DynamicClient(env.kc);
    const gadget: ManifestObject = {
      apiVersion: `${group}/v1beta1`,
      kind: 'Gadget',
      metadata: { name: 'g' },
      spec: { size: 1 },
    };
    expect(actions(await applyObjects(client, [crd(true), gadget], options()))).toEqual([
      `CustomResourceDefinition/${crdName}=created`,
      'Gadget/g=created',
    ]);
    // The CRD stops serving v1beta1; the inventory still says v1beta1.
    await applyObjects(client, [crd(false)], options());
    const ref = { apiVersion: `${group}/v1beta1`, kind: 'Gadget', name: 'g', namespace: env.name };
    // The client still has v1beta1 in its discovery cache, as a long-running controller would.
    expect(await client.resourceFor(`${group}/v1beta1`, 'Gadget')).toBeDefined();
    await waitFor('v1beta1 no longer served', () =>
      rawRequest(env.kc, { method: 'GET', path: `/apis/${group}/v1beta1` }).then(
        () => false,
        () => true,
      ),
    );
    const [result] = await deleteObjects(client, [ref]);
    expect(result).toMatchObject({ deleted: true });
    const left = await readObjects(client, [{ ...ref, apiVersion: `${group}/v1` }]);
    expect([...left.values()][0]).toBeUndefined();
  });
});
