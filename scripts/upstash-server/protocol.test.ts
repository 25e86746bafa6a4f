import {
  encodeReply,
  JsonInteger,
  parseCommand,
  parseCommandList,
  rewriteShebang,
  ScriptRegistry,
  serializeJson,
  sha1,
  validateCommand,
  type CommandArgs,
} from './protocol';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

describe('encodeReply', () => {
  it('base64-encodes bulk and status replies at every depth, keeps integers and nil', () => {
    const reply = [Buffer.from('OK'), 7, null, [Buffer.from('PONG'), [Buffer.from('héllo 日本'), '12']]];
    expect(encodeReply(reply, true)).toEqual([b64('OK'), 7, null, [b64('PONG'), [b64('héllo 日本'), 12]]]);
  });

  it('returns plain UTF-8 strings without base64', () => {
    expect(encodeReply([Buffer.from('PONG'), Buffer.from('日本')], false)).toEqual(['PONG', '日本']);
    expect(encodeReply(Buffer.from('OK'), false)).toBe('OK');
  });

  it('encodes a top-level status reply too', () => {
    expect(encodeReply(Buffer.from('PONG'), true)).toBe('UE9ORw==');
  });

  it('turns integer strings (stringNumbers) into numbers, exact beyond 2^53', () => {
    expect(encodeReply('-42', true)).toBe(-42);
    const big = encodeReply('9007199254740993', true);
    expect(big).toBeInstanceOf(JsonInteger);
    expect(serializeJson({ result: big })).toBe('{"result":9007199254740993}');
  });

  it('flattens objects and maps instead of emitting JSON objects', () => {
    expect(encodeReply({ a: Buffer.from('1'), b: Buffer.from('x') }, false)).toEqual(['a', '1', 'b', 'x']);
    expect(encodeReply(new Map([[Buffer.from('k'), Buffer.from('v')]]), true)).toEqual([b64('k'), b64('v')]);
  });

  it('encodes nested errors as their message', () => {
    expect(encodeReply([1, new Error('ERR boom')], false)).toEqual([1, 'ERR boom']);
    expect(encodeReply([new Error('ERR boom')], true)).toEqual([b64('ERR boom')]);
  });

  it('keeps binary bytes intact under base64', () => {
    const bytes = Buffer.from([0, 255, 128, 10]);
    expect(Buffer.from(encodeReply(bytes, true) as string, 'base64')).toEqual(bytes);
  });
});

describe('serializeJson', () => {
  it('writes nested values like JSON.stringify', () => {
    const value = { result: ['a"b', 1, null, [true]] };
    expect(serializeJson(value)).toBe(JSON.stringify(value));
  });
});

describe('parseCommand', () => {
  it('stringifies numbers and booleans', () => {
    expect(parseCommand(['set', 'k', 'v', 'ex', 100, true, 1.5])).toEqual({
      ok: true,
      value: ['set', 'k', 'v', 'ex', '100', 'true', '1.5'],
    });
  });

  it('rejects non-arrays, empty commands, null and nested values', () => {
    expect(parseCommand({ cmd: 'get' })).toMatchObject({ ok: false });
    expect(parseCommand([])).toMatchObject({ ok: false, error: 'ERR empty command' });
    expect(parseCommand(['set', 'k', null])).toMatchObject({
      ok: false,
      error: expect.stringContaining('position 2') as unknown,
    });
    expect(parseCommand(['set', 'k', ['v']])).toMatchObject({
      ok: false,
      error: expect.stringContaining('array') as unknown,
    });
    expect(parseCommand(['', 'k'])).toMatchObject({ ok: false });
  });

  it('parses command lists element by element', () => {
    const list = parseCommandList([['get', 'a'], 'oops']);
    expect(list.ok && list.value.map((p) => p.ok)).toEqual([true, false]);
    expect(parseCommandList({})).toMatchObject({ ok: false });
  });
});

