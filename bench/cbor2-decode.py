#!/usr/bin/python3
"""The receiver benchmark's anchor: decode a wire-v1 capture with cbor2 and
print one JSON object per frame, as cellos-telemetry-recv --input does.

usage: cbor2-decode.py CAPTURE > out.jsonl"""
import json
import struct
import sys

import cbor2


def main():
    data = open(sys.argv[1], "rb").read()
    out = sys.stdout
    at, n = 0, 0
    while at + 4 <= len(data):
        (length,) = struct.unpack_from("<I", data, at)
        body = data[at + 4:at + 4 + length]
        at += 4 + length
        obj = cbor2.loads(body)
        out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        n += 1
    print(n, file=sys.stderr)


main()
