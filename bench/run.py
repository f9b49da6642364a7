"""The benchmark: the app's pages under load at scale, against the ceiling app, in one run.

    python bench/run.py                      # 20,000 apprentices on SQLite, 10 s a page
    python bench/run.py --apprentices 2000 --duration 3
    python bench/run.py --database-url postgresql://...   # an empty or already-filled database

It fills a database with `flask demo scale` (or reuses the one it filled before), starts the
app under gunicorn with 2 workers and ../shared/bench/ceiling_app.py under the same settings,
signs in, and drives each page with wrk (Debian's package, installed when missing) over
loopback at 16 connections. For each page it prints requests a second, p50 and p99 latency,
SQL statements per request (counted in-process on the same database), response bytes (as
sent, compressed, and plain), and throughput as a ratio of the ceiling app's `/rows`; then each
worker's peak memory, htmx partials against their full pages, and a first visit's bytes.

Rate limits are turned off for the run (RATELIMIT_ENABLED=false): the public summary allows one
address 60 requests a minute, and the load comes from one address.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import brotli

ROOT = Path(__file__).resolve().parent.parent
CEILING = ROOT.parent / "shared" / "bench" / "ceiling_app.py"
PASSWORD = "demo-password-2026"
TARGET_RATIO, TARGET_P99_MS, TARGET_WORKER_MB, TARGET_FIRST_VISIT_KB = 0.5, 100, 150, 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(command: list[str], env: dict | None = None) -> str:
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd=ROOT).stdout


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("Installing Debian's wrk...", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("wrk") or "/usr/bin/wrk"


def prepare_database(url: str, apprentices: int, env: dict) -> None:
    run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], env)
    check = ("from app import app\nfrom apprenticeships.extensions import db\n"
             "from apprenticeships.models import Cohort\nimport sqlalchemy as sa\nwith app.app_context():\n"
             "    print(db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)"
             ".where(Cohort.name.like('Scale cohort %'))))")
    if int(run([sys.executable, "-c", check], env).strip() or 0) == 0:
        print(f"Filling {url} with {apprentices:,} apprentices...", flush=True)
        print(run([sys.executable, "-m", "flask", "--app", "app", "demo", "scale", "--apprentices",
                   str(apprentices)], env).strip(), flush=True)
    else:
        print(f"Reusing the scale data already in {url}.", flush=True)


def gunicorn(app: str, port: int, env: dict, cwd: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
        env=env, cwd=cwd, start_new_session=True)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except urllib.error.HTTPError:
            return process  # answering, if only with a 404
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{app} did not start on port {port}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def worker_peaks_mb(master: subprocess.Popen) -> list[float]:
    """Each gunicorn worker's peak resident memory (VmHWM), read while it is still running."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
    return peaks


class Browser:
    """Just enough of a browser: cookies, CSRF tokens from forms, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def get(self, path: str) -> str:
        return self.opener.open(self.base + path).read().decode()

    def post(self, path: str, fields: list[tuple[str, str]]) -> int:
        body = urllib.parse.urlencode(fields).encode()
        try:
            return self.opener.open(self.base + path, data=body).status
        except urllib.error.HTTPError as error:
            return error.code

    def csrf_token(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)).group(1)

    def sign_in(self, email: str) -> None:
        status = self.post("/sign-in", [("email", email), ("password", PASSWORD),
                                        ("csrf_token", self.csrf_token("/sign-in"))])
        if status != 303:
            raise SystemExit(f"could not sign in as {email} (HTTP {status})")

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Load:
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def drive(wrk: str, url: str, seconds: int, connections: int, cookie: str = "", script: str | None = None) -> Load:
    command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", "Accept-Encoding: br, gzip"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    def percentile(n: str) -> str:
        found = re.search(rf"^\s+{n}%\s+(\S+)$", out, re.MULTILINE)
        if not found:
            raise SystemExit(f"wrk gave no latency figures for {url}:\n{out}")
        return found.group(1)

    failed = (int(errors.group(1)) if errors else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    return Load(int(re.search(r"(\d+) requests in", out).group(1)),
                float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
                _ms(percentile("50")), _ms(percentile("99")), failed)


ENTRY_DAYS = 400  # entries go on days spread over this many before today: a day holds 24 hours at most


def log_entry_script(directory: Path, csrf_token: str, cookie: str) -> str:
    """A wrk script posting a quarter-hour log entry, each on one of the last 400 days in turn."""
    lua = directory / "post.lua"
    fields = urllib.parse.urlencode([("activity_type", "study_time"), ("off_the_job", "yes"), ("minutes", "0.25"),
                                     ("description", "Benchmark entry"), ("csrf_token", csrf_token)])
    lua.write_text(f"""
