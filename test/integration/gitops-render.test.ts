// Rendering a checkout into manifests on the real filesystem with the real kustomize (through
// kubectl): plain YAML, kustomize overlays, and every way a repository might try to read outside
// itself or run code is refused with a message its author can act on.
import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';

import {
  findKustomize,
  renderManifests,
  RenderError,
  type KustomizeCommand,
  type RenderOptions,
} from '../../src/gitops/render/index.js';
import { waitFor } from '../support/wait.js';

const kubectl = inject('kubectl');
const kustomize: KustomizeCommand = { command: kubectl, args: ['kustomize'] };

let base: string;
/** Parent of every render's temp directory: empty again after each test. */
let work: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ramp-render-test-'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

beforeEach(async () => {
  work = await mkdtemp(join(base, 'work-'));
});

afterEach(async () => {
  // The render's temp directory is gone, whatever the outcome.
  expect(await readdir(work)).toEqual([]);
});

/** A repository checkout with these files (and symlinks: path -> target as written). */
async function repo(files: Record<string, string>, links: Record<string, string> = {}) {
  const root = await mkdtemp(join(base, 'repo-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  for (const [path, target] of Object.entries(links)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await symlink(target, join(root, path));
  }
  return root;
}

function render(root: string, path: string, extra: Partial<RenderOptions> = {}) {
  return renderManifests({ root, path, timeoutMs: 60_000, kustomize, tmpDir: work, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<RenderError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RenderError);
  return err as RenderError;
}

function configMap(name: string, data: Record<string, string> = { a: 'b' }) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

const cmYaml = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe('plain YAML', () => {
  it('reads nested directories, multi-document YAML, Lists and JSON in sorted order', async () => {
    const root = await repo({
      'deploy/b.yaml': `${cmYaml('b1')}---\n---\n# only a comment\n---\n${cmYaml('b2')}`,
      'deploy/a/z.yml': [
        'apiVersion: v1',
        'kind: List',
        'items:',
        '  - apiVersion: v1',
        '    kind: Service',
        '    metadata: {name: s1, namespace: ns}',
        '  - apiVersion: v1',
        '    kind: Service',
        '    metadata: {name: s2}',
      ].join('\n'),
      'deploy/c.json': JSON.stringify(configMap('c', { k: 'v' })),
      'deploy/empty.yaml': '',
      'deploy/.github/workflow.yaml': 'on: push\njobs: {}\n',
      'deploy/README.md': '# not a manifest',
      'other/x.yaml': cmYaml('not-rendered'),
    });
    const objects = await render(root, 'deploy');
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Service/s1',
      'Service/s2',
      'ConfigMap/b1',
      'ConfigMap/b2',
      'ConfigMap/c',
    ]);
    expect(objects[0]?.metadata.namespace).toBe('ns');
    expect(objects[4]).toEqual(configMap('c', { k: 'v' }));
  });

  it('renders the repository root with path "./"', async () => {
    const root = await repo({ 'x.yaml': cmYaml('x'), 'sub/y.yaml': cmYaml('y') });
    const objects = await render(root, './');
    expect(objects.map((o) => o.metadata.name)).toEqual(['y', 'x']);
  });

  it('names the file of a YAML syntax error', async () => {
    const root = await repo({ 'app/ok.yaml': cmYaml('ok'), 'app/bad/x.yaml': 'a: [unclosed\n' });
    const err = await failure(render(root, 'app'));
    expect(err.reason).toBe('Parse');
    expect(err.message).toMatch(/^app\/bad\/x\.yaml document 1: /);
  });

  it('names the file and document of an object without metadata.name', async () => {
    const root = await repo({
      'app/cm.yaml': `${cmYaml('ok')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n`,
    });
    const err = await failure(render(root, 'app'));
    expect(err.reason).toBe('Parse');
    expect(err.message).toBe('app/cm.yaml document 2: missing metadata.name');
  });

  it('names the List item without a kind', async () => {
    const root = await repo({
      'app/list.yaml':
        'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    metadata: {name: x}\n',
    });
    const err = await failure(render(root, 'app'));
    expect(err.message).toBe('app/list.yaml document 1 item 1: missing kind');
  });

  it('refuses more than the byte limit without reading it', async () => {
    const root = await repo({ 'app/big.yaml': '' });
    await truncate(join(root, 'app/big.yaml'), 65 * 1024 * 1024);
    const err = await failure(render(root, 'app'));
    expect(err.reason).toBe('TooLarge');
    expect(err.message).toContain('app/big.yaml');
  });
});

