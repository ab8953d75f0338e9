/**
 * What BackupStorageLocations and VolumeSnapshotLocations share: velero's --config and --credential values,
 * parsed and checked before anything is sent.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../../base/errors.js';
import { requireName } from './values.js';

/** velero's mapStringString flags: "k1=v1,k2=v2". */
export function parseKeyValues(text: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const i = pair.indexOf('=');
    if (i <= 0) {
      throw new UsageError(`${where}: "${pair}" is not key=value`, {
        code: 'OCO_BAD_KEY_VALUES',
        hint: `Use ${where} key1=value1,key2=value2`,
      });
    }
    out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return out;
}

/** The Secret key a location reads its cloud credentials from. */
export interface CredentialRef {
  name: string;
  key: string;
}

/** velero's --credential secret-name=key: exactly one pair, naming a Secret in the Velero namespace. */
export function parseCredential(text: string, where = '--credential'): CredentialRef {
  const pairs = Object.entries(parseKeyValues(text, where));
  const [name, key] = pairs[0] ?? [];
  if (pairs.length !== 1 || !name || !key) {
    throw new UsageError(`${where}: "${text}" is not secret-name=key`, {
      code: 'OCO_BAD_KEY_VALUES',
      hint: `e.g. ${where} cloud-credentials=cloud (the Secret's name and the key holding the credentials file)`,
    });
  }
  return { name: requireName(name, `${where} secret name`), key };
}

/** The PEM text of a --cacert file; an unreadable file or one without a certificate is exit 2. */
export function readCaCertFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new UsageError(`--cacert ${file}: ${reason}`, {
      code: 'OCO_CACERT_UNREADABLE',
      hint: 'Give a PEM file with the CA certificate of the object storage.',
    });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`--cacert ${file}: no PEM certificate in the file`, {
      code: 'OCO_CACERT_UNREADABLE',
      hint: 'Give a PEM file ("-----BEGIN CERTIFICATE-----") with the CA certificate of the object storage.',
    });
  }
  return text;
}
