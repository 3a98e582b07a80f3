"""A writer that does not use the cache module: redis-py, as another service or Django's
RedisCache would write. Reads {"host", "port", "ops": [[command, ...args]]} as JSON on
stdin, runs each operation and prints the replies as JSON. Values are JSON text, or, with
"pickle": true, pickled as Django's RedisSerializer pickles them (integers stay plain).
With "cluster": true it talks to a Redis Cluster (redis-py's RedisCluster): a command
may not span slots there, so MSET and MULTI/EXEC change the second key only where it
shares the first one's slot, and the first alone otherwise."""
import json
import pickle
import random
import sys
import time

import redis
from redis.cluster import RedisCluster


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


def single(client, key_a, key_b):
    """On a Cluster, whether two keys are in different slots (one command may not hold both)."""
    return isinstance(client, RedisCluster) and client.keyslot(key_a) != client.keyslot(key_b)


def transaction_for(client, key):
    """A MULTI/EXEC pipeline; on a Cluster, on the connection of the node that holds `key`."""
    if isinstance(client, RedisCluster):
        return client.get_redis_connection(client.get_node_from_key(key)).pipeline(transaction=True)
    return client.pipeline(transaction=True)


def now_us():
    # CLOCK_MONOTONIC, as Node's process.hrtime.bigint(): records of both order alike.
    return time.monotonic_ns() // 1000


def burst(client, request):
    """Random writes for durationMs at rate per second; one record per key changed, each value unique."""
    rng = random.Random(request["seed"])
    keys, prefix, worker = request["keys"], request["prefix"], request["worker"]
    records, sequence = [], [0]

    def unique():
        sequence[0] += 1
        # Unique across bursts too: each burst is a new process, told its own seed.
        return json.dumps({"w": worker, "s": request["seed"], "n": sequence[0]}, separators=(",", ":"))

    started = time.monotonic()
    index = 0
    while (time.monotonic() - started) * 1000 < request["durationMs"]:
        wait = started + index / request["rate"] - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        index += 1
        a = rng.choice(keys)
        b = keys[(keys.index(a) + 1 + rng.randrange(len(keys) - 1)) % len(keys)]
        va, vb = unique(), unique()
        op = rng.choice(["SET", "DEL", "PEXPIRE 0", "MSET", "MULTI/EXEC", "EVAL"])
        issued = now_us()
        if op == "SET":
            client.set(prefix + a, va)
            written = [("set", a, va)]
        elif op == "DEL":
            client.delete(prefix + a)
            written = [("delete", a, None)]
        elif op == "PEXPIRE 0":
            client.pexpire(prefix + a, 0)
            written = [("delete", a, None)]
        elif op == "MSET":
            if single(client, prefix + a, prefix + b):
                client.mset({prefix + a: va})
                written = [("set", a, va)]
            else:
                client.mset({prefix + a: va, prefix + b: vb})
                written = [("set", a, va), ("set", b, vb)]
        elif op == "MULTI/EXEC":
            pipe = transaction_for(client, prefix + a)
            pipe.set(prefix + a, va)
            if single(client, prefix + a, prefix + b):
                pipe.pexpire(prefix + a, 300000)
                written = [("set", a, va)]
            else:
                pipe.delete(prefix + b)
                written = [("set", a, va), ("delete", b, None)]
            pipe.execute()
        else:
            client.eval("redis.call('SET', KEYS[1], ARGV[1]) return 1", 1, prefix + a, va)
            written = [("set", a, va)]
        acked = now_us()
        for kind, key, value in written:
            records.append({"worker": worker, "kind": kind, "key": key, "issuedUs": issued, "ackedUs": acked, "value": value, "acknowledged": True})
    return records


def main():
    request = json.load(sys.stdin)
    if request.get("cluster"):
        client = RedisCluster(host=request["host"], port=request["port"])
    else:
        client = redis.Redis(host=request["host"], port=request["port"])
    if "burst" in request:
        json.dump(burst(client, request["burst"]), sys.stdout)
        return
    replies = [run(client, request, op) for op in request["ops"]]
    json.dump([repr(reply) for reply in replies], sys.stdout)


main()
