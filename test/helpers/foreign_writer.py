"""A writer that does not use the cache module: redis-py, as another service or Django's
RedisCache would write. Reads {"host", "port", "ops": [[command, ...args]]} as JSON on
stdin, runs each operation and prints the replies as JSON. Values are JSON text, or, with
"pickle": true, pickled as Django's RedisSerializer pickles them (integers stay plain)."""
import json
import pickle
import sys

import redis


def value(request, text):
    if not request.get("pickle"):
        return text
    obj = json.loads(text)
    if isinstance(obj, int) and not isinstance(obj, bool):
        return obj
    return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


def run(client, request, op):
    name, args = op[0], op[1:]
    if name == "set":
        return client.set(args[0], value(request, args[1]))
    if name == "delete":
        return client.delete(*args)
    if name == "expire":
        return client.expire(args[0], args[1])
    if name == "pexpire":
        return client.pexpire(args[0], args[1])
    if name == "rename":
        return client.rename(args[0], args[1])
    if name == "mset":
        return client.mset({args[i]: value(request, args[i + 1]) for i in range(0, len(args), 2)})
    if name == "multi":
        pipe = client.pipeline(transaction=True)
        pipe.set(args[0], value(request, args[1]))
        pipe.delete(args[2])
        return pipe.execute()
    if name == "eval":
        return client.eval("redis.call('SET', KEYS[1], ARGV[1]) return 1", 1, args[0], value(request, args[1]))
    raise ValueError("unknown operation " + name)


def main():
    request = json.load(sys.stdin)
    client = redis.Redis(host=request["host"], port=request["port"])
    replies = [run(client, request, op) for op in request["ops"]]
    json.dump([repr(reply) for reply in replies], sys.stdout)


main()
