import { busChannels, BUS_FORMAT_VERSION } from '../../src/bus/bus-channels';
import { decodeBusMessage, encodeBusMessage, type BusMessage } from '../../src/bus/bus-message';

describe('bus messages', () => {
  const samples: BusMessage[] = [
    { kind: 'invalidate', sender: 's1', keys: ['app:1:a', 'app:1:ü 🎉', 'app:1:"quoted"\\'] },
    { kind: 'invalidate', sender: 's1', keys: [] },
    { kind: 'clear', sender: 's2', prefix: 'app:1:' },
  ];

  it.each(samples)('reads back what it wrote: %j', (message) => {
    expect(decodeBusMessage(encodeBusMessage(message))).toEqual(message);
  });

  it('names keys and the sender, never a value', () => {
    const text = encodeBusMessage({ kind: 'invalidate', sender: 's', keys: ['app:1:user'] });
    expect(JSON.parse(text)).toEqual(['i', 's', ['app:1:user']]);
  });

  it.each([
    ['not JSON', '{'],
    ['a string', '"i"'],
    ['too short', '["i","s"]'],
    ['too long', '["i","s",[],1]'],
    ['unknown kind', '["x","s",[]]'],
    ['a key that is not a string', '["i","s",["a",1]]'],
    ['a clear without a prefix', '["c","s",[]]'],
    ['a sender that is not a string', '["i",7,["a"]]'],
    ['an object', '{"kind":"invalidate"}'],
  ])('refuses %s', (_name, text) => {
    expect(decodeBusMessage(text)).toBeUndefined();
  });

  it('puts the format version and the scope in the channel names, and the sender in the heartbeat channel', () => {
    const channels = busChannels('app', 7, 'abc');
    expect(channels.shared).toBe(`ideagraph-cache:bus:v${BUS_FORMAT_VERSION}:app:7`);
    expect(channels.heartbeat).toBe(`${channels.shared}:hb:abc`);
    expect(busChannels('app', 8, 'abc').shared).not.toBe(channels.shared);
    expect(busChannels('', 1, 'x').shared).toBe(`ideagraph-cache:bus:v${BUS_FORMAT_VERSION}::1`);
  });
});
