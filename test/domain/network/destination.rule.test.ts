import { addressPermitted, hostNameForbidden } from '../../../src/domain/network/destination.rule';

describe('webhook destinations', () => {
  const production = { allowPrivate: false };
  const development = { allowPrivate: true };

  it('a service reaches globally routable addresses only', () => {
    for (const address of ['8.8.8.8', '2606:4700:4700::1111', '64:ff9b::808:808']) expect(addressPermitted(address, production)).toBe(true);
    for (const address of ['127.0.0.1', '::1', '10.0.0.1', '192.168.1.1', 'fd00::1', '169.254.169.254', '100.64.0.1', '0.0.0.0']) {
      expect(addressPermitted(address, production)).toBe(false);
    }
  });

  it('with private destinations allowed, loopback and private networks open, and nothing else', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.1', '172.16.0.1', '192.168.1.1', 'fd00::1']) expect(addressPermitted(address, development)).toBe(true);
    for (const address of ['169.254.169.254', 'fe80::1', '0.0.0.0', '::', '100.64.0.1', '224.0.0.1', '255.255.255.255', '198.18.0.1', '64:ff9b:1::1', '2001::1']) {
      expect(addressPermitted(address, development)).toBe(false);
    }
  });

  it('names of the local network are forbidden whatever DNS says, trailing dot or not', () => {
    for (const name of ['localhost', 'localhost.', 'LOCALHOST', 'app.localhost', 'metadata.google.internal', 'metadata.google.internal.', 'db.internal', 'printer.local', 'nas.home.arpa', 'localhost.localdomain', 'metadata', 'intranet.', '']) {
      expect([name, hostNameForbidden(name)]).toEqual([name, true]);
    }
    for (const name of ['hooks.example.com', 'example.com.', 'internal.example.com', 'local-hooks.example', 'localhost.example.com']) {
      expect([name, hostNameForbidden(name)]).toEqual([name, false]);
    }
  });
});