describe('validateCommand', () => {
  const rejected = (...args: CommandArgs): string | null => validateCommand(args);

  it.each([
    [['blpop', 'q', '0']],
    [['BRPOP', 'q', '1']],
    [['blmove', 'a', 'b', 'LEFT', 'RIGHT', '0']],
    [['wait', '1', '0']],
    [['select', '1']],
    [['watch', 'k']],
    [['multi']],
    [['exec']],
    [['subscribe', 'c']],
    [['monitor']],
    [['client', 'reply', 'off']],
    [['xread', 'COUNT', '1', 'block', '0', 'STREAMS', 's', '$']],
    [['xreadgroup', 'GROUP', 'g', 'c', 'BLOCK', '10', 'STREAMS', 's', '>']],
  ] as CommandArgs[][])('rejects %j', (args) => {
    expect(rejected(...args)).toMatch(/^ERR .*not supported/);
  });

  it.each([
    [['get', 'k']],
    [['xread', 'COUNT', '1', 'STREAMS', 'block', '0']],
    [['xreadgroup', 'GROUP', 'BLOCK', 'BLOCK', 'STREAMS', 's', '>']],
    [['publish', 'c', 'm']],
    [['eval', 'return 1', '0']],
  ] as CommandArgs[][])('allows %j', (args) => {
    expect(rejected(...args)).toBeNull();
  });

  it('points MULTI users at /multi-exec', () => {
    expect(rejected('multi')).toContain('/multi-exec');
  });
});

describe('rewriteShebang', () => {
  it('drops Upstash-only flags', () => {
    expect(rewriteShebang('#!lua flags=allow-key-locking\nreturn 1')).toBe('#!lua\nreturn 1');
    expect(rewriteShebang('#!lua flags=no-writes,allow-key-locking\nreturn 1')).toBe(
      '#!lua flags=no-writes\nreturn 1',
    );
  });

  it('leaves scripts that stock Redis accepts untouched', () => {
    expect(rewriteShebang('return 1')).toBeNull();
    expect(rewriteShebang('#!lua\nreturn 1')).toBeNull();
    expect(rewriteShebang('#!lua flags=no-writes,allow-stale\nreturn 1')).toBeNull();
  });
});

describe('ScriptRegistry', () => {
  const script = '#!lua flags=allow-key-locking\nreturn ARGV[1]';
  const rewritten = '#!lua\nreturn ARGV[1]';

  it('rewrites EVAL and maps the original SHA for EVALSHA / EVALSHA_RO', () => {
    const registry = new ScriptRegistry();
    expect(registry.prepare(['evalsha', sha1(script), '0', 'x']).args).toEqual([
      'evalsha',
      sha1(script),
      '0',
      'x',
    ]);
    expect(registry.prepare(['eval', script, '1', 'k', 'x']).args).toEqual([
      'eval',
      rewritten,
      '1',
      'k',
      'x',
    ]);
    expect(registry.prepare(['evalsha', sha1(script), '0', 'x']).args).toEqual([
      'evalsha',
      sha1(rewritten),
      '0',
      'x',
    ]);
    expect(registry.prepare(['EVALSHA_RO', sha1(script).toUpperCase(), '0']).args[1]).toBe(sha1(rewritten));
  });

  it('SCRIPT LOAD sends the rewritten script but reports sha1(original)', () => {
    const registry = new ScriptRegistry();
    const prepared = registry.prepare(['script', 'load', script]);
    expect(prepared.args).toEqual(['script', 'load', rewritten]);
    const reply = prepared.mapReply?.(Buffer.from(sha1(rewritten)));
    expect(Buffer.isBuffer(reply) && reply.toString()).toBe(sha1(script));
    expect(registry.prepare(['script', 'exists', sha1(script), 'abc']).args).toEqual([
      'script',
      'exists',
      sha1(rewritten),
      'abc',
    ]);
  });

  it('does not remember scripts that need no rewrite', () => {
    const registry = new ScriptRegistry();
    expect(registry.prepare(['eval', 'return 1', '0']).args).toEqual(['eval', 'return 1', '0']);
    expect(registry.prepare(['script', 'load', 'return 1']).mapReply).toBeUndefined();
    expect(registry.size).toBe(0);
  });
});
