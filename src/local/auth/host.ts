/**
 * The `Host` check: a web page can reach a loopback server under its own DNS name by DNS rebinding, and then
 * its requests carry that name. Only the endpoint's own names and addresses pass. @internal
 */
import { hostname, networkInterfaces } from 'node:os';
import { SwfFault } from '../protocol.js';

/** The host part of a `Host` header or a bind address: lower case, no port, no brackets, no trailing dot. */
export function hostName(value: string): string {
  let host = value.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end < 0 ? host.slice(1) : host.slice(1, end);
  } else if (host.indexOf(':') === host.lastIndexOf(':')) {
    host = host.replace(/:\d*$/, '');
  }
  return host.replace(/\.$/, '');
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** Every name a request may carry in `Host` for an endpoint bound to `bindHost`. */
export function ownHostNames(bindHost: string, allowedHosts: readonly string[]): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', hostName(bindHost)]);
  if (WILDCARD.has(hostName(bindHost))) {
    // Bound to every interface: each of this machine's addresses, and its name, are its own.
    names.add(hostName(hostname()));
    for (const list of Object.values(networkInterfaces())) {
      for (const address of list ?? []) names.add(hostName(address.address));
    }
  }
  for (const host of allowedHosts) names.add(hostName(host));
  names.delete('');
  return names;
}

/** A check of one request's `Host` header; undefined when it names this endpoint. */
export function createHostCheck(bindHost: string, allowedHosts: readonly string[]): (host: string | undefined) => SwfFault | undefined {
  const names = ownHostNames(bindHost, allowedHosts);
  const shown = [...names].slice(0, 8).join(', ') + (names.size > 8 ? ', ...' : '');
  return (host) => {
    const name = host === undefined ? '' : hostName(host);
    if (names.has(name) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return undefined;
    const given = host === undefined ? 'no Host header' : `Host '${host.slice(0, 100)}'`;
    return new SwfFault(
      'AccessDeniedException',
      `Request refused: ${given} is not a name or address of this local SWF endpoint (${shown}). ` +
        'Requests naming another host are refused so a web page cannot reach the endpoint by DNS rebinding. ' +
        `Connect by one of those names, or allow this one: flowy-swf local --allowed-host ${host === undefined ? 'NAME' : hostName(host) || 'NAME'} ` +
        "(startLocalSwf({ allowedHosts: ['...'] })).",
      403,
    );
  };
}
