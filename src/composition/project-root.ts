// Where this code runs from: the default home of the templates, the development PKI and the web
// scripts. Kept apart so that parsing settings loads nothing else.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The checkout or package this code runs from: the nearest folder above with package.json and templates/. */
export const projectRoot = ((): string => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
  }
  return resolve(__dirname, '..');
})();
