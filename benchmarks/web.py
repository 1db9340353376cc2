"""Benchmark: the team edition under load — N concurrent clients against the manager's page and its JSON twin.

    python benchmarks/web.py [--deals 100000] [--clients 20] [--seconds 60] [--postgres [URL]]

Builds a demo company in a DuckDB file (with --postgres: in a PostgreSQL database — a private server from
tests/postgres_server.py unless a URL is given), makes the demo accounts, starts `salesvelocity serve` as its
own process on 127.0.0.1, signs the clients in as the demo manager, then has them request `/help` and
`/api/v1/help` in turn for the given time. Prints the first (uncached) view's time, then p50/p95/p99,
requests per second and errors. Every client is its own session (its own CSRF token, so its own cached page).
Shared 2-core machine: the clients and the server share it; ±20 %.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import salesvelocity as sv  # noqa: E402
from salesvelocity.demo import generate, load_demo  # noqa: E402
from salesvelocity.web.accounts import DEMO_PASSWORD, demo_accounts  # noqa: E402

PATHS = ("/help", "/api/v1/help")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--postgres", nargs="?", const="", help="PostgreSQL instead of a DuckDB file")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        location = str(folder / "web.duckdb")
        if args.postgres is not None:
            location = args.postgres
            if not location:
                from tests.postgres_server import private_server

                location = stack.enter_context(private_server())
        with sv.connect(location) as store:
            load_demo(store, generate(args.deals, 1, date.today()))
            store.set_meta("demo", "benchmark")
            demo_accounts(store)
        base = stack.enter_context(serving(location, folder))
        clients = [signed_in(base) for _ in range(args.clients)]
        t0 = time.perf_counter()
        for path in PATHS:
            clients[0].open(base + path, timeout=600).read()
        first = time.perf_counter() - t0
        took, errors = load(base, clients, args.seconds)
    took.sort()
    kind = "PostgreSQL" if args.postgres is not None else "DuckDB file"
    print(f"{kind}, {args.deals:,} deals, {args.clients} clients, {args.seconds:.0f} s on {', '.join(PATHS)}")
    print(f"first view (nothing cached): {first:.2f} s for the page and its twin")
    if took:

        def q(p: float) -> float:
            return took[min(len(took) - 1, int(p * len(took)))] * 1000

        rate = len(took) / args.seconds
        print(
            f"{len(took):,} requests ({rate:,.0f}/s): p50 {q(0.5):.0f} ms, p95 {q(0.95):.0f} ms, p99 {q(0.99):.0f} ms"
        )
    print(f"errors: {errors}")


@contextlib.contextmanager
def serving(location: str, folder: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "salesvelocity.cli", "--db", location, "serve", "--port", str(port)]
    env = dict(os.environ, SALESVELOCITY_PULSE_KEY=os.environ.get("SALESVELOCITY_PULSE_KEY", "benchmark key"))
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {process.stderr.read().decode()}") from None
            time.sleep(0.3)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # still finishing a page build for a client that has gone
            process.kill()
            process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def signed_in(base: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    body = urllib.parse.urlencode({"email": "manager@demo.example", "password": DEMO_PASSWORD}).encode()
    try:
        opener.open(base + "/login", body, timeout=60)
    except urllib.error.HTTPError as exc:  # 303 to the manager's page: signed in
        if exc.code != 303:
            raise
    return opener


def load(base: str, clients, seconds: float) -> tuple[list[float], int]:
    took: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run(opener, n: int) -> None:
        nonlocal errors
        i = n
        while time.monotonic() < stop:
            path = PATHS[i % len(PATHS)]
            i += 1
            t0 = time.perf_counter()
            try:
                with opener.open(base + path, timeout=60) as response:
                    response.read()
                    ok = response.status == 200
            except (urllib.error.URLError, OSError):
                ok = False
            with lock:
                if ok:
                    took.append(time.perf_counter() - t0)
                else:
                    errors += 1

    threads = [threading.Thread(target=run, args=(c, n)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return took, errors


if __name__ == "__main__":
    main()
