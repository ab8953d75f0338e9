import { SERVICE_CATEGORY_MAPS } from './service-categories.generated.js';
import type { CloudProvider } from '../model.js';

/**
 * Cost Explorer's SERVICE dimension gives display names, while the FOCUS converter
 * map is keyed by CUR product codes: this table bridges the common ones. A display
 * name not here falls back to "Other" and is reported as unmapped.
 */
export const AWS_CE_DISPLAY_TO_PRODUCT_CODE: Record<string, string> = {
  'Amazon Elastic Compute Cloud - Compute': 'AmazonEC2',
  'EC2 - Other': 'AmazonEC2',
  'Amazon EC2 Container Registry (ECR)': 'AmazonECR',
  'Amazon Elastic Container Service': 'AmazonECS',
  'Amazon Elastic Container Service for Kubernetes': 'AmazonEKS',
  'Amazon Elastic Kubernetes Service': 'AmazonEKS',
  'AWS Lambda': 'AWSLambda',
  'Amazon Lightsail': 'AmazonLightsail',
  'Amazon Simple Storage Service': 'AmazonS3',
  'Amazon Elastic File System': 'AmazonEFS',
  'Amazon Elastic Block Store': 'AmazonEBS',
  'AWS Backup': 'AWSBackup',
  'Amazon Relational Database Service': 'AmazonRDS',
  'Amazon DynamoDB': 'AmazonDynamoDB',
  'Amazon ElastiCache': 'AmazonElastiCache',
  'Amazon Redshift': 'AmazonRedshift',
  'Amazon CloudFront': 'AmazonCloudFront',
  'Amazon Virtual Private Cloud': 'AmazonVPC',
  'Amazon Route 53': 'AmazonRoute53',
  'Amazon API Gateway': 'AmazonApiGateway',
  'Elastic Load Balancing': 'AWSELB',
  'AWS Data Transfer': 'AWSDataTransfer',
  AmazonCloudWatch: 'AmazonCloudWatch',
  'Amazon CloudWatch': 'AmazonCloudWatch',
  'AWS CloudTrail': 'AWSCloudTrail',
  'AWS Config': 'AWSConfig',
  'AWS Cost Explorer': 'AWSCostExplorer',
  'AWS Key Management Service': 'awskms',
  'AWS Secrets Manager': 'AWSSecretsManager',
  'AWS WAF': 'awswaf',
  'AWS Shield': 'AWSShield',
  'Amazon GuardDuty': 'AmazonGuardDuty',
  'Amazon Cognito': 'AmazonCognito',
  'Amazon Simple Notification Service': 'AmazonSNS',
  'Amazon Simple Queue Service': 'AWSQueueService',
  'Amazon Simple Email Service': 'AmazonSES',
  'AWS Glue': 'AWSGlue',
  'Amazon Athena': 'AmazonAthena',
  'Amazon Kinesis': 'AmazonKinesis',
  'Amazon OpenSearch Service': 'AmazonES',
  'Amazon Managed Streaming for Apache Kafka': 'AmazonMSK',
  'Amazon SageMaker': 'AmazonSageMaker',
  'Amazon Bedrock': 'AmazonBedrock',
};

/** Case-insensitive lookups: Azure namespaces arrive as Microsoft.Compute, the map has microsoft.compute. */
const LOWER: Record<CloudProvider, Map<string, string>> = {
  aws: lower(SERVICE_CATEGORY_MAPS.aws),
  azure: lower(SERVICE_CATEGORY_MAPS.azure),
  gcp: lower(SERVICE_CATEGORY_MAPS.gcp),
};

function lower(map: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(map).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The FOCUS ServiceCategory for a provider's service key, or undefined when the maps do not know it. */
export function lookupServiceCategory(provider: CloudProvider, key: string | null | undefined): string | undefined {
  if (!key) return undefined;
  const k = provider === 'aws' ? (AWS_CE_DISPLAY_TO_PRODUCT_CODE[key] ?? key) : key;
  return LOWER[provider].get(k.toLowerCase());
}

/** Azure ConsumedService key: the resource provider namespace in a resource id (…/providers/Microsoft.Compute/…). */
export function azureNamespace(resourceId: string | null | undefined): string | undefined {
  if (!resourceId) return undefined;
  const m = /\/providers\/([^/]+)\//i.exec(resourceId);
  return m?.[1];
}

/** Collects unmapped service keys so a run can report them once instead of per row. */
export class CategoryMapper {
  readonly unmapped = new Set<string>();
  constructor(private readonly provider: CloudProvider) {}

  category(...keys: Array<string | null | undefined>): string {
    for (const k of keys) {
      const c = lookupServiceCategory(this.provider, k);
      if (c) return c;
    }
    const first = keys.find((k) => k);
    if (first) this.unmapped.add(first);
    return 'Other';
  }
}
