/**
 * Resolves a host name to every address a connection to it could use, as text. MUST reject when
 * the name does not resolve; MUST NOT return a partial list. Injected so that tests can point any
 * name anywhere without DNS.
 */
export type ResolveHost = (hostname: string) => Promise<readonly string[]>;