describe('spec.path', () => {
  it.each([['../..'], ['..'], ['apps/../../x'], ['/etc']])(
    '%j outside the repository is refused',
    async (path) => {
      const root = await repo({ 'apps/x.yaml': cmYaml('x') });
      const err = await failure(render(root, path));
      expect(err.reason).toBe('PathEscape');
      expect(err.message).toBe(`path "${path}" is outside the repository`);
    },
  );

  it('a missing path is NotFound', async () => {
    const root = await repo({ 'apps/x.yaml': cmYaml('x') });
    const err = await failure(render(root, 'apps/web'));
    expect(err.reason).toBe('NotFound');
    expect(err.message).toBe('path "apps/web" not found in the repository');
  });
});

describe('symlinks', () => {
  it('refuses a symlink to /etc/passwd', async () => {
    const root = await repo({ 'app/x.yaml': cmYaml('x') }, { 'evil/passwd': '/etc/passwd' });
    const err = await failure(render(root, 'app'));
    expect(err.reason).toBe('Symlink');
    expect(err.message).toBe('symlink "evil/passwd" points outside the repository');
  });

  it('refuses a relative symlink that climbs out', async () => {
    const root = await repo({ 'app/x.yaml': cmYaml('x') }, { 'app/up': '../../..' });
    const err = await failure(render(root, 'app'));
    expect(err.message).toBe('symlink "app/up" points outside the repository');
  });

  it('refuses a symlink that reads as inside but leaves through another symlink', async () => {
    // x/y/root -> ../.. is the repository root, so x/y/root/../.. is the root's parent.
    const root = await repo(
      { 'app/x.yaml': cmYaml('x') },
      { 'x/y/root': '../..', sneaky: 'x/y/root/../..' },
    );
    const err = await failure(render(root, 'app'));
    expect(err.message).toBe('symlink "sneaky" points outside the repository');
  });

  it('follows a symlink inside the repository', async () => {
    const root = await repo(
      { 'shared/cm.yaml': cmYaml('shared') },
      { 'app/cm.yaml': '../shared/cm.yaml', 'app-link': 'app' },
    );
    expect((await render(root, 'app')).map((o) => o.metadata.name)).toEqual(['shared']);
    expect((await render(root, 'app-link')).map((o) => o.metadata.name)).toEqual(['shared']);
  });
});

const baseFiles = {
  'base/kustomization.yaml': 'resources:\n  - cm.yaml\n  - svc.yaml\n',
  'base/cm.yaml': `${cmYaml('app-config')}data:\n  mode: base\n`,
  'base/svc.yaml': [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: app',
    'spec:',
    '  selector: {app: web}',
    '  ports: [{port: 80}]',
  ].join('\n'),
};

