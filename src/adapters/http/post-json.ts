import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { HttpPost, PostResult } from '../../application/webhooks/webhook-dispatcher';
import type { ResolveHost } from '../../application/ports/resolve-host.port';

/** Every address a name resolves to, as the operating system's resolver gives them. */
export const resolveWithDns: ResolveHost = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses.map((entry) => entry.address));
    });
  });

/** Marks a connection SDX refused to open; never shown to anyone. */
const REFUSED = 'SDX_DESTINATION_REFUSED';
const TIMED_OUT = 'SDX_TIMED_OUT';

function failure(code: string): Error {
  return Object.assign(new Error(code), { code });
}

/**
 * The connection's own `lookup`: it resolves the name and hands the socket the addresses only when
 * every one is permitted, so the address checked is the address connected to (a name cannot be
 * re-pointed between a check and the connect).
 */
function checkedLookup(resolveHost: ResolveHost, permitted: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolveHost(hostname).then(
      (found) => {
        const addresses: LookupAddress[] = found
          .map((address) => ({ address, family: isIP(address) }))
          .filter((entry) => options.family === undefined || options.family === 0 || entry.family === options.family);
        const first = addresses[0];
        if (!first) return callback(failure('ENOTFOUND'), '', 0);
        if (found.some((address) => !permitted(address))) return callback(failure(REFUSED), '', 0);
        if (options.all) return callback(null, addresses);
        return callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : failure('ENOTFOUND'), '', 0),
    );
  };
}

/**
 * Webhook POSTs: http(s).request with the destination check in the connection's lookup (a literal
 * address, which Node connects to without a lookup, is checked first), bounded by `timeoutMs` from
 * resolving to the response headers, no redirects followed (a 3xx is just its status), a fresh
 * connection each time, and the response body never read. Failures come back as a coarse outcome.
 */
export function webhookPost(options: { resolveHost: ResolveHost; permitted: (address: string) => boolean }): HttpPost {
  const lookup = checkedLookup(options.resolveHost, options.permitted);
  return (url, body, headers, timeoutMs) =>
    new Promise<PostResult>((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return resolve({ failure: 'connection-failed' });
      }
      if (target.protocol !== 'https:' && target.protocol !== 'http:') return resolve({ failure: 'refused-destination' });
      const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(host) !== 0 && !options.permitted(host)) return resolve({ failure: 'refused-destination' });
      const requestOptions: RequestOptions = {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup,
        agent: false,
      };
      const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, requestOptions, (res) => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0 });
        res.destroy();
      });
      const timer = setTimeout(() => req.destroy(failure(TIMED_OUT)), timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ failure: error.code === REFUSED ? 'refused-destination' : error.code === TIMED_OUT ? 'timeout' : 'connection-failed' });
      });
      req.end(body);
    });
}
