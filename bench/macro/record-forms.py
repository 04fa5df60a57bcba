#!/usr/bin/env python3
"""Compares the records of two redis-servers on loopback form by form: for every string key of the
first, the codec, lengths, md5, base or dictionary id and payload of its record on each (a record's
insertion time, stat and checksums over them differ by run and are left out); dictionaries and
bases whole. Prints how many keys match and, per pair of codecs, how many differ and their bytes.
   record-forms.py PORT_A PORT_B"""
import socket
import sys
from collections import Counter

MAGIC = b"SFRC"


class Resp:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb", buffering=1 << 20)

    def send(self, commands):
        out = bytearray()
        for args in commands:
            out += b"*%d\r\n" % len(args)
            for a in args:
                a = a if isinstance(a, bytes) else str(a).encode()
                out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return [self.reply() for _ in commands]

    def reply(self):
        line = self.file.readline()[:-2]
        kind, rest = line[:1], line[1:]
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        if kind == b":":
            return int(rest)
        if kind == b"-":
            return Exception(rest.decode())
        return rest


def form(key, value):
    """What must be equal: the record without its insertion time and what depends on it; a
    dictionary or base whole; nothing of other values (a timestamp differs by run)."""
    if value is None or isinstance(value, Exception):
        return None, value
    if value[:4] != MAGIC or len(value) < 120:
        return ("value", value) if key.startswith((b"#dict:", b"#base:")) else (None, Exception("not compared"))
    return value[5], value[5:6] + value[12:40] + value[84:88] + value[120:]


def main():
    a, b = Resp(int(sys.argv[1])), Resp(int(sys.argv[2]))
    cursor = b"0"
    same = 0
    differ = Counter()
    bytes_a = Counter()
    bytes_b = Counter()
    while True:
        cursor, keys = a.send([["SCAN", cursor, "COUNT", 2000]])[0]
        keys = [k for k in keys if not k.startswith(b"#catalog")]
        if keys:
            va = a.send([["GET", k] for k in keys])
            vb = b.send([["GET", k] for k in keys])
            for k, x, y in zip(keys, va, vb):
                (ca, fa), (cb, fb) = form(k, x), form(k, y)
                if isinstance(fa, Exception):
                    continue
                if fa == fb:
                    same += 1
                else:
                    pair = f"{ca}->{cb}"
                    differ[pair] += 1
                    bytes_a[pair] += len(x or b"")
                    bytes_b[pair] += len(y or b"")
        if cursor == b"0":
            break
    print(f"records and string values compared: {same + sum(differ.values())}; identical (codec, lengths, md5, id, payload): {same}")
    for pair, n in sorted(differ.items()):
        print(f"  differ, codec {pair}: {n} keys, {bytes_a[pair]} bytes in A, {bytes_b[pair]} bytes in B")
    if not differ:
        print("  none differ")


if __name__ == "__main__":
    main()
