export { startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator.js';
export { buildServer, type ServerDeps } from './server.js';
export { resolveConfig, parseCommandLine, ConfigError, type EmulatorConfig, type AuthMode, type LogLevel, type ParsedCommandLine } from './config.js';
export { SeedError } from './admin/seeds.js';
export { SchemaTooNewError, UnusableDatabaseError } from './db.js';
export { signRequest, verifyRequest, type Credential, type SignOptions } from './signature.js';
export { defineKind, type TemplateKind } from './kinds/schema.js';
