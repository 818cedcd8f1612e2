import { describe, expect, it } from 'vitest';

import { ConfigError, parseConfig } from '../../src/config.js';

const ctx = { packageRoot: '/opt/ramp', homeDir: '/home/sre', cwd: '/work', stderrIsTTY: false };

describe('parseConfig', () => {
  it('has defaults that need no environment at all', () => {
    expect(parseConfig({}, ctx)).toEqual({
      logLevel: 'info',
      logFormat: 'json',
      color: false,
      cacheDir: '/home/sre/.cache/ramp',
      localDir: '/home/sre/.local/state/ramp/local',
      goBinary: 'go',
      toolsDir: '/opt/ramp/tools',
    });
  });

  it('is frozen so nothing can change it after start-up', () => {
    expect(Object.isFrozen(parseConfig({}, ctx))).toBe(true);
  });

  it.each([
    [{ RAMP_LOG_LEVEL: 'DEBUG' }, 'logLevel', 'debug'],
    [{ RAMP_LOG_FORMAT: 'pretty' }, 'logFormat', 'pretty'],
    [{ RAMP_CACHE_DIR: 'cache' }, 'cacheDir', '/work/cache'],
    [{ RAMP_CACHE_DIR: '/var/cache/ramp' }, 'cacheDir', '/var/cache/ramp'],
    [{ XDG_CACHE_HOME: '/xdg/cache' }, 'cacheDir', '/xdg/cache/ramp'],
    [{ XDG_STATE_HOME: '/xdg/state' }, 'localDir', '/xdg/state/ramp/local'],
    [{ RAMP_LOCAL_DIR: ' /run/ramp ' }, 'localDir', '/run/ramp'],
    [{ RAMP_GO: '/usr/lib/go-1.26/bin/go' }, 'goBinary', '/usr/lib/go-1.26/bin/go'],
    [{ RAMP_TOOLS_DIR: 'tools2' }, 'toolsDir', '/work/tools2'],
    [{ RAMP_GO: '' }, 'goBinary', 'go'],
  ])('%j sets %s to %s', (env, key, expected) => {
    expect(parseConfig(env, ctx)[key as keyof ReturnType<typeof parseConfig>]).toBe(expected);
  });

  it.each([
    [false, {}, 'json', false],
    [true, {}, 'pretty', true],
    [true, { NO_COLOR: '1' }, 'pretty', false],
    [true, { RAMP_LOG_FORMAT: 'json' }, 'json', true],
  ])('on a TTY=%s with %j logs %s, colour %s', (tty, env, format, color) => {
    const config = parseConfig(env, { ...ctx, stderrIsTTY: tty });
    expect([config.logFormat, config.color]).toEqual([format, color]);
  });

  it.each([
    [
      { RAMP_LOG_LEVEL: 'loud' },
      'RAMP_LOG_LEVEL=loud: expected one of fatal, error, warn, info, debug, trace, silent',
    ],
    [{ RAMP_LOG_FORMAT: 'xml' }, 'RAMP_LOG_FORMAT=xml: expected auto, json or pretty'],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => parseConfig(env, ctx)).toThrow(new ConfigError(message));
  });
});