describe('kustomize', () => {
  it('renders an overlay of ../base with namePrefix, commonLabels, a patch and a generator', async () => {
    const root = await repo({
      ...baseFiles,
      'overlays/prod/kustomization.yaml': [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources: [../../base]',
        'namePrefix: prod-',
        'commonLabels: {env: prod}',
        'patches:',
        '  - path: mode.yaml',
        'configMapGenerator:',
        '  - name: settings',
        '    files: [app.properties]',
        'generatorOptions: {disableNameSuffixHash: true}',
      ].join('\n'),
      'overlays/prod/mode.yaml': `${cmYaml('app-config')}data:\n  mode: prod\n`,
      'overlays/prod/app.properties': 'level=info\n',
    });
    const objects = await render(root, 'overlays/prod');
    expect(objects).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'prod-app-config', labels: { env: 'prod' } },
        data: { mode: 'prod' },
      },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'prod-settings', labels: { env: 'prod' } },
        data: { 'app.properties': 'level=info\n' },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'prod-app', labels: { env: 'prod' } },
        spec: { selector: { app: 'web', env: 'prod' }, ports: [{ port: 80 }] },
      },
    ]);
  });

  it('renders a kustomization at the root and one named kustomization.yml', async () => {
    const root = await repo({
      'kustomization.yml': 'resources: [cm.yaml]\nnamespace: team\n',
      'cm.yaml': cmYaml('x'),
    });
    const objects = await render(root, '.');
    expect(objects).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'team' } },
    ]);
  });

  it('renders a directory named like a flag as a directory', async () => {
    const root = await repo({
      '--help/kustomization.yaml': 'resources: [cm.yaml]\n',
      '--help/cm.yaml': cmYaml('not-a-flag'),
    });
    expect((await render(root, '--help')).map((o) => o.metadata.name)).toEqual(['not-a-flag']);
  });

  it.each([
    ['apps/web', '../../../../etc'],
    ['apps/web', '../../../etc'],
    ['app', '../../outside'],
    ['app', '/etc'],
  ])('refuses %s referring to %j', async (dir, ref) => {
    const root = await repo({ [`${dir}/kustomization.yaml`]: `resources:\n  - ${ref}\n` });
    const err = await failure(render(root, dir));
    expect(err.reason).toBe('PathEscape');
    expect(err.message).toBe(
      `kustomization ${dir}/kustomization.yaml refers to "${ref}" outside the repository`,
    );
  });

  it('refuses an escape in a base the overlay reaches, naming the base', async () => {
    const root = await repo({
      'overlay/kustomization.yaml': 'resources: [../base]\n',
      'base/kustomization.yaml': 'patches:\n  - path: ../../secrets/patch.yaml\n',
    });
    const err = await failure(render(root, 'overlay'));
    expect(err.reason).toBe('PathEscape');
    expect(err.message).toBe(
      'kustomization base/kustomization.yaml refers to "../../secrets/patch.yaml" outside the repository',
    );
  });

  it('sees references hidden behind YAML merge keys and aliases', async () => {
    const root = await repo({
      'merge/kustomization.yaml': '<<: {resources: [/etc]}\n',
      'alias/kustomization.yaml': 'namePrefix: &p ../../x\nresources: [*p]\n',
    });
    expect((await failure(render(root, 'merge'))).message).toBe(
      'kustomization merge/kustomization.yaml refers to "/etc" outside the repository',
    );
    expect((await failure(render(root, 'alias'))).message).toBe(
      'kustomization alias/kustomization.yaml refers to "../../x" outside the repository',
    );
  });

  it('checks every kustomization file of a directory, not only the first', async () => {
    const root = await repo({
      'app/kustomization.yaml': 'resources: []\n',
      'app/Kustomization': 'resources: [/etc]\n',
    });
    const err = await failure(render(root, 'app'));
    expect(err.message).toBe(
      'kustomization app/Kustomization refers to "/etc" outside the repository',
    );
  });

  it('refuses a local reference that is not in the repository', async () => {
    const root = await repo({ 'app/kustomization.yaml': 'resources: [missing-base]\n' });
    const err = await failure(render(root, 'app'));
    expect(err.reason).toBe('NotFound');
    expect(err.message).toContain('"missing-base"');
  });

  it.each([
    ['https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0'],
    ['github.com/kubernetes-sigs/kustomize/examples/helloWorld?ref=v5.0.0'],
    ['git@github.com:kubernetes-sigs/kustomize.git'],
  ])('refuses the remote base %s', async (ref) => {
    const root = await repo({ 'app/kustomization.yaml': `resources:\n  - ${ref}\n` });
    const err = await failure(render(root, 'app'));
    expect(err.reason).toBe('RemoteBase');
    expect(err.message).toBe(
      `kustomization app/kustomization.yaml refers to remote "${ref}" in resources: remote bases are not allowed`,
    );
  });

  it('refuses helmCharts', async () => {
    const root = await repo({
      'app/kustomization.yaml':
        'helmCharts:\n  - name: nginx\n    repo: https://charts.example.com\n    version: 1.0.0\n',
    });
    const err = await failure(render(root, 'app'));
    expect(err.reason).toBe('Plugin');
    expect(err.message).toBe(
      'kustomization app/kustomization.yaml uses helmCharts: Helm charts are not allowed',
    );
  });

  it('refuses an exec plugin config file in transformers', async () => {
    const root = await repo({
      'app/kustomization.yaml': 'resources: [cm.yaml]\ntransformers: [plugin.yaml]\n',
      'app/cm.yaml': cmYaml('x'),
      'app/plugin.yaml':
        'apiVersion: someteam.example.com/v1\nkind: Exfiltrate\nmetadata:\n  name: x\n',
    });
    const err = await failure(render(root, 'app'));
    expect(err.reason).toBe('Plugin');
    expect(err.message).toContain('exec/Go plugin Exfiltrate');
    expect(err.message).toContain('app/plugin.yaml');
  });

  it('refuses a KRM function reached through a generators directory', async () => {
    const root = await repo({
      'app/kustomization.yaml': 'generators: [../gens]\n',
      'gens/kustomization.yaml': 'resources: [fn.yaml]\n',
      'gens/fn.yaml': [
        'apiVersion: example.com/v1',
        'kind: Fn',
        'metadata:',
        '  name: fn',
        '  annotations:',
        '    config.kubernetes.io/function: |',
        '      exec:',
        '        path: /bin/sh',
      ].join('\n'),
    });
    const err = await failure(render(root, 'app'));
    expect(err.reason).toBe('Plugin');
    expect(err.message).toContain('KRM function Fn');
  });

  it('allows a builtin transformer config', async () => {
    const root = await repo({
      'app/kustomization.yaml': 'resources: [cm.yaml]\ntransformers: [labels.yaml]\n',
      'app/cm.yaml': cmYaml('x'),
      'app/labels.yaml': [
        'apiVersion: builtin',
        'kind: LabelTransformer',
        'metadata: {name: labels}',
        'labels: {team: a}',
        'fieldSpecs: [{path: metadata/labels, create: true}]',
      ].join('\n'),
    });
    const objects = await render(root, 'app');
    expect(objects[0]?.metadata.labels).toEqual({ team: 'a' });
  });

  it('reports a kustomize failure readably, with repository-relative paths', async () => {
    const root = await repo({
      'app/kustomization.yaml': 'resources: [a.yaml, b.yaml]\n',
      'app/a.yaml': cmYaml('same'),
      'app/b.yaml': cmYaml('same'),
    });
    const err = await failure(render(root, 'app'));
    expect(err.reason).toBe('Kustomize');
    expect(err.message).toMatch(/^kustomize build "app" failed: .*already registered id/s);
    expect(err.message).not.toContain(work);
  });

  it('reports a missing kustomize command', async () => {
    const root = await repo({ 'app/kustomization.yaml': 'resources: []\n' });
    const missing = join(base, 'no-such-kustomize');
    const err = await failure(render(root, 'app', { kustomize: { command: missing, args: [] } }));
    expect(err.reason).toBe('Kustomize');
    expect(err.message).toBe(`kustomize command "${missing}" not found`);
  });

  it('times out a kustomize that hangs, kills it with its children and cleans up', async () => {
    const pidFile = join(base, 'sleeper.pid');
    const script = join(base, 'hanging-kustomize');
    await writeFile(script, `#!/bin/sh\nsleep 300 &\necho $! > '${pidFile}'\nwait\n`);
    await chmod(script, 0o755);
    const root = await repo({ 'app/kustomization.yaml': 'resources: []\n' });
    const err = await failure(
      render(root, 'app', { timeoutMs: 2_000, kustomize: { command: script, args: ['build'] } }),
    );
    expect(err.reason).toBe('Timeout');
    expect(err.message).toBe('rendering "app" did not finish within 2s');
    const pid = Number(await readFile(pidFile, 'utf8'));
    await waitFor('the hanging kustomize child to be killed', async () => !(await running(pid)), {
      timeoutMs: 10_000,
    });
  });
});

