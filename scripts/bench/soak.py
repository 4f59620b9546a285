"""A bounded soak of a live server: thousands of mixed requests (streamed and whole chat
answers, lists, small uploads, deletes) from a few clients, with the server's resident
memory sampled as it goes. It prints whether memory grows once warmed up.

    python -m scripts.bench.soak                      # 3,000 requests, at most 5 minutes
    python -m scripts.bench.soak --requests 600 --max-seconds 60

Sessions and documents made along the way are deleted again, so that what is measured is
the server holding on to memory, not the data growing. Everything stays on loopback.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time

import httpx

from scripts.bench.common import AUTH, CACHE, Server, fresh_dir, parse_sse, rss_mb

FACTS = [
    "Dock {n} ships pallets every Tuesday; the foreman of dock {n} is Lee.",
    "仓库{n}每周三补货，负责人是王{n}。",
    "Invoice batch {n} is paid within 30 days of delivery.",
]


class Soak:
    def __init__(self, server: Server, total: int, seed: int) -> None:
        self.server, self.total = server, total
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.done = 0
        self.errors: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.latencies: list[float] = []
        self.samples: list[tuple[int, float, float]] = []  # (requests, server MB, with children)

    def seed(self) -> None:
        client = self.server.client
        self.kb = client.post("/api/kbs", json={"name": "soak"}).json()["id"]
        files = [
            ("files", (f"facts_{n}.txt", "\n".join(f.format(n=n) for f in FACTS).encode()))
            for n in range(5)
        ]
        client.post(f"/api/kbs/{self.kb}/documents", files=files).raise_for_status()
        self._wait_imports(client)
        self.keep = {d["id"] for d in client.get(f"/api/kbs/{self.kb}/documents").json()}

    def _wait_imports(self, client: httpx.Client, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            docs = client.get(f"/api/kbs/{self.kb}/documents").json()
            if all(d["status"] in ("ready", "failed", "duplicate") for d in docs):
                return
            time.sleep(0.1)

    def next_ticket(self) -> int | None:
        with self.lock:
            if self.done >= self.total:
                return None
            self.done += 1
            return self.done

    def worker(self, deadline: float) -> None:
        with httpx.Client(base_url=self.server.url, headers=AUTH, timeout=60) as client:
            while time.monotonic() < deadline and (ticket := self.next_ticket()) is not None:
                kind = self.random.choices(
                    ["stream", "chat", "list", "upload", "delete"], [40, 10, 30, 12, 8]
                )[0]
                started = time.perf_counter()
                try:
                    getattr(self, kind)(client, ticket)
                except Exception as error:  # counted and reported, the soak goes on
                    with self.lock:
                        name = f"{kind}: {type(error).__name__}"
                        self.errors[name] = self.errors.get(name, 0) + 1
                with self.lock:
                    self.counts[kind] = self.counts.get(kind, 0) + 1
                    self.latencies.append((time.perf_counter() - started) * 1000)

    def question(self, ticket: int) -> str:
        n = ticket % 5
        questions = [f"Who is the foreman of dock {n}?", f"仓库{n}什么时候补货？"]
        return self.random.choice([*questions, "When are invoices paid?"])

    def stream(self, client: httpx.Client, ticket: int) -> None:
        body = {"question": self.question(ticket), "kb_ids": [self.kb]}
        with client.stream("POST", "/api/chat/stream", json=body) as answer:
            answer.raise_for_status()
            events = parse_sse(answer.iter_lines())
        if events[-1]["event"] != "done":
            raise RuntimeError(f"stream ended with {events[-1]['event']}")
        client.delete(f"/api/sessions/{events[0]['session_id']}").raise_for_status()

    def chat(self, client: httpx.Client, ticket: int) -> None:
        answer = client.post("/api/chat", json={"question": self.question(ticket)})
        answer.raise_for_status()
        client.delete(f"/api/sessions/{answer.json()['session_id']}").raise_for_status()

    def list(self, client: httpx.Client, ticket: int) -> None:
        path = self.random.choice(
            ["/api/kbs", f"/api/kbs/{self.kb}/documents", "/api/sessions", "/api/settings"]
        )
        client.get(path).raise_for_status()

    def upload(self, client: httpx.Client, ticket: int) -> None:
        text = f"Soak note {ticket}: crate {ticket} waits at gate {ticket % 9}."
        files = {"files": (f"note_{ticket}.txt", text.encode())}
        client.post(f"/api/kbs/{self.kb}/documents", files=files).raise_for_status()

    def delete(self, client: httpx.Client, ticket: int) -> None:
        docs = client.get(f"/api/kbs/{self.kb}/documents").json()
        done = [
            d
            for d in docs
            if d["id"] not in self.keep and d["status"] in ("ready", "failed", "duplicate")
        ]
        for doc in done[:3]:
            client.delete(f"/api/kbs/{self.kb}/documents/{doc['id']}")

    def sample(self) -> None:
        pid = self.server.pid
        self.samples.append((self.done, rss_mb(pid, children=False), rss_mb(pid)))


def slope_per_1000(samples: list[tuple[int, float, float]], column: int) -> float:
    xs = [s[0] for s in samples]
    ys = [s[column] for s in samples]
    if len(xs) < 3 or len(set(xs)) < 2:
        return 0.0
    return statistics.linear_regression(xs, ys).slope * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--warmup", type=float, default=0.2, help="share of requests ignored")
    parser.add_argument("--grow-mb", type=float, default=8.0, help="allowed MB per 1k requests")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    server = Server(fresh_dir(CACHE / "soak" / "data"))
    soak = Soak(server, args.requests, args.seed)
    try:
        soak.seed()
        soak.sample()
        started = time.monotonic()
        deadline = started + args.max_seconds
        threads = [
            threading.Thread(target=soak.worker, args=(deadline,), daemon=True)
            for _ in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            time.sleep(1.0)
            soak.sample()
        elapsed = time.monotonic() - started
        soak.sample()
        alive = server.process.poll() is None
    finally:
        server.stop()

    warm = [s for s in soak.samples if s[0] >= args.warmup * soak.done] or soak.samples
    server_slope = slope_per_1000(warm, 1)
    total_slope = slope_per_1000(warm, 2)
    verdict = "GROWS" if server_slope > args.grow_mb else "flat"
    result = {
        "requests": soak.done,
        "seconds": round(elapsed, 1),
        "per_second": round(soak.done / elapsed, 1),
        "counts": soak.counts,
        "errors": soak.errors,
        "server_alive": alive,
        "latency_ms_p50": round(statistics.median(soak.latencies), 1),
        "latency_ms_p95": round(statistics.quantiles(soak.latencies, n=20)[-1], 1),
        "rss_mb_server": {
            "start": soak.samples[0][1],
            "after_warmup": warm[0][1],
            "end": soak.samples[-1][1],
            "max": max(s[1] for s in soak.samples),
            "slope_per_1000_requests": round(server_slope, 2),
        },
        "rss_mb_with_children": {
            "after_warmup": warm[0][2],
            "end": soak.samples[-1][2],
            "slope_per_1000_requests": round(total_slope, 2),
        },
        "memory": verdict,
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    (CACHE / "soak" / "result.json").write_text(json.dumps(result, indent=2))
    return 0 if verdict == "flat" and alive and not soak.errors else 1


if __name__ == "__main__":
    sys.exit(main())
