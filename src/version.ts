import { readFileSync } from 'node:fs';

/** The emulator's version, from its package.json (beside dist/ in the package and in the image). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
