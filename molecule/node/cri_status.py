"""Asks containerd's CRI service what crictl's `version` and `info` ask, over its gRPC socket.

Debian ships no crictl (kubeadm's cri-tools package brings it), so this test-only client calls
runtime.v1.RuntimeService/Version and /Status itself with Debian's python3-grpcio, encoding the
empty requests and decoding the replies by hand (protobuf wire format, fields of the CRI API's
api.proto). Prints one JSON object; exits 1 with the gRPC error when the CRI service does not answer.

    python3 cri_status.py [SOCKET]      default unix:///run/containerd/containerd.sock
"""

import json
import sys

import grpc


def varint(buf, pos):
    shift = result = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(buf):
    """[(field number, value)] of one protobuf message: ints for varints, bytes otherwise."""
    pos, out = 0, []
    while pos < len(buf):
        key, pos = varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 2:
            length, pos = varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        else:
            raise ValueError("unsupported wire type %d" % wire)
        out.append((number, value))
    return out


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else "unix:///run/containerd/containerd.sock"
    channel = grpc.insecure_channel(target)

    def call(method):
        return channel.unary_unary("/runtime.v1.RuntimeService/" + method, request_serializer=bytes,
                                   response_deserializer=bytes)
    try:
        # VersionRequest{version=1}: "v1", as crictl sends it.
        version = dict((n, text(v)) for n, v in fields(call("Version")(b"\x0a\x02v1", timeout=10)))
        status = fields(call("Status")(b"", timeout=10))
    except grpc.RpcError as exc:
        print(json.dumps({"error": "%s: %s" % (exc.code().name, exc.details())}))
        return 1
    conditions = []
    for number, runtime_status in status:
        if number != 1:  # StatusResponse.status (RuntimeStatus); 2 is the info map
            continue
        for cond_number, condition in fields(runtime_status):
            if cond_number == 1:  # RuntimeStatus.conditions
                cond = dict(fields(condition))
                conditions.append({"type": text(cond.get(1, b"")), "status": bool(cond.get(2, 0)),
                                   "reason": text(cond.get(3, b"")), "message": text(cond.get(4, b""))})
    print(json.dumps({"version": {"version": version.get(1), "runtime_name": version.get(2),
                                  "runtime_version": version.get(3), "runtime_api_version": version.get(4)},
                      "conditions": conditions}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
