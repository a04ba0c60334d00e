export { startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator.js';
export { buildServer, type ServerDeps } from './server.js';
export { resolveConfig, parseCommandLine, ConfigError, type EmulatorConfig, type AuthMode, type LogLevel, type ParsedCommandLine } from './config.js';
export { SeedError } from './admin/seeds.js';
export { SchemaTooNewError, UnusableDatabaseError } from './db.js';
export { signRequest, verifyRequest, type Credential, type SignOptions } from './signature.js';
// Declaring a template kind: one defineKind({...}) with these helpers, and a KindRegistry that
// holds it (new KindRegistry([...CATALOG, myKind]) for buildServer's `kinds`).
export {
  defineKind,
  enumOf,
  bool,
  int,
  num,
  str,
  group,
  exclusive,
  required,
  omitFields,
  requireSome,
  allowedValues,
  forbidden,
  rangeWhen,
  when,
  whenNot,
  whenGiven,
  type TemplateKind,
  type Fields,
  type Field,
  type Rule,
  type Leniency,
} from './kinds/schema.js';
export { KindRegistry } from './kinds/registry.js';
export { CATALOG } from './kinds/catalog/index.js';
