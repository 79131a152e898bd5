// @peculiar/x509 resolves its crypto provider through tsyringe, which needs the Reflect metadata
// polyfill loaded first. This module is the one place that loads it; import x509 from here only.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
