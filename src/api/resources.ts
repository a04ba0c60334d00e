import type { Migration } from '../db.js';
import { jobs } from '../jobs/resource.js';
import { templates } from '../templates/resource.js';
import type { ApiPath, ApiResource } from './resource.js';

/** The resources of the CI API. Adding one is adding its folder and a line here. */
export const RESOURCES: readonly ApiResource[] = [templates, jobs];

/** Every resource's schema steps, in the order of their numbers. */
export const MIGRATIONS: readonly Migration[] = RESOURCES.flatMap((resource) => resource.migrations).sort((a, b) => a.version - b.version);

const PATHS: readonly ApiPath[] = RESOURCES.flatMap((resource) => resource.paths);

/** The methods a path takes, or none when it is no API path. */
export const allowedMethods = (path: string): readonly string[] => PATHS.find((route) => route.pattern.test(path))?.methods ?? [];

/** For 404 messages: `/template, /template/<TemplateId>`. */
export const SERVED_PATHS = PATHS.map((route) => route.shown).join(', ');

/** What a 404 says of a path of CI's API that the emulator does not serve, or undefined. */
export const unservedMessage = (path: string): string | undefined =>
  RESOURCES.flatMap((resource) => resource.unserved ?? []).find((unserved) => unserved.pattern.test(path))?.message;
