import { readFileSync } from 'node:fs';

/**
 * The arguments that run a built CLI as its shebang line does (`#!/usr/bin/env -S node <flags>`):
 * the bench measures the emulator as `npx cloud-infinite-emulator`, `npm start` and the image
 * run it, with the same V8 flags.
 */
export function cliArgs(main: string): string[] {
  const [firstLine = ''] = readFileSync(main, 'utf8').split('\n', 1);
  const flags = /^#!\/usr\/bin\/env (?:-S )?node(?<flags>(?: --\S+)*)\s*$/.exec(firstLine)?.groups?.['flags'];
  if (flags === undefined) throw new Error(`${main} does not start with a node shebang line`);
  return [...flags.split(' ').filter((flag) => flag !== ''), main];
}
