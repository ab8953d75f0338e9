/**
 * The reference data the fakes, generators and tests read: copies of upstream
 * material kept in the repository (test/reference/, each folder's README names its
 * source and licence), so a fresh clone runs every suite with nothing beside it.
 */
import { join, resolve } from 'node:path';

export const REFERENCE = resolve(import.meta.dirname, '../reference');
/** Velero's velero.io/v1 CRDs (vmware-tanzu/velero config/crd/v1/bases). */
export const VELERO_CRDS = join(REFERENCE, 'velero-crds');
/** FOCUS 1.2 columns, allowed values, the specification's sample CSVs and the service → ServiceCategory maps. */
export const FOCUS_REFERENCE = join(REFERENCE, 'focus');
/** botocore service models (boto/botocore botocore/data). */
export const AWS_MODELS = join(REFERENCE, 'aws-models');
/** Invented provider responses shaped like the real APIs. */
export const PROVIDER_FIXTURES = join(REFERENCE, 'fixtures');
/** The OASIS SARIF 2.1.0 JSON Schema (oasis-tcs/sarif-spec sarif-2.1/schema). */
export const SARIF_SCHEMA_FILE = join(REFERENCE, 'sarif', 'sarif-schema-2.1.0.json');
