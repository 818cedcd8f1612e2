import { createHash } from 'node:crypto';

/** One binary built from a Go tool module under tools/. */
export interface GoTarget {
  /** The folder under tools/ holding the module's go.mod and go.sum. */
  readonly module: string;
  /** The main package to build. */
  readonly pkg: string;
  /** The file name of the built binary. */
  readonly binary: string;
}

/** The binaries of the local control plane, one module per independent version set. */
export const goTargets: readonly GoTarget[] = [
  { module: 'etcd', pkg: 'go.etcd.io/etcd/server/v3', binary: 'etcd' },
  { module: 'k8s', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver', binary: 'kube-apiserver' },
  {
    module: 'k8s',
    pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager',
    binary: 'kube-controller-manager',
  },
  { module: 'k8s', pkg: 'k8s.io/kubernetes/cmd/kube-scheduler', binary: 'kube-scheduler' },
  { module: 'k8s', pkg: 'k8s.io/kubernetes/cmd/kubectl', binary: 'kubectl' },
  { module: 'kwok', pkg: 'sigs.k8s.io/kwok/cmd/kwok', binary: 'kwok' },
];

/** Flags every binary is built with: static, reproducible paths, no debug info. */
export const goBuildFlags: readonly string[] = ['-trimpath'];

/** Packages whose version variables Kubernetes' own build stamps (server and client side). */
const kubeVersionPackages = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'];

/**
 * Linker flags for a module. Kubernetes binaries built with plain `go build` report
 * `v0.0.0-master+$Format:%H$`, which kubectl cannot parse and which hides the real version, so the
 * version pinned in go.mod is stamped the way Kubernetes' release build does it.
 */
export function ldflags(goMod: string): string {
  const flags = ['-s', '-w'];
  const match =
    /^\s*(?:require\s+)?k8s\.io\/kubernetes\s+v(\d+)\.(\d+)\.(\d+)\s*(?:\/\/.*)?$/m.exec(goMod);
  if (match) {
    const [, major, minor, patch] = match;
    for (const pkg of kubeVersionPackages) {
      flags.push(
        `-X ${pkg}.gitVersion=v${major}.${minor}.${patch}`,
        `-X ${pkg}.gitMajor=${major}`,
        `-X ${pkg}.gitMinor=${minor}`,
        `-X ${pkg}.gitTreeState=clean`,
      );
    }
  }
  return flags.join(' ');
}

/** Environment every build runs with (static binaries; only the Go installed here, never a download). */
export const goBuildEnv: Readonly<Record<string, string>> = {
  CGO_ENABLED: '0',
  GOTOOLCHAIN: 'local',
  GOFLAGS: '-mod=readonly',
};

/** Bump when the cache layout or what goes into a cache entry changes. */
const cacheFormat = '1';

/** What a module's build depends on; the same inputs always give the same key. */
export interface BuildInputs {
  readonly module: string;
  readonly goMod: string;
  readonly goSum: string;
  readonly targets: readonly GoTarget[];
}

/**
 * The part of the cache key that comes from the repository (module files, targets, flags). The Go
 * version is appended separately so a cached build can still be found when Go is not installed.
 */
export function sourceKey(inputs: BuildInputs): string {
  const hash = createHash('sha256');
  for (const part of [
    cacheFormat,
    inputs.module,
    inputs.goMod,
    inputs.goSum,
    ...inputs.targets.map((t) => `${t.pkg}=${t.binary}`),
    ...goBuildFlags,
    ldflags(inputs.goMod),
    ...Object.entries(goBuildEnv).map(([k, v]) => `${k}=${v}`),
  ]) {
    hash.update(part).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The cache folder name for a module built from these inputs with this Go (`go env GOVERSION`, GOOS, GOARCH). */
export function cacheEntryName(inputs: BuildInputs, goVersion: string, platform: string): string {
  return `${inputs.module}-${sourceKey(inputs)}-${goVersion}-${platform}`.replace(
    /[^A-Za-z0-9._-]/g,
    '_',
  );
}

/** The cache folder name up to the Go version: any entry starting with it was built from the same sources. */
export function cacheEntryPrefix(inputs: BuildInputs): string {
  return `${inputs.module}-${sourceKey(inputs)}-`;
}

/** Formats a duration in seconds as `1m05s` for progress lines. */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes > 0 ? `${minutes}m${String(seconds).padStart(2, '0')}s` : `${seconds}s`;
}
