"""The Python side of the django value-format tests: CPython's pickle, called as Django's
RedisCache calls it, and Redis reached through a minimal RESP client (the tests must not
need the redis package). Reads one JSON request on stdin, writes one JSON answer on stdout.

Values are given as Python expressions written by the tests themselves."""

import datetime
import json
import math
import os
import pickle
import socket
import sys


def django_dumps(value):
    # django.core.cache.backends.redis.RedisSerializer.dumps: ints stay ints, which
    # redis-py sends as their decimal text; everything else is pickled.
    if type(value) is int:
        return str(value).encode()
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def django_loads(data):
    # RedisSerializer.loads
    try:
        return int(data)
    except ValueError:
        return pickle.loads(data)


def same(a, b):
    """Equal and of the same types all the way down (1 == 1.0 == True is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(same(ka, kb) and same(va, vb) for (ka, va), (kb, vb) in zip(a.items(), b.items()))
    if isinstance(a, (set, frozenset)):
        return len(a) == len(b) and all(any(same(x, y) for y in b) for x in a)
    if isinstance(a, datetime.datetime):
        return a == b and a.tzinfo == b.tzinfo
    return a == b


class Resp:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def call(self, *parts):
        out = b"*%d\r\n" % len(parts)
        for part in parts:
            if isinstance(part, str):
                part = part.encode()
            out += b"$%d\r\n%s\r\n" % (len(part), part)
        self.sock.sendall(out)
        return self.reply()

    def line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            while len(self.buf) < size + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:size], self.buf[size + 2:]
            return data
        raise RuntimeError("unexpected reply %r" % line)


def set_value(redis, key, data, timeout=None):
    if timeout is None:
        redis.call("SET", key, data)
    else:
        redis.call("SET", key, data, "EX", str(timeout))


def evaluate(expr):
    return eval(expr, {"datetime": datetime, "math": math})


def run(request):
    command = request["command"]
    if command == "dumps":
        return [django_dumps(evaluate(expr)).hex() for expr in request["exprs"]]
    if command == "pickle-dumps":
        protocol = request.get("protocol", pickle.HIGHEST_PROTOCOL)
        return [pickle.dumps(evaluate(expr), protocol).hex() for expr in request["exprs"]]
    if command == "globals":
        # Every global each pickle names, seen through find_class (the one door pickle has
        # to code); anything but the datetime types is refused rather than imported.
        return [named_globals(bytes.fromhex(data)) for data in request["pickles"]]
    if command == "hostile":
        return {name: data.hex() for name, data in hostile_pickles(request["marker"]).items()}
    if command == "loads":
        results = []
        for item in request["items"]:
            results.append(check(bytes.fromhex(item["hex"]), item["expr"]))
        return results
    if command == "redis-write":
        redis = Resp(request["port"])
        for item in request["items"]:
            data = bytes.fromhex(item["hex"]) if "hex" in item else django_dumps(evaluate(item["expr"]))
            set_value(redis, item["key"], data, item.get("timeout"))
        return True
    if command == "redis-check":
        redis = Resp(request["port"])
        return [check(redis.call("GET", item["key"]), item["expr"]) for item in request["items"]]
    if command == "graph-write":
        # core/services/graph_service.py GraphService._set_token_in_cache
        redis = Resp(request["port"])
        expires_in = request["expires_in"]
        expires_at = datetime.datetime.now() + datetime.timedelta(seconds=expires_in)
        set_value(redis, request["key"], django_dumps({"token": request["token"], "expires_at": expires_at}), expires_in)
        return True
    if command == "graph-read":
        # core/services/graph_service.py GraphService._get_token_from_cache
        redis = Resp(request["port"])
        data = redis.call("GET", request["key"])
        cached_data = None if data is None else django_loads(data)
        if cached_data and isinstance(cached_data, dict):
            expires_at = cached_data.get("expires_at")
            if expires_at and datetime.datetime.now() < expires_at:
                return {"token": cached_data.get("token"), "expires_at": expires_at.isoformat()}
        return None
    raise RuntimeError("unknown command " + command)


class Item:
    """A model-like class: its pickle is a class instance (NEWOBJ, then BUILD with its __dict__)."""


def hostile_pickles(marker):
    """Pickles that would run code, or build objects, in any process that unpickled them.
    Only pickle.dumps runs here: __reduce__ returns what the pickle names, nothing is called."""
    import collections
    import decimal
    import subprocess

    touch = "touch " + marker

    class Reduce:
        def __init__(self, *reduced):
            self.reduced = reduced

        def __reduce__(self):
            return self.reduced

    instance = Item()
    instance.title = "an item"
    found = {
        "os.system through REDUCE": pickle.dumps(Reduce(os.system, (touch,)), 5),
        "builtins.eval through REDUCE": pickle.dumps(Reduce(eval, ("open(%r, 'w')" % marker,)), 5),
        "builtins.exec through REDUCE": pickle.dumps(Reduce(exec, ("open(%r, 'w')" % marker,)), 5),
        "subprocess.Popen through REDUCE": pickle.dumps(Reduce(subprocess.Popen, (["touch", marker],)), 5),
        "os.system inside a dict Django could have stored": pickle.dumps({"token": "x", "expires_at": Reduce(os.system, (touch,))}, 5),
        "os.system through protocol 2 GLOBAL": pickle.dumps(Reduce(os.system, (touch,)), 2),
        "a class instance (NEWOBJ and BUILD)": pickle.dumps(instance, 5),
        "an Exception (builtins global)": pickle.dumps(ValueError("x"), 5),
        "an OrderedDict (collections global)": pickle.dumps(collections.OrderedDict(a=1), 5),
        "a Decimal (decimal global)": pickle.dumps(decimal.Decimal("1.5"), 5),
        "a datetime with a zoneinfo tz": None,
    }
    try:
        import zoneinfo

        found["a datetime with a zoneinfo tz"] = pickle.dumps(datetime.datetime(2026, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC")), 5)
    except Exception:  # noqa: BLE001 - no tz database here: leave the case out
        del found["a datetime with a zoneinfo tz"]
    return found


class RecordingUnpickler(pickle.Unpickler):
    def __init__(self, data):
        import io

        super().__init__(io.BytesIO(data))
        self.names = []

    def find_class(self, module, name):
        self.names.append("%s.%s" % (module, name))
        if module != "datetime":
            raise pickle.UnpicklingError("refused global %s.%s" % (module, name))
        return super().find_class(module, name)


def named_globals(data):
    unpickler = RecordingUnpickler(data)
    unpickler.load()
    return unpickler.names


def check(data, expr):
    expected = evaluate(expr)
    if data is None:
        return {"ok": False, "got": "no value"}
    try:
        value = django_loads(data)
    except Exception as error:  # noqa: BLE001 - the test wants to see any failure
        return {"ok": False, "got": "%s: %s" % (type(error).__name__, error)}
    return {"ok": same(value, expected), "got": safe_repr(value)}


def safe_repr(value):
    try:
        return repr(value)[:300]
    except ValueError:  # an int past sys.get_int_max_str_digits()
        return "<%s>" % type(value).__name__


if __name__ == "__main__":
    os.environ.setdefault("TZ", "UTC")
    print(json.dumps(run(json.load(sys.stdin))))