local n = 0
request = function()
  n = n + 1
  local d = os.date("*t", os.time() - 86400 * (1 + n % {ENTRY_DAYS}))
  local body = string.format("activity_date=%d&activity_date=%d&activity_date=%d&{fields}", d.day, d.month, d.year)
  return wrk.format("POST", "/log", {{["Content-Type"] = "application/x-www-form-urlencoded",
                                      ["Cookie"] = "{cookie}"}}, body)
end
""")
    return str(lua)


def count_entries(env: dict) -> int:
    code = ("from app import app\nfrom apprenticeships.extensions import db\n"
            "from apprenticeships.models import LogEntry\nimport sqlalchemy as sa\nwith app.app_context():\n"
            "    print(db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)"
            ".where(LogEntry.description == 'Benchmark entry')))")
    return int(run([sys.executable, "-c", code], env))


def in_process_figures(env: dict, pages: list[tuple[str, str, str]]) -> dict[str, tuple[int, int, int]]:
    """SQL statements, compressed and plain bytes of each page, from the app in this process."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event

    from app import app
    from apprenticeships.extensions import db

    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    clients = {}
    figures = {}
    for name, role, path in pages:
        if role not in clients:
            client = clients[role] = app.test_client()
            if role != "public":
                html = client.get("/sign-in").get_data(as_text=True)
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
                client.post("/sign-in", data={"email": f"{role}@example.org", "password": PASSWORD,
                                              "csrf_token": token})
        client = clients[role]
        client.get(path)  # warm
        statements.clear()
        plain = client.get(path)
        count = len(statements)
        packed = client.get(path, headers={"Accept-Encoding": "br"})
        figures[name] = (count, len(packed.data), len(plain.data))
    return figures


