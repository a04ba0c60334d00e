import type { FastifyInstance } from 'fastify';
import type { EmulatorConfig } from '../config.js';
import type { Migration } from '../db.js';
import type { KindRegistry } from '../kinds/registry.js';
import type { Storage } from '../storage.js';

/**
 * A resource of the CI API (`/template`, `/jobs`): its paths, its schema steps and its routes,
 * in one folder. src/api/resources.ts lists them; nothing else names a resource's paths.
 */
export interface ApiResource {
  readonly paths: readonly ApiPath[];
  readonly migrations: readonly Migration[];
  register(api: FastifyInstance, services: ApiServices): void;
}

/** A path of the API: the methods it takes (405 answers, `Allow`) and how messages show it. */
export interface ApiPath {
  readonly pattern: RegExp;
  readonly methods: readonly string[];
  /** `/template/<TemplateId>` */
  readonly shown: string;
}

/** What the routes of every resource may use. */
export interface ApiServices {
  readonly config: EmulatorConfig;
  readonly kinds: KindRegistry;
  readonly storage: Storage;
  /** Unix seconds, from the server's clock. */
  readonly now: () => number;
}
