import { CALLBACK_STATES } from './apply.js';

/** The JSON body of every error answer: a short name, the message, and the field at fault when there is one. */
export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
}

/** One schema error as Ajv (Fastify's validator) reports it. */
interface SchemaError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

const TYPES: Record<string, string> = { state: 'a string', reason: 'a string' };

/**
 * Turns the first schema error into a message that names the field, what it must be and the fix; the
 * raw Ajv wording ("must be equal to one of the allowed values") says too little.
 */
export function schemaErrorBody(errors: readonly SchemaError[], context: string): ErrorBody {
  const e = errors[0] ?? {};
  const path = (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const params = e.params ?? {};
  switch (e.keyword) {
    case 'required': {
      const field = String(params.missingProperty ?? path);
      return { error: 'BadRequest', field, message: `${field} is required: send {"state": "SUCCESS" | "ERROR" | "CANCELLED" | "RUNNING", ...}` };
    }
    case 'additionalProperties': {
      const field = String(params.additionalProperty ?? '');
      return { error: 'BadRequest', field, message: `${field} is not a field of a callback; the fields are state, output, reason and details` };
    }
    case 'enum':
      return { error: 'BadRequest', field: path, message: `${path} must be one of ${CALLBACK_STATES.join(', ')}` };
    case 'type': {
      if (path === '') return { error: 'BadRequest', message: `the ${context} must be a JSON object such as {"state": "SUCCESS", "output": ...}` };
      return { error: 'BadRequest', field: path, message: `${path} must be ${TYPES[path] ?? String(params.type)}` };
    }
    default:
      return { error: 'BadRequest', ...(path ? { field: path } : {}), message: `${path || context} ${e.message ?? 'is invalid'}` };
  }
}
