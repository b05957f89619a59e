/**
 * TRUST_PROXY (issue #15, item 8): `true` makes Express believe the left-most X-Forwarded-For, which the
 * client writes, so every per-address limit could be bypassed behind a proxy. It is refused at start, with one
 * line that says what to give instead; so is a value Express could not use.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../api/config.js';
import { serverProcessesPerTest } from '../support/server-process.js';

const processes = serverProcessesPerTest();

describe('TRUST_PROXY', () => {
  it.each(['true', 'TRUE', ' True '])(
    'when it is %j, then the configuration is refused, saying to give the proxy addresses or hop count',
    (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY.*address.*hop count/);
    },
  );

  it('when it is a value Express cannot compile, then the configuration is refused naming it, instead of a crash at start', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'the-proxy' })).toThrow(/TRUST_PROXY .*"the-proxy"/);
  });

  it.each([
    ['false', false],
    ['', false],
    ['1', 1],
    ['loopback', 'loopback'],
    ['10.0.0.0/8, 192.168.1.5', '10.0.0.0/8, 192.168.1.5'],
  ])('when it is %j, then it is accepted as %j', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it('when the server is started with TRUST_PROXY=true, then it stops with exit code 1 and one plain line', async () => {
    const server = await processes.make({ env: { TRUST_PROXY: 'true' } });
    server.launch();
    expect(await server.exited).toBe(1);
    const lines = server.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^papo: invalid configuration: TRUST_PROXY .*address.*hop count/);
  }, 90_000);
});
