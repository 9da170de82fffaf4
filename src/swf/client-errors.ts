import { ConfigurationError } from './errors.js';

/**
 * The AWS SDK's bare `Region is missing` as a `ConfigurationError` that says where a region comes from;
 * any other error as it is.
 */
export function explainMissingRegion(error: unknown): unknown {
  if (!(error instanceof Error) || !/^Region is missing/.test(error.message)) return error;
  return new ConfigurationError(
    'AWS region is missing: pass --region (or the region option in code), set AWS_REGION, or point at an endpoint ' +
      'with --endpoint / AWS_ENDPOINT_URL_SWF (the local endpoint needs no region)',
    { cause: error },
  );
}
