import { runSdx } from '../support/built-cli';

/** Settings from the test runner's environment must not choose the store for these runs. */
const noStoreEnv = { SDX_STORE: '', SDX_MONGO_URI: '' };

describe('sdx serve --store', () => {
  it('refuses --store mongo without a connection string: one-line reason, exit 2', () => {
    const result = runSdx(['serve', '--store', 'mongo', '--port', '0'], { env: noStoreEnv });
    expect(result.stderr.trim()).toBe(
      'sdx serve: the mongo store needs a connection string: pass --mongo-uri mongodb://host1,host2,host3/sdx?replicaSet=rs0 or set SDX_MONGO_URI',
    );
    expect(result.code).toBe(2);
  });

  it('refuses SDX_STORE=mongo without SDX_MONGO_URI the same way', () => {
    const result = runSdx(['serve', '--port', '0'], { env: { ...noStoreEnv, SDX_STORE: 'mongo' } });
    expect(result.stderr.trim()).toMatch(/^sdx serve: bad setting: the mongo store needs a connection string: .*SDX_MONGO_URI$/);
    expect(result.code).toBe(2);
  });

  it('refuses an unknown store by flag or by configuration, exit 2', () => {
    const byFlag = runSdx(['serve', '--store', 'nosuch', '--port', '0'], { env: noStoreEnv });
    expect(byFlag.stderr.trim()).toBe('sdx serve: --store must be one of sqlite, mongo, postgres, not "nosuch"');
    expect(byFlag.code).toBe(2);
    const byEnv = runSdx(['serve', '--port', '0'], { env: { ...noStoreEnv, SDX_STORE: 'nosuch' } });
    expect(byEnv.stderr.trim()).toBe('sdx serve: bad setting: SDX_STORE must be one of sqlite, mongo, postgres, not "nosuch"');
    expect(byEnv.code).toBe(2);
  });

  it('gives up on an unreachable MongoDB within a bounded time, with a one-line "cannot start" reason', () => {
    // Port 1 on loopback: nothing listens, so the connection is refused until server selection times out.
    // Without that timeout the process would wait forever: the test's timeout is the bound.
    const result = runSdx(['serve', '--store', 'mongo', '--mongo-uri', 'mongodb://127.0.0.1:1/x', '--port', '0'], { env: noStoreEnv });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(/SDX listening/);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^sdx serve: cannot start: .*MongoDB/);
  }, 60_000);
});
