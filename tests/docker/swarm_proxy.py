"""A small HTTP load balancer for the Swarm tests, standing in for the
routing mesh (which needs IPVS) on a stack's network.

For each connection it reads the request head, resolves the service's
tasks afresh (Swarm's DNS lists the running ones: `endpoint_mode: dnsrr`),
and sends the request to one of them; if a task refuses the connection or
closes it before answering (it is stopping), the request goes to another,
as nginx's proxy_next_upstream does. Then the bytes flow both ways.

Environment: BACKEND (a service name), BACKEND_PORT, PORT.
"""

import asyncio
import os
import random
import socket

BACKEND = os.environ["BACKEND"]
BACKEND_PORT = int(os.environ.get("BACKEND_PORT", "8000"))
PORT = int(os.environ.get("PORT", "8080"))
TRY_FOR_SECONDS = 10.0


async def tasks() -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(BACKEND, BACKEND_PORT, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    addresses = list({info[4][0] for info in infos})
    random.shuffle(addresses)
    return addresses


async def send_to_a_task(head: bytes):
    """(reader, writer, first bytes of the answer) of a task that answered."""
    deadline = asyncio.get_running_loop().time() + TRY_FOR_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        for address in await tasks():
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(address, BACKEND_PORT), 1
                )
                writer.write(head)
                await writer.drain()
                first = await asyncio.wait_for(reader.read(65536), 30)
            except (OSError, TimeoutError):
                continue
            if first:
                return reader, writer, first
            writer.close()  # closed before answering: another task
        await asyncio.sleep(0.05)
    raise ConnectionError(f"no task of {BACKEND} answered")


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
        reader, writer, first = await send_to_a_task(head)
    except (OSError, ConnectionError, asyncio.IncompleteReadError):
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
