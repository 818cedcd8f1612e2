import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { LocalError } from './errors.js';
import { CommandNotFoundError, runCommand, tail } from './exec.js';

/** Paths of the generated PKI of one local control plane. */
// A type alias (not an interface) so Object.values sees the string fields.
export type Pki = {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
};

/** DNS names and IPs the API server certificate is valid for (loopback and in-cluster names). */
const serverNames = [
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
  'IP:127.0.0.1',
  'IP:10.0.0.1',
];

/** Lays out the PKI paths under a directory. */
export function pkiPaths(dir: string): Pki {
  return {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  };
}

/**
 * Creates a CA, an API server serving certificate, a `system:masters` client certificate and a
 * service-account signing key with openssl; kept when already there so a restart keeps its identity.
 */
export async function ensurePki(dir: string): Promise<Pki> {
  const pki = pkiPaths(dir);
  if (Object.values(pki).every((path) => existsSync(path))) return pki;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const days = '3650';
  await openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    pki.caKey,
    '-out',
    pki.caCert,
    '-days',
    days,
    '-subj',
    '/CN=ramp-local-ca',
  ]);
  await signedCert(dir, {
    name: 'apiserver',
    subject: '/CN=kube-apiserver',
    usage: 'serverAuth',
    sans: serverNames,
    days,
  });
  await signedCert(dir, {
    name: 'admin',
    subject: '/O=system:masters/CN=ramp-admin',
    usage: 'clientAuth',
    sans: [],
    days,
  });
  await openssl(dir, ['genrsa', '-out', pki.serviceAccountKey, '2048']);
  await openssl(dir, [
    'rsa',
    '-in',
    pki.serviceAccountKey,
    '-pubout',
    '-out',
    pki.serviceAccountPub,
  ]);
  return pki;
}

async function signedCert(
  dir: string,
  cert: { name: string; subject: string; usage: string; sans: string[]; days: string },
): Promise<void> {
  const key = join(dir, `${cert.name}.key`);
  const csr = join(dir, `${cert.name}.csr`);
  const ext = join(dir, `${cert.name}.ext`);
  const lines = [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${cert.usage}`,
  ];
  if (cert.sans.length > 0) lines.push(`subjectAltName=${cert.sans.join(',')}`);
  await writeFile(ext, lines.join('\n') + '\n');
  await openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    cert.subject,
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, 'ca.crt'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-out',
    join(dir, `${cert.name}.crt`),
    '-days',
    cert.days,
    '-extfile',
    ext,
  ]);
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    const result = await runCommand('openssl', args, { cwd });
    if (result.code !== 0)
      throw new LocalError(`openssl ${args[0]} failed:\n${tail(result.stderr)}`);
  } catch (err) {
    if (err instanceof CommandNotFoundError) {
      throw new LocalError(
        'openssl not found on PATH: it generates the local control plane certificates (apt-get install openssl)',
      );
    }
    throw err;
  }
}

/** Reads the PEM files a kubeconfig embeds. */
export async function readClientPems(pki: Pki): Promise<{ ca: string; cert: string; key: string }> {
  const [ca, cert, key] = await Promise.all([
    readFile(pki.caCert, 'utf8'),
    readFile(pki.adminCert, 'utf8'),
    readFile(pki.adminKey, 'utf8'),
  ]);
  return { ca, cert, key };
}
