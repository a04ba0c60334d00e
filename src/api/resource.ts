import type { FastifyInstance, FastifyBaseLogger } from 'fastify';
import type { FaultRegistry } from '../admin/faults.js';
import type { RequestJournal } from '../admin/journal.js';
import type { Seeds } from '../admin/seeds.js';
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
  /** Paths of CI's API the emulator does not serve, answered 404 with a message of their own. */
  readonly unserved?: readonly { readonly pattern: RegExp; readonly message: string }[];
  readonly migrations: readonly Migration[];
  /** Sets the resource up on one server; the routes are registered when the server loads. */
  open(services: ApiServices): OpenResource;
}

/** A resource on a server. */
export interface OpenResource {
  routes(api: FastifyInstance): void;
  /** Routes of its own under /_emulator/ (the jobs' moves). */
  adminRoutes?(admin: FastifyInstance): void;
  /** Removes what it holds, in every bucket or in one; answers how many of what. */
  reset(bucket: string | undefined): Promise<Readonly<Record<string, number>>>;
  close?(): void;
}

/** A path of the API: the methods it takes (405 answers, `Allow`) and how messages show it. */
export interface ApiPath {
  readonly pattern: RegExp;
  readonly methods: readonly string[];
  /** `/template/<TemplateId>` */
  readonly shown: string;
}

/** What every resource may use. */
export interface ApiServices {
  readonly config: EmulatorConfig;
  readonly kinds: KindRegistry;
  readonly storage: Storage;
  readonly seeds: Seeds;
  readonly faults: FaultRegistry;
  readonly journal: RequestJournal;
  readonly log: FastifyBaseLogger;
  /** Milliseconds since the epoch, from the server's clock. */
  readonly clock: () => number;
  /** Unix seconds, from the same clock. */
  readonly now: () => number;
}