/** True while `pid` runs (a zombie left for a non-reaping init has ended already). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return stat !== '' && state !== 'Z';
}

describe('findKustomize', () => {
  it('prefers an explicit kustomize binary', async () => {
    const script = join(base, 'my-kustomize');
    await writeFile(script, '#!/bin/sh\n');
    await chmod(script, 0o755);
    expect(await findKustomize({ kustomizeBinary: script, kubectlBinary: kubectl })).toEqual({
      command: script,
      args: ['build'],
    });
  });

  it('falls back to a kustomize that renders when the explicit one is missing', async () => {
    const found = await findKustomize({
      kustomizeBinary: join(base, 'missing'),
      kubectlBinary: kubectl,
    });
    expect(found).toBeDefined();
    expect(found!.args).toEqual(/kustomize$/.test(found!.command) ? ['build'] : ['kustomize']);
    const root = await repo({
      'app/kustomization.yaml': 'resources: [cm.yaml]\n',
      'app/cm.yaml': cmYaml('x'),
    });
    expect((await render(root, 'app', { kustomize: found! })).map((o) => o.metadata.name)).toEqual([
      'x',
    ]);
  });

  it('finds nothing when no candidate exists', async () => {
    const saved = process.env.PATH;
    process.env.PATH = base;
    try {
      expect(await findKustomize({ kubectlBinary: join(base, 'missing-kubectl') })).toBeUndefined();
    } finally {
      process.env.PATH = saved;
    }
  });
});