def first_visit_bytes(base: str) -> tuple[int, list[tuple[str, int]]]:
    """The sign-in page and everything it loads, as a browser asking for Brotli receives them."""
    def fetch(path: str) -> bytes:
        request = urllib.request.Request(base + path, headers={"Accept-Encoding": "br, gzip"})
        return urllib.request.urlopen(request).read()
    html = fetch("/sign-in")
    text = brotli.decompress(html).decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', text) + re.findall(r'from "(/static/[^"]+)"', text)
    parts = [("/sign-in", len(html))] + [(a, len(fetch(a.replace("&amp;", "&")))) for a in dict.fromkeys(assets)]
    return sum(n for _, n in parts), parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--apprentices", type=int, default=20_000)
    parser.add_argument("--database-url", help="default: an SQLite file in the system's temporary folder")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    url = args.database_url or f"sqlite:///{Path(tempfile.gettempdir()) / f'bench-{args.apprentices}.db'}"
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "production", "SECRET_KEY": "bench-" + "x" * 40,
           "FORCE_HTTPS": "false", "SESSION_COOKIE_SECURE": "false", "RATELIMIT_ENABLED": "false"}
    wrk = ensure_wrk()
    prepare_database(url, args.apprentices, env)

    # What the pages show: the large newest cohort, someone in it, a share link for it.
    setup = ("from datetime import date\nfrom app import app\nfrom apprenticeships.extensions import db\n"
             "from apprenticeships.models import *\nfrom apprenticeships.services import sharing\n"
             "import sqlalchemy as sa\nwith app.app_context():\n"
             "    cohort = db.session.scalars(sa.select(Cohort).where(Cohort.name.like('Scale cohort %'))"
             ".order_by(Cohort.start_date.desc())).first()\n"
             "    someone = db.session.scalar(sa.select(Apprentice.id).where(Apprentice.cohort_id == cohort.id)"
             ".order_by(Apprentice.id).offset(7).limit(1))\n"
             "    coordinator = db.session.scalar(sa.select(User).where(User.email == 'coordinator@example.org'))\n"
             "    link, token = sharing.create(coordinator, cohort, 'Benchmark', None, ShareMode.LIVE, None,"
             " date.today())\n"
             "    print(cohort.id, someone, token)")
    cohort_id, apprentice_id, token = run([sys.executable, "-c", setup], env).split()

    port, ceiling_port = free_port(), free_port()
    ceiling_db = Path(tempfile.gettempdir()) / "ceiling.db"
    app_server = gunicorn("app:app", port, env, ROOT)
    ceiling = gunicorn("ceiling_app:app", ceiling_port, {**os.environ, "CEILING_DB": str(ceiling_db)}, CEILING.parent)
    base = f"http://127.0.0.1:{port}"
    try:
        coordinator, apprentice = Browser(base), Browser(base)
        coordinator.sign_in("coordinator@example.org")
        apprentice.sign_in("apprentice@example.org")
        token_for_log = apprentice.csrf_token("/apprentice")
        yesterday = date.fromordinal(date.today().toordinal() - 1)
        entry = [("activity_date", str(yesterday.day)), ("activity_date", str(yesterday.month)),
                 ("activity_date", str(yesterday.year)), ("activity_type", "study_time"), ("off_the_job", "yes"),
                 ("minutes", "0.25"), ("description", "Benchmark entry"), ("csrf_token", token_for_log)]
        if apprentice.post("/log", entry) != 303:
            raise SystemExit("the log entry POST did not save")
        workdir = Path(tempfile.mkdtemp())
        pages = [
            ("Coordinator dashboard", "coordinator", "/coordinator", None),
            ("Cohort page, first", "coordinator", f"/cohorts/{cohort_id}", None),
            ("Cohort page 10, filtered", "coordinator", f"/cohorts/{cohort_id}?status=active&page=10", None),
            ("Apprentice profile", "coordinator", f"/apprentices/{apprentice_id}", None),
            ("Apprentice home", "apprentice", "/apprentice", None),
            ("Log entry POST", "apprentice", "/log",
             log_entry_script(workdir, token_for_log, apprentice.cookie_header)),
            ("Public summary", "public", f"/s/{token}", None),
        ]
        cookies = {"coordinator": coordinator.cookie_header, "apprentice": apprentice.cookie_header, "public": ""}

        print(f"\nLoad: wrk, 2 threads, {args.connections} connections, {args.duration} s a page; "
              "gunicorn, 2 sync workers, for both apps.", flush=True)
        drive(wrk, f"http://127.0.0.1:{ceiling_port}/rows", 2, args.connections)  # warm
        ceiling_rows = drive(wrk, f"http://127.0.0.1:{ceiling_port}/rows", args.duration, args.connections)
        ceiling_hello = drive(wrk, f"http://127.0.0.1:{ceiling_port}/hello", args.duration, args.connections)
        results = []
        for name, role, path, script in pages:
            drive(wrk, base + path, 2, args.connections, cookies[role], script)  # warm both workers
            before = count_entries(env) if script else 0
            load = drive(wrk, base + path, args.duration, args.connections, cookies[role], script)
            if script:  # a POST answered 200 would be a form with errors, not a saved entry
                saved = count_entries(env) - before
                print(f"{name}: {saved:,} entries saved of {load.requests:,} posted", flush=True)
                load.errors += max(0, load.requests - saved)  # requests still in flight at the end count too
            results.append((name, path, load))
        peaks = worker_peaks_mb(app_server)
        first_total, first_parts = first_visit_bytes(base)
    finally:
        stop(app_server)
        stop(ceiling)

    figures = in_process_figures(env, [(n, r, p) for n, r, p, s in pages if s is None])
    partials = in_process_partials(cohort_id, apprentice_id)

    print()
    header = f"{'Page':28} {'req/s':>7} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'SQL':>4} {'bytes sent':>10} " \
             f"{'plain':>7} {'errors':>6}"
    print(header)
    print("-" * len(header))
    print(f"{'ceiling /rows':28} {ceiling_rows.requests_per_second:7.0f} {1:6.2f} {ceiling_rows.p50_ms:7.1f} "
          f"{ceiling_rows.p99_ms:7.1f}")
    print(f"{'ceiling /hello':28} {ceiling_hello.requests_per_second:7.0f} "
          f"{ceiling_hello.requests_per_second / ceiling_rows.requests_per_second:6.2f} {ceiling_hello.p50_ms:7.1f} "
          f"{ceiling_hello.p99_ms:7.1f}")
    misses = []
    for name, _path, load in results:
        sql, packed, plain = figures.get(name, (None, None, None))
        ratio = load.requests_per_second / ceiling_rows.requests_per_second
        print(f"{name:28} {load.requests_per_second:7.0f} {ratio:6.2f} {load.p50_ms:7.1f} {load.p99_ms:7.1f} "
              f"{sql if sql is not None else '-':>4} {packed if packed else '-':>10} {plain if plain else '-':>7} "
              f"{load.errors:6d}")
        if ratio < TARGET_RATIO:
            misses.append(f"{name}: {ratio:.2f} of /rows")
        if load.p99_ms > TARGET_P99_MS:
            misses.append(f"{name}: p99 {load.p99_ms:.0f} ms")
        if load.errors:
            misses.append(f"{name}: {load.errors} error responses")
    print(f"\nWorkers' peak resident memory: {', '.join(f'{mb:.0f} MB' for mb in peaks)}")
    misses += [f"worker at {mb:.0f} MB" for mb in peaks if mb > TARGET_WORKER_MB]
    for name, partial_bytes, full_bytes in partials:
        print(f"htmx partial, {name}: {partial_bytes:,} bytes, the full page {full_bytes:,} "
              f"({partial_bytes / full_bytes:.2f} of it)")
        if partial_bytes > full_bytes / 10:
            misses.append(f"htmx partial ({name}) over a tenth of its page")
    parts = ", ".join(f"{p.split('?')[0].rsplit('/', 1)[-1]} {n / 1024:.1f}" for p, n in first_parts)
    print(f"First visit (sign-in page and its static files, compressed): {first_total / 1024:.1f} KB ({parts})")
    if first_total / 1024 > TARGET_FIRST_VISIT_KB:
        misses.append("first visit over 100 KB")
    print("\nTargets missed: " + ("; ".join(misses) if misses else "none"))


