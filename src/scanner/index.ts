/**
 * The scanner: the `@activity` decorator, the registry of activity types, discovery of the modules that
 * define them, and their registration with SWF.
 */
export { activity, type ActivityDecorator } from './decorator.js';
export { ActivityRegistry, defaultRegistry } from './registry.js';
export { scan, ScanError, type ScanOptions, type ScanFailure } from './scan.js';
export type { ScanLogger } from './loader.js';
export {
  registerActivityTypes,
  RegistrationMismatchError,
  type RegisterActivityTypesOptions,
  type RegistrationReport,
  type RegistrationMismatch,
  type RegisteredField,
} from './register.js';
export type {
  ActivityClass,
  ActivityDefinition,
  ActivityLookup,
  ActivityTimeouts,
  ActivityOptions,
  ActivityExecutionOptions,
  TimeoutSeconds,
} from './types.js';
