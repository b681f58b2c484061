"""HTTP/1.1 keep-alive load generator, run as its own process (``python -m bench.loadgen``)
so that it has its own core and never competes with the server it measures.

Each of N clients holds one connection and sends the next request as soon as the previous
answer is read. Requests are POSTs of one JSON body; with ``--unique-ref`` each carries a
fresh ``?ref=`` so the server accepts every one. With ``--paths-file`` they are GETs of the
file's paths (one a line) in turn, each client starting at its own place; ``--header``
adds a header (a session cookie) to every request. With ``--total N`` the clients stop
after N requests altogether (the end-to-end drain) instead of after ``--duration``.
Prints one JSON object: requests, errors, seconds, requests/s and latency percentiles in
ms (with ``--latencies``, every latency too, so that rounds can be pooled). The first
``--warmup`` seconds are not counted.

With ``--serve`` it stays up and runs one GET load per line of its standard input (a JSON
object: url, paths, clients, duration, warmup, token, headers), answering each with its
JSON line: a bench that takes many short loads pays the interpreter's start-up once."""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit


def _request(host: str, path: str, body: bytes | None, token: str | None,
             headers: tuple[str, ...] = ()) -> bytes:
    if body is None:
        head = [f"GET {path} HTTP/1.1", f"Host: {host}"]
    else:
        head = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json",
                f"Content-Length: {len(body)}"]
    if token:
        head.append("Authorization: Basic " + base64.b64encode(f"{token}:".encode()).decode())
    head += headers
    return ("\r\n".join(head) + "\r\n\r\n").encode() + (body or b"")


async def _read_answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _client(n: int, url: str, path: str, body: bytes, token: str | None,
                  unique: bool, start: int, warm: float, end: float,
                  latencies: list[float], errors: list[int], budget: list[int],
                  paths: list[str] | None = None, headers: tuple[str, ...] = ()) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    i = 0
    while True:
        moment = time.perf_counter()
        if moment >= end or budget[0] <= 0:
            break
        budget[0] -= 1
        i += 1
        if paths:
            target = paths[(n * 7919 + i) % len(paths)]
            writer.write(_request(parts.netloc, target, None, token, headers))
        else:
            target = f"{path}?ref=b{start}-{n}-{i}" if unique else path
            writer.write(_request(parts.netloc, target, body, token, headers))
        status = await _read_answer(reader)
        done = time.perf_counter()
        if done >= warm:
            if 200 <= status < 300:
                latencies.append(done - moment)
            else:
                errors.append(status)
    writer.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def run(url: str, path: str, body: bytes, token: str | None, clients: int,
              duration: float, warmup: float, unique: bool,
              total: int | None = None, paths: list[str] | None = None,
              headers: tuple[str, ...] = (), every: bool = False) -> dict:
    start = time.perf_counter()
    warm, end = start + warmup, start + warmup + duration
    latencies: list[float] = []
    errors: list[int] = []
    budget = [total or 2**62]
    await asyncio.gather(*(
        _client(n, url, path, body, token, unique, time.time_ns(), warm, end, latencies, errors,
                budget, paths, headers)
        for n in range(clients)))
    seconds = time.perf_counter() - warm if total else duration
    result = {"requests": len(latencies), "errors": len(errors), "seconds": seconds,
              "rps": len(latencies) / seconds,
              "p50_ms": percentile(latencies, 0.50) * 1000,
              "p99_ms": percentile(latencies, 0.99) * 1000,
              "first_error": errors[0] if errors else None}
    if every:
        result["latencies_ms"] = [round(x * 1000, 3) for x in latencies]
    return result


def serve() -> None:
    """One GET load per line of standard input, each answered on standard output."""
    for line in sys.stdin:
        order = json.loads(line)
        result = asyncio.run(run(order["url"], "", b"", order.get("token"), order["clients"],
                                 order["duration"], order["warmup"], False,
                                 paths=order["paths"], headers=tuple(order.get("headers", [])),
                                 every=True))
        print(json.dumps(result), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", nargs="?")
    parser.add_argument("--serve", action="store_true",
                        help="take GET loads from standard input, one JSON object a line")
    parser.add_argument("--path", default="/v2/nfse")
    parser.add_argument("--body-file", type=Path)
    parser.add_argument("--paths-file", type=Path, help="GET these paths, one a line")
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("--token")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--unique-ref", action="store_true")
    parser.add_argument("--total", type=int, help="stop after this many requests")
    parser.add_argument("--cpu", type=int, help="pin this process to one core")
    parser.add_argument("--latencies", action="store_true",
                        help="also print every latency (ms)")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    if args.serve:
        serve()
        return
    paths = args.paths_file.read_text().split() if args.paths_file else None
    body = args.body_file.read_bytes() if args.body_file else b""
    result = asyncio.run(run(args.url, args.path, body, args.token, args.clients,
                             args.duration, args.warmup, args.unique_ref, args.total, paths,
                             tuple(args.header), args.latencies))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
