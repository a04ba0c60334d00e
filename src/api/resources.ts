import type { Migration } from '../db.js';
import { templates } from '../templates/resource.js';
import type { ApiPath, ApiResource } from './resource.js';

/** The resources of the CI API. Adding one is adding its folder and a line here. */
export const RESOURCES: readonly ApiResource[] = [templates];

/** Every resource's schema steps, in the order of their numbers. */
export const MIGRATIONS: readonly Migration[] = RESOURCES.flatMap((resource) => resource.migrations).sort((a, b) => a.version - b.version);

const PATHS: readonly ApiPath[] = RESOURCES.flatMap((resource) => resource.paths);

/** The methods a path takes, or none when it is no API path. */
export const allowedMethods = (path: string): readonly string[] => PATHS.find((route) => route.pattern.test(path))?.methods ?? [];

/** For 404 messages: `/template, /template/<TemplateId>`. */
export const SERVED_PATHS = PATHS.map((route) => route.shown).join(', ');
