"""Inbound webhook throughput and latency on loopback, with durable commits.

    uv run python bench/bench_bot.py [--senders 1000] [--concurrency 32] [--batch 1] [--json]

Contract: starts the real ``iticket bot serve`` (a subprocess, on a fresh seeded SQLite file in
WAL mode with synchronous=NORMAL, exactly as shipped) and a small fake Graph API on 127.0.0.1
that accepts whatever the bot sends. ``--senders`` requesters each hold a whole conversation
(greeting → name → sector → extension → detail → "si": 6 messages), posted signed like Meta,
``--batch`` messages per POST, ``--concurrency`` POSTs in flight; one requester's messages are
posted in order, requesters interleave. The load loop is bounded (a fixed message count and a
``--deadline``). Every 200 means "stored durably": the figures are messages acknowledged per
second and the latency of each POST (p50/p95/p99/max). Then it re-posts a sample of deliveries
(dedupe), waits (bounded) for the processor to finish the conversations, and checks: events
stored == unique messages sent (zero lost, zero duplicated) and exactly one ticket per requester.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlalchemy import func  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from iticket.core.db import Database  # noqa: E402
from iticket.core.models import InboundEvent, OutboundMessage, Ticket  # noqa: E402
from iticket.core.seed import seed  # noqa: E402

SECRET = "bench-secret"
PHONE_ID = "100000000000001"
SCRIPT = ["hola", "{name}", "guardia", "{ext}", "la impresora del office no imprime nada", "si"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _fake_graph() -> tuple[web.AppRunner, str, list[int]]:
    counter = itertools.count(1)
    sent = [0]

    async def messages(request: web.Request) -> web.Response:
        await request.read()
        sent[0] += 1
        return web.json_response({"messages": [{"id": f"wamid.BENCH.{next(counter)}"}]})

    app = web.Application()
    app.router.add_post("/{version}/{phone}/messages", messages)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}", sent


def _body(wa_ids: list[str], step: int, seq: int, mids: list[str]) -> bytes:
    messages = []
    for wa in wa_ids:
        text = SCRIPT[step].format(name=f"Persona {wa[-4:]} Prueba", ext=wa[-4:])
        mid = f"wamid.BENCH.IN.{wa}.{step}"
        mids.append(mid)
        messages.append({"from": wa, "id": mid, "timestamp": str(1_788_000_000 + seq),
                         "type": "text", "text": {"body": text}})
    doc = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "5491150000000", "phone_number_id": PHONE_ID},
            "contacts": [{"profile": {"name": "Bench"}, "wa_id": wa} for wa in wa_ids],
            "messages": messages}}]}]}
    return json.dumps(doc, separators=(",", ":")).encode()


def _headers(raw: bytes) -> dict[str, str]:
    sig = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={sig}"}


async def _load(url: str, senders: int, batch: int, concurrency: int, deadline: float
                ) -> tuple[list[float], list[str], list[bytes], float, int]:
    wa_ids = [f"549110{i:07d}" for i in range(senders)]
    groups = [wa_ids[i:i + batch] for i in range(0, len(wa_ids), batch)]
    # One job per (group, step); a group's steps stay in order, groups interleave.
    queues: list[list[tuple[list[str], int]]] = [[] for _ in range(concurrency)]
    for gi, group in enumerate(groups):
        for step in range(len(SCRIPT)):
            queues[gi % concurrency].append((group, step))
    latencies: list[float] = []
    mids: list[str] = []
    failures = 0
    seq = itertools.count()
    # Bodies are built and signed before the clock starts: we time the bot, not the generator.
    # Sorting by step keeps each group's messages in order within its worker.
    prepared: list[list[tuple[bytes, dict[str, str]]]] = []
    for jobs in queues:
        jobs.sort(key=lambda j: j[1])
        prepared.append([])
        for group, step in jobs:
            raw = _body(group, step, next(seq), mids)
            prepared[-1].append((raw, _headers(raw)))
    bodies = [raw for lane in prepared for raw, _h in lane]
    stop_at = time.monotonic() + deadline

    async def worker(session: aiohttp.ClientSession, lane: list[tuple[bytes, dict[str, str]]]) -> None:
        nonlocal failures
        for raw, headers in lane:
            if time.monotonic() > stop_at:
                return
            t0 = time.perf_counter()
            async with session.post(url, data=raw, headers=headers) as resp:
                await resp.read()
                if resp.status != 200:
                    failures += 1
            latencies.append(time.perf_counter() - t0)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session, lane) for lane in prepared))
        elapsed = time.perf_counter() - started
        # Redeliver a sample: must change nothing.
        for raw in bodies[: min(500, len(bodies))]:
            async with session.post(url, data=raw, headers=_headers(raw)) as resp:
                await resp.read()
    return latencies, mids, bodies, elapsed, failures


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _count(db: Database, model: Any, *where: Any) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(model).where(*where)).one())


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="iticket-bench-bot-"))
    db_url = f"sqlite:///{workdir / 'bot.db'}"
    db = Database(db_url)
    seed(db)
    graph_runner, graph_url, graph_sent = await _fake_graph()
    port = _free_port()
    env = {**os.environ, "ITICKET_DATABASE_URL": db_url, "ITICKET_DATA_DIR": str(workdir),
           "ITICKET_CONFIG_DIR": str(workdir), "ITICKET_WA_VERIFY_TOKEN": "v",
           "ITICKET_WA_APP_SECRET": SECRET, "ITICKET_WA_ACCESS_TOKEN": "a",
           "ITICKET_WA_PHONE_NUMBER_ID": PHONE_ID, "ITICKET_WA_GRAPH_URL": graph_url}
    exe = Path(sys.executable).with_name("iticket")
    server = subprocess.Popen([str(exe), "bot", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as probe:
            for _ in range(600):
                try:
                    async with probe.get(base + "/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            else:
                raise SystemExit("the bot did not start")
        cpu0 = _cpu_seconds(server.pid)
        lat, mids, _bodies, elapsed, failures = await _load(
            base + "/webhook", args.senders, args.batch, args.concurrency, args.deadline)
        cpu_load = _cpu_seconds(server.pid) - cpu0
        stored = _count(db, InboundEvent)
        t0 = time.perf_counter()
        drain_deadline = time.monotonic() + args.drain_deadline
        while time.monotonic() < drain_deadline:
            if (_count(db, InboundEvent, col(InboundEvent.processed_at).is_(None)) == 0
                    and _count(db, OutboundMessage, OutboundMessage.state == "queued") == 0):
                break
            await asyncio.sleep(0.2)
        processing = time.perf_counter() - t0
        cpu_total = _cpu_seconds(server.pid) - cpu0
        pending = _count(db, InboundEvent, col(InboundEvent.processed_at).is_(None))
        tickets = _count(db, Ticket)
        with db.read() as s:
            distinct = int(s.exec(select(func.count(func.distinct(Ticket.requester_phone)))).one())
        errors = _count(db, InboundEvent, col(InboundEvent.error).is_not(None))
        outbox = _count(db, OutboundMessage)
    finally:
        server.terminate()
        server.wait(timeout=30)
        await graph_runner.cleanup()
        db.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    lat_ms = sorted(x * 1000 for x in lat)
    q = statistics.quantiles(lat_ms, n=100) if len(lat_ms) > 1 else [lat_ms[0]] * 99
    sent = len(set(mids))
    return {
        "senders": args.senders, "batch": args.batch, "concurrency": args.concurrency,
        "messages": sent, "posts": len(lat_ms), "non_200": failures,
        "seconds": round(elapsed, 3), "messages_per_s": round(sent / elapsed, 1),
        "latency_ms": {"p50": round(q[49], 1), "p95": round(q[94], 1), "p99": round(q[98], 1),
                       "max": round(lat_ms[-1], 1)},
        "stored": stored, "lost": sent - stored, "duplicated": max(0, stored - sent),
        "processing_s_after_load": round(processing, 2), "unprocessed": pending,
        "processing_errors": errors, "tickets": tickets, "duplicate_tickets": tickets - distinct,
        "outbound_rows": outbox, "graph_sends": graph_sent[0],
        # CPU the bot process spent (all threads): during the load (acknowledging, plus what
        # processing it did meanwhile) and in total (everything: conversations, tickets, sends).
        "server_cpu_s_during_load": round(cpu_load, 2),
        "server_cpu_ms_per_message_total": round(1000 * cpu_total / max(1, sent), 2),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--senders", type=int, default=1000)
    p.add_argument("--batch", type=int, default=1, help="messages per POST")
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--deadline", type=float, default=120.0, help="seconds; bounds the load loop")
    p.add_argument("--drain-deadline", type=float, default=180.0)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    r = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(r, indent=2))
        return
    ok = r["lost"] == 0 and r["duplicated"] == 0 and r["duplicate_tickets"] == 0 and r["non_200"] == 0
    print(f"{r['messages']} messages from {r['senders']} requesters, {r['posts']} POSTs "
          f"(batch {r['batch']}, concurrency {r['concurrency']}) in {r['seconds']} s")
    print(f"  acknowledged: {r['messages_per_s']} messages/s (target >= 1000)")
    lat = r["latency_ms"]
    print(f"  POST latency ms: p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']} "
          f"(target < 100)  max {lat['max']}")
    print(f"  stored {r['stored']}, lost {r['lost']}, duplicated {r['duplicated']}, non-200 {r['non_200']}")
    print(f"  processing and delivery finished {r['processing_s_after_load']} s after the load; unprocessed "
          f"{r['unprocessed']}, errors {r['processing_errors']}")
    print(f"  tickets {r['tickets']} (one per requester expected), duplicates "
          f"{r['duplicate_tickets']}; outbound {r['outbound_rows']}, sent to Graph {r['graph_sends']}")
    print(f"  bot CPU: {r['server_cpu_s_during_load']} s during the load "
          f"({r['seconds']} s wall); {r['server_cpu_ms_per_message_total']} ms per message in total "
          "(ack + conversation + ticket + delivery)")
    print(f"  machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
    print("  OK" if ok else "  PROBLEM")


if __name__ == "__main__":
    main()
