import {
  DefaultUndefinedFault,
  DomainAlreadyExistsFault,
  DomainDeprecatedFault,
  LimitExceededFault,
  OperationNotPermittedFault,
  SWFServiceException,
  TooManyTagsFault,
  TypeAlreadyExistsFault,
  TypeDeprecatedFault,
  TypeNotDeprecatedFault,
  UnknownResourceFault,
  WorkflowExecutionAlreadyStartedFault,
} from '@aws-sdk/client-swf';
import { loadJsonRpcErrorCode } from '@aws-sdk/core/protocols';
import { decorateServiceException } from '@smithy/core/client';
import type { ResponseMetadata } from '@smithy/types';
import type { IncomingHttpHeaders } from 'node:http';

type FaultClass = new (opts: { message: string; $metadata: ResponseMetadata }) => SWFServiceException;

/**
 * SWF's modelled faults, by name, as the SDK's own classes. The hot operations answer three of them
 * (UnknownResourceFault, OperationNotPermittedFault, LimitExceededFault); all are here so that an answer
 * never becomes a weaker class than the SDK would make of it.
 */
const FAULTS: ReadonlyMap<string, FaultClass> = new Map<string, FaultClass>([
  ['UnknownResourceFault', UnknownResourceFault],
  ['OperationNotPermittedFault', OperationNotPermittedFault],
  ['LimitExceededFault', LimitExceededFault],
  ['DefaultUndefinedFault', DefaultUndefinedFault],
  ['DomainAlreadyExistsFault', DomainAlreadyExistsFault],
  ['DomainDeprecatedFault', DomainDeprecatedFault],
  ['TooManyTagsFault', TooManyTagsFault],
  ['TypeAlreadyExistsFault', TypeAlreadyExistsFault],
  ['TypeDeprecatedFault', TypeDeprecatedFault],
  ['TypeNotDeprecatedFault', TypeNotDeprecatedFault],
  ['WorkflowExecutionAlreadyStartedFault', WorkflowExecutionAlreadyStartedFault],
]);

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `$metadata` as the SDK fills it for one attempt. */
function responseMetadata(status: number, headers: IncomingHttpHeaders): ResponseMetadata {
  return {
    httpStatusCode: status,
    requestId: header(headers, 'x-amzn-requestid') ?? header(headers, 'x-amzn-request-id') ?? header(headers, 'x-amz-request-id'),
    extendedRequestId: header(headers, 'x-amz-id-2'),
    cfId: header(headers, 'x-amz-cf-id'),
    attempts: 1,
    totalRetryDelay: 0,
  };
}

/**
 * The exception the SDK would throw for an error answer: the error code is read as the SDK's JSON-RPC
 * protocol reads it (`__type`, `code`, then the `x-amzn-errortype` header); a modelled fault becomes its
 * class (`instanceof UnknownResourceFault`), anything else (throttling, access denied, signature errors,
 * 5xx) an `SWFServiceException` named by its code, with `$fault` from the status.
 */
export function swfErrorOf(status: number, headers: IncomingHttpHeaders, body: string): SWFServiceException {
  let data: Record<string, unknown> = {};
  let notJson = false;
  try {
    const parsed: unknown = body.length > 0 ? JSON.parse(body) : {};
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) data = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page, a cut body): the status says what it was.
    notJson = true;
  }
  const $metadata = responseMetadata(status, headers);
  const code = loadJsonRpcErrorCode({ statusCode: status, headers: headers as Record<string, string> }, data) ?? 'Unknown';
  const name = code.includes('#') ? (code.split('#')[1] ?? code) : code;
  const message = typeof data.message === 'string' ? data.message : typeof data.Message === 'string' ? data.Message : 'UnknownError';
  const Fault = FAULTS.get(name);
  const exception = Fault
    ? new Fault({ message, $metadata })
    : new SWFServiceException({ name, $fault: status < 500 ? 'client' : 'server', $metadata, message });
  if (!Fault) data.message ??= message;
  const decorated = decorateServiceException(exception, data);
  // The worker's poll log says "an answer that is not SWF's JSON" for these, as for the SDK's SyntaxError.
  if (notJson) Object.defineProperty(decorated, 'answerIsNotJson', { value: true });
  return decorated;
}