def in_process_partials(cohort_id: str, apprentice_id: str) -> list[tuple[str, int, int]]:
    """Plain bytes of each htmx partial and of the full page it updates."""
    from app import app

    def signed_in(email: str):
        client = app.test_client()
        html = client.get("/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
        return client

    coordinator = signed_in("coordinator@example.org")
    results = []
    for name, path, target in [
        ("Cohort table, searched", f"/cohorts/{cohort_id}?q=smith", "cohort-table"),
        ("Mentor picker, searched", f"/apprentices/{apprentice_id}/mentor?q=mentor 2-1", "mentor-options"),
    ]:
        full = coordinator.get(path).data
        part = coordinator.get(path, headers={"HX-Request": "true", "HX-Target": target}).data
        results.append((name, len(part), len(full)))
    apprentice = signed_in("apprentice@example.org")
    home = apprentice.get("/apprentice").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', home).group(1)
    today = date.today()
    added = apprentice.post("/log", data={
        "activity_date": [str(today.day), str(today.month), str(today.year)], "activity_type": "study_time",
        "off_the_job": "yes", "minutes": "1", "description": "Benchmark entry", "csrf_token": token},
        headers={"HX-Request": "true", "HX-Target": "logbook"}).data
    results.append(("Log entry added (htmx)", len(added), len(home.encode())))
    return results


if __name__ == "__main__":
    main()
