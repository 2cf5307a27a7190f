"""A small HTTP load balancer for the Swarm tests, standing in for the
routing mesh (which needs IPVS) on a stack's network.

For each connection it reads the request head, resolves the service's
tasks afresh (Swarm's DNS lists the running ones: `endpoint_mode: dnsrr`),
and sends the request to one of them. A task that refuses the connection
(nothing was sent: it is stopping, or gone) is skipped for another, as any
load balancer does. A request that reached a task is never sent again: if
the task closes it without an answer, the client gets a 502 and the proxy
counts it as cut, so that the tests see every request a task lost.

GET /__proxy__/stats answers the counts, as JSON: `refused` (retried on
another task), `cut` (lost by a task).

Environment: BACKEND (a service name), BACKEND_PORT, PORT.
"""

import asyncio
import json
import os
import random
import socket

BACKEND = os.environ["BACKEND"]
BACKEND_PORT = int(os.environ.get("BACKEND_PORT", "8000"))
PORT = int(os.environ.get("PORT", "8080"))
TRY_FOR_SECONDS = 10.0
STATS_PATH = b"/__proxy__/stats"
COUNTS = {"refused": 0, "cut": 0}
CUT = b"HTTP/1.1 502 Bad Gateway\r\nX-Proxy: cut\r\nContent-Length: 0\r\n\r\n"


async def tasks() -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(BACKEND, BACKEND_PORT, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    addresses = list({info[4][0] for info in infos})
    random.shuffle(addresses)
    return addresses


async def connect_to_a_task():
    """(reader, writer) of a task that took the connection."""
    deadline = asyncio.get_running_loop().time() + TRY_FOR_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        for address in await tasks():
            try:
                return await asyncio.wait_for(
                    asyncio.open_connection(address, BACKEND_PORT), 1
                )
            except (OSError, TimeoutError):
                COUNTS["refused"] += 1  # nothing sent: another task
        await asyncio.sleep(0.05)
    raise ConnectionError(f"no task of {BACKEND} took the connection")


async def pipe(reader, writer) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def handle(client_reader, client_writer) -> None:
    try:
        head = await client_reader.readuntil(b"\r\n\r\n")
        if head.split(b" ", 2)[1] == STATS_PATH:
            body = json.dumps(COUNTS).encode()
            client_writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            await client_writer.drain()
            client_writer.close()
            return
        reader, writer = await connect_to_a_task()
    except (OSError, ConnectionError, asyncio.IncompleteReadError):
        client_writer.close()
        return
    try:
        writer.write(head)
        await writer.drain()
        first = await asyncio.wait_for(reader.read(65536), 30)
    except (OSError, TimeoutError):
        first = b""
    if not first:  # the task had the request and lost it: never sent again
        COUNTS["cut"] += 1
        writer.close()
        client_writer.write(CUT)
        await client_writer.drain()
        client_writer.close()
        return
    client_writer.write(first)
    await asyncio.gather(pipe(reader, client_writer), pipe(client_reader, writer))


async def main() -> None:
    server = await asyncio.start_server(handle, "0.0.0.0", PORT)  # noqa: S104
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
