import { stringify } from 'yaml';

/** Everything a kubeconfig for the local control plane contains. */
export interface KubeconfigInput {
  readonly server: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly name?: string;
}

/** Renders a self-contained kubeconfig (certificates embedded) for the admin user. */
export function renderKubeconfig(input: KubeconfigInput): string {
  const name = input.name ?? 'ramp-local';
  const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name, cluster: { server: input.server, 'certificate-authority-data': b64(input.caPem) } },
    ],
    users: [
      {
        name: `${name}-admin`,
        user: {
          'client-certificate-data': b64(input.certPem),
          'client-key-data': b64(input.keyPem),
        },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}
