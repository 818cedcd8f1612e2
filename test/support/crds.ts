// Installs ramp's generated CRDs into the test cluster (idempotent server-side apply; CRDs are
// cluster-wide, so every file may call this).
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';

import { generatedCrds } from '../../src/api/crds.js';
import { installCrds } from '../../src/kube/apply.js';

/** Applies every generated CRD and waits until each is Established. */
export async function installRampCrds(kc: KubeConfig): Promise<void> {
  await installCrds(
    kc,
    generatedCrds().map(({ crd }) => crd as KubernetesObject),
  );
}
