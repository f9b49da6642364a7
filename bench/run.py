"""The benchmark: the app's pages under load at scale, against the ceiling app, in one run.

    python bench/run.py                      # 20,000 apprentices on SQLite, 10 s a page
    python bench/run.py --apprentices 2000 --duration 3
    python bench/run.py --database postgresql   # on a throw-away PostgreSQL server, filled for the run
    python bench/run.py --database-url postgresql://...   # an empty or already-filled database

It fills a database with `flask demo scale` (or reuses the one it filled before), starts the
app under gunicorn with 2 workers and ../shared/bench/ceiling_app.py under the same settings,
signs in, and drives each page with wrk (Debian's package, installed when missing) over
loopback at 16 connections. For each page it prints requests a second, p50 and p99 latency,
SQL statements per request (counted in-process on the same database), response bytes (as
sent, compressed, and plain), and throughput as a ratio of the ceiling app's `/rows`; then each
worker's peak memory, htmx partials against their full pages, and a first visit's bytes.

With `--database postgresql` it starts a PostgreSQL server of its own as the test command does
(scripts/postgres.sh: a temporary folder, a Unix socket, no network), fills it, and stops it at the
end; the ceiling app stays on its SQLite file, so the ratio to its `/rows` compares the two runs.

Then a write-heavy mix: the same 16 connections, one request in five a write (a log entry POSTed by
the apprentice and an entry verified by the coordinator, in turn), the other four the cohort page,
the apprentice home, the dashboard and the verification queue. It prints the mix's requests a
second and latency, and checks nothing was lost: every write answered as done has its row (entries
saved, entries verified, counted in the database before and after), and no more writes went
unanswered than could be in flight when wrk stopped.

Then it uploads evidence: 1 MB PDFs posted as multipart/form-data to an entry's evidence page, as
the signed-in apprentice, each with different content (uploads of the same bytes are stored once,
so repeating one file would measure only the first), spread over the apprentice's benchmark
entries (10 files at most on an entry, the app's rule). It prints requests and megabytes a second,
latency, the workers' peak memory while uploading, and an upload's SQL statements and CPU time in
this process. The files go to a folder of the database's own in the temporary directory
(EVIDENCE_STORAGE_URL), with the per-apprentice quota raised (EVIDENCE_QUOTA_MB) so it does not
fill during the run; the run's uploads are deleted again at the end.

Rate limits are turned off for the run (RATELIMIT_ENABLED=false): the public summary allows one
address 60 requests a minute, and the load comes from one address.
"""

from __future__ import annotations

import argparse
import hashlib
import http.cookiejar
import json
import os
import re
import secrets
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
# The smallest signed-in page (a heading, a paragraph and a link): what the session check, the CSRF
# token, the notification count, the GOV.UK layout and compression cost on every page, measured in
# the same run so that the key pages' ratios can be read against it.
FLOOR = "Floor: two-factor settings"
WRK_THREADS = 2  # wrk's threads; the upload script shares out the entries between them


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
        if url.startswith("postgres"):  # the planner's statistics for the new rows, as autovacuum would gather
            run([sys.executable, "-c", "from app import app\nfrom apprenticeships.extensions import db\n"
                 "with app.app_context():\n    with db.engine.connect() as c:\n"
                 "        c.execution_options(isolation_level='AUTOCOMMIT').exec_driver_sql('ANALYZE')"], env)
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
    command = [wrk, f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-H", "Accept-Encoding: br, gzip"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    def percentile(n: str) -> str:
        found = re.search(rf"^\s+{n}%\s+(\S+)\s*$", out, re.MULTILINE)  # wrk pads seconds: "1.30s "
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


def financial_year(day: date) -> int:
    """The financial year (from 1 April) that `day` falls in, by the year it starts: the reports' addresses."""
    return day.year if day.month >= 4 else day.year - 1


WRITE_EVERY = 5  # the mix: one request in five is a write


def mix_script(directory: Path, reads: list[tuple[str, str]], apprentice: tuple[str, str],
               verifier: tuple[str, str], entry_ids: list[int]) -> str:
    """A wrk script for the write-heavy mix: of every five requests, four GET the pages in `reads`
    ((path, cookie), in turn) and the fifth writes: a quarter-hour log entry POSTed as the apprentice
    (a (cookie, CSRF token) pair), and a waiting entry verified (POST /log/<id>/verify) as the
    coordinator, in turn. Each thread verifies its own share of `entry_ids`, so none is verified twice.
    Responses are counted by what they are (a page, the 303 after a saved entry, the 303 after a
    verification, anything else) and printed per thread at the end as "MIX reads logged verified other"."""
    log_fields = urllib.parse.urlencode([("activity_type", "study_time"), ("off_the_job", "yes"), ("minutes", "0.25"),
                                         ("description", "Benchmark entry"), ("csrf_token", apprentice[1])])
    values = {
        "@READS@": ",".join(f"{{{json.dumps(path)}, {json.dumps(cookie)}}}" for path, cookie in reads),
        "@IDS@": ",".join(map(str, entry_ids)), "@THREADS@": str(WRK_THREADS), "@EVERY@": str(WRITE_EVERY),
        "@DAYS@": str(ENTRY_DAYS), "@LOG_FIELDS@": json.dumps("&" + log_fields),
        "@APPRENTICE@": json.dumps(apprentice[0]), "@VERIFIER@": json.dumps(verifier[0]),
        "@VERIFY_BODY@": json.dumps(urllib.parse.urlencode([("csrf_token", verifier[1])])),
    }
    lua = r"""
local reads = {@READS@}
local ids = {@IDS@}
local threads = {}
function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end
read_count, logged, verified, other, logs_sent, verifies_sent = 0, 0, 0, 0, 0, 0
local n, writes = 0, 0
local form = "application/x-www-form-urlencoded"
request = function()
  n = n + 1
  if n % @EVERY@ ~= 0 then
    local page = reads[(n - math.floor(n / @EVERY@)) % #reads + 1]
    return wrk.format("GET", page[1], {["Cookie"] = page[2]})
  end
  writes = writes + 1
  if writes % 2 == 1 then
    logs_sent = logs_sent + 1
    local d = os.date("*t", os.time() - 86400 * (1 + writes % @DAYS@))
    local body = string.format("activity_date=%d&activity_date=%d&activity_date=%d", d.day, d.month, d.year)
    return wrk.format("POST", "/log", {["Content-Type"] = form, ["Cookie"] = @APPRENTICE@}, body .. @LOG_FIELDS@)
  end
  local entry = ids[(verifies_sent * @THREADS@ + thread_id) % #ids + 1]
  verifies_sent = verifies_sent + 1
  return wrk.format("POST", "/log/" .. entry .. "/verify", {["Content-Type"] = form, ["Cookie"] = @VERIFIER@},
                    @VERIFY_BODY@)
end
response = function(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if status == 200 then read_count = read_count + 1
  elseif status == 303 and location:find("/verification", 1, true) then verified = verified + 1
  elseif status == 303 and location:find("/apprentice", 1, true) then logged = logged + 1
  else other = other + 1 end
end
done = function(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("MIX %d %d %d %d %d %d\n", thread:get("read_count"), thread:get("logged"),
                           thread:get("verified"), thread:get("other"), thread:get("logs_sent"),
                           thread:get("verifies_sent")))
  end
end
"""
    for name, value in values.items():
        lua = lua.replace(name, value)
    path = directory / "mix.lua"
    path.write_text(lua)
    return str(path)


def entries_to_verify(env: dict, limit: int = 20_000) -> list[int]:
    """Entries waiting for verification (not the benchmark's own, which the uploads go to), newest first."""
    code = ("from app import app\nfrom apprenticeships.extensions import db\n"
            "from apprenticeships.models import *\nimport sqlalchemy as sa\nwith app.app_context():\n"
            "    print(*db.session.scalars(sa.select(LogEntry.id).where(LogEntry.status == "
            "VerificationStatus.PENDING, LogEntry.description != 'Benchmark entry')"
            f".order_by(LogEntry.id.desc()).limit({limit})))")
    return [int(i) for i in run([sys.executable, "-c", code], env).split()]


def count_verified(env: dict) -> int:
    code = ("from app import app\nfrom apprenticeships.extensions import db\n"
            "from apprenticeships.models import *\nimport sqlalchemy as sa\nwith app.app_context():\n"
            "    print(db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)"
            ".where(LogEntry.status == VerificationStatus.VERIFIED)))")
    return int(run([sys.executable, "-c", code], env))


@dataclass
class Mix:
    load: Load
    reads: int
    logged: int  # log entry POSTs answered with the 303 of a saved entry
    verified: int  # verification POSTs answered with the 303 back to the queue
    other: int  # any other answer
    logs_sent: int  # log entry POSTs sent (the last few may be in flight when wrk stops)
    verifies_sent: int
    entries_saved: int  # rows: benchmark entries added during the run
    verifications_saved: int  # rows: entries verified during the run


def drive_mix(wrk: str, base: str, seconds: int, connections: int, script: str, env: dict) -> Mix:
    """The mix for `seconds`, and the rows it saved, counted in the database before and after."""
    entries, verifications = count_entries(env), count_verified(env)
    command = [wrk, f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "-H", "Accept-Encoding: br, gzip", "-s", script, base + "/"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    counts = [sum(column) for column in zip(*(map(int, line.split()[1:]) for line in out.splitlines()
                                              if line.startswith("MIX ")), strict=True)]
    if len(counts) != 6:
        raise SystemExit(f"wrk gave no counts for the mix:\n{out}")
    load = Load(int(re.search(r"(\d+) requests in", out).group(1)),
                float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
                _ms(re.search(r"^\s+50%\s+(\S+)\s*$", out, re.MULTILINE).group(1)),
                _ms(re.search(r"^\s+99%\s+(\S+)\s*$", out, re.MULTILINE).group(1)), counts[3])
    return Mix(load, *counts, count_entries(env) - entries, count_verified(env) - verifications)


UPLOAD_BYTES = 1024 * 1024
UPLOAD_NAME = "benchmark-upload.pdf"


def upload_head(boundary: str, csrf_token: str) -> str:
    """A multipart/form-data body up to the file's bytes: the CSRF token, then the file's part."""
    return (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf_token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="{UPLOAD_NAME}"\r\n'
            'Content-Type: application/pdf\r\n\r\n')


def upload_script(directory: Path, csrf_token: str, cookie: str, entry_ids: list[int]) -> str:
    """A wrk script posting a 1 MB PDF to an entry's evidence page, each request with different bytes
    (a first line naming the run, the thread and the request) and to the next of `entry_ids`, the
    threads taking turns so no entry gets more than its share."""
    filler = directory / "upload-body.bin"
    filler.write_bytes(os.urandom(UPLOAD_BYTES))  # like a PDF's compressed streams: nothing repeats
    boundary = "bench" + secrets.token_hex(12)
    head = upload_head(boundary, csrf_token)
    values = {  # json.dumps writes an ASCII string as a Lua string literal
        "@IDS@": ",".join(map(str, entry_ids)), "@THREADS@": str(WRK_THREADS), "@SIZE@": str(UPLOAD_BYTES),
        "@HEAD@": json.dumps(head), "@TAIL@": json.dumps(f"\r\n--{boundary}--\r\n"),
        "@FIRST_LINE@": json.dumps(f"%%PDF-1.4\n%% benchmark upload {secrets.token_hex(6)} %d %012d\n"),
        "@FILLER@": json.dumps(str(filler)), "@CONTENT_TYPE@": json.dumps(f"multipart/form-data; boundary={boundary}"),
        "@COOKIE@": json.dumps(cookie),
    }
    lua = r"""
local ids = {@IDS@}
local threads = 0
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end
local first_line = @FIRST_LINE@
local width = #string.format(first_line, 0, 0)
local rest = io.open(@FILLER@, "rb"):read("*a"):sub(1, @SIZE@ - width - 6) .. "%%EOF\n" .. @TAIL@
local headers = {["Content-Type"] = @CONTENT_TYPE@, ["Cookie"] = @COOKIE@}
local n = 0
request = function()
  local entry = ids[(n * @THREADS@ + thread_id) % #ids + 1]
  n = n + 1
  return wrk.format("POST", "/log/" .. entry .. "/evidence", headers,
                    @HEAD@ .. string.format(first_line, thread_id, n) .. rest)
end
"""
    for name, value in values.items():
        lua = lua.replace(name, value)
    path = directory / "upload.lua"
    path.write_text(lua)
    return str(path)


def entries_to_upload_to(env: dict) -> list[int]:
    """The apprentice's benchmark entries that have no files yet, newest first (at most 2,000)."""
    code = ("from app import app\nfrom apprenticeships.extensions import db\n"
            "from apprenticeships.models import *\nimport sqlalchemy as sa\nwith app.app_context():\n"
            "    print(*db.session.scalars(sa.select(LogEntry.id).join(User, User.apprentice_id == "
            "LogEntry.apprentice_id).where(User.email == 'apprentice@example.org', LogEntry.description == "
            "'Benchmark entry', LogEntry.status == VerificationStatus.PENDING, ~sa.exists().where("
            "EvidenceFile.log_entry_id == LogEntry.id)).order_by(LogEntry.id.desc()).limit(2000)))")
    return [int(i) for i in run([sys.executable, "-c", code], env).split()]


UPLOADS = ("from app import app\nfrom apprenticeships.extensions import db\n"
           "from apprenticeships.models import EvidenceFile\nimport sqlalchemy as sa\nwith app.app_context():\n"
           f"    uploads = sa.select(EvidenceFile).where(EvidenceFile.filename == '{UPLOAD_NAME}')\n")


def count_uploads(env: dict) -> int:
    code = UPLOADS + "    print(db.session.scalar(sa.select(sa.func.count()).select_from(uploads.subquery())))"
    return int(run([sys.executable, "-c", code], env))


def remove_uploads(env: dict) -> int:
    """Delete the benchmark's uploads, rows and bytes, so the next run starts as this one did."""
    code = UPLOADS + ("    files = db.session.scalars(uploads).all()\n"
                      "    digests = {f.digest for f in files}\n"
                      "    for f in files:\n        db.session.delete(f)\n"
                      "    db.session.commit()\n"
                      "    from apprenticeships.services import evidence\n"
                      "    evidence.delete_unreferenced(digests)\n"
                      "    print(len(files))")
    return int(run([sys.executable, "-c", code], env))


def remove_entries(env: dict) -> int:
    """Delete the log entries the benchmark posted (their revisions and links go with them; the triggers
    keep the day totals and the apprentice's log version), so that each run measures the apprentice's
    home with the log the fill gave them, not with every earlier run's thousands of entries."""
    code = ("from app import app\nfrom apprenticeships.extensions import db\n"
            "from apprenticeships.models import LogEntry\nimport sqlalchemy as sa\nwith app.app_context():\n"
            "    print(db.session.execute(sa.delete(LogEntry).where(LogEntry.description == 'Benchmark entry'))"
            ".rowcount)\n    db.session.commit()")
    return int(run([sys.executable, "-c", code], env))


def reset_peaks(master: subprocess.Popen) -> list[float] | None:
    """Start each worker's peak memory (VmHWM) again from what it holds now (Linux's clear_refs 5);
    returns what each holds (VmRSS, MB), or None where the peak cannot be reset."""
    held = []
    try:
        for pid in Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split():
            Path(f"/proc/{pid}/clear_refs").write_text("5")
            status = Path(f"/proc/{pid}/status").read_text()
            held.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
    except OSError:
        return None
    return held


TIMED = 20  # requests a page, one at a time, for where its time goes


def in_process_figures(env: dict, pages: list[tuple[str, str, str]]) -> dict[str, tuple]:
    """SQL statements, compressed and plain bytes of each page, from the app in this process; and where
    one request's time goes, the median of TIMED: in all, in the database driver (the statements'
    execution; rows are fetched after it), in rendering templates, and the rest (Python: routing,
    sign-in, forms, SQLAlchemy building statements and objects, compression)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from flask import before_render_template, template_rendered
    from sqlalchemy import event

    from app import app
    from apprenticeships.extensions import db

    statements, clock = [], {"sql": 0.0, "render": 0.0}

    def started(conn, *_args) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def finished(conn, *_args) -> None:
        clock["sql"] += time.perf_counter() - conn.info.pop("bench_started")
        statements.append(1)

    rendering = []  # a template can render another inside it (an email, say): only the outermost is timed

    def render_started(*_args, **_kwargs) -> None:
        rendering.append(time.perf_counter())

    def render_finished(*_args, **_kwargs) -> None:
        started_at = rendering.pop()
        if not rendering:
            clock["render"] += time.perf_counter() - started_at

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", started)
        event.listen(db.engine, "after_cursor_execute", finished)
    before_render_template.connect(render_started, app)
    template_rendered.connect(render_finished, app)
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
        times = []
        for _ in range(TIMED):
            clock.update(sql=0.0, render=0.0)
            begun = time.perf_counter()
            client.get(path, headers={"Accept-Encoding": "br"})
            times.append(((time.perf_counter() - begun) * 1000, clock["sql"] * 1000, clock["render"] * 1000))
        total, sql, render = sorted(times)[TIMED // 2]
        figures[name] = (count, len(packed.data), len(plain.data), total, sql, render)
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
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="sqlite: a file in the system's temporary folder, kept and reused; postgresql: a "
                             "throw-away server started as the test command starts one (scripts/postgres.sh), "
                             "filled, and stopped at the end")
    parser.add_argument("--database-url", help="a database to use instead (empty, or filled by an earlier run)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    if args.database_url or args.database == "sqlite":
        benchmark(args, args.database_url
                  or f"sqlite:///{Path(tempfile.gettempdir()) / f'bench-{args.apprentices}.db'}")
        return
    started = subprocess.run(["bash", "scripts/postgres.sh"], cwd=ROOT, capture_output=True, text=True)
    if started.returncode != 0:
        raise SystemExit(f"could not start a PostgreSQL server: {started.stderr.strip()}")
    url, server_dir = started.stdout.split()
    print(f"A throw-away PostgreSQL server in {server_dir}", flush=True)
    try:
        benchmark(args, url)
    finally:
        subprocess.run(["bash", "scripts/postgres.sh", "stop", server_dir], cwd=ROOT, check=False)


def benchmark(args: argparse.Namespace, url: str) -> None:
    """The whole run on the database at `url`: fill it if empty, then the pages, the mix, the uploads."""
    # Evidence in a folder of the database's own (the scale data names a sample file in it), the
    # quota raised so the upload's apprentice does not run out, no virus scanning.
    evidence_folder = Path(tempfile.gettempdir()) / f"bench-evidence-{hashlib.sha256(url.encode()).hexdigest()[:12]}"
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "production", "SECRET_KEY": "bench-" + "x" * 40,
           "FORCE_HTTPS": "false", "SESSION_COOKIE_SECURE": "false", "RATELIMIT_ENABLED": "false",
           "EVIDENCE_STORAGE_URL": str(evidence_folder), "EVIDENCE_QUOTA_MB": str(1024 * 1024), "CLAMD_SOCKET": ""}
    wrk = ensure_wrk()
    prepare_database(url, args.apprentices, env)
    left = remove_entries(env)  # from a run stopped half-way, or from runs before the benchmark removed its own
    if left:
        print(f"Removed {left:,} log entries left by an earlier run")

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
             "    db.session.commit()\n"  # services only flush: the request (here, this script) commits
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
        def entry(days_ago: int) -> list[tuple[str, str]]:
            day = date.fromordinal(date.today().toordinal() - days_ago)
            return [("activity_date", str(day.day)), ("activity_date", str(day.month)),
                    ("activity_date", str(day.year)), ("activity_type", "study_time"), ("off_the_job", "yes"),
                    ("minutes", "0.25"), ("description", "Benchmark entry"), ("csrf_token", token_for_log)]

        if apprentice.post("/log", entry(1)) != 303:
            raise SystemExit("the log entry POST did not save")
        workdir = Path(tempfile.mkdtemp())
        three_weeks_ago = date.fromordinal(date.today().toordinal() - 21)
        since = f"{three_weeks_ago.day}&date_from={three_weeks_ago.month}&date_from={three_weeks_ago.year}"
        pages = [
            (FLOOR, "coordinator", "/account/two-factor", None),
            ("Coordinator dashboard", "coordinator", "/coordinator", None),
            ("Cohort page, first", "coordinator", f"/cohorts/{cohort_id}", None),
            ("Cohort page 10, filtered", "coordinator", f"/cohorts/{cohort_id}?status=active&page=10", None),
            ("Apprentice profile", "coordinator", f"/apprentices/{apprentice_id}", None),
            ("Apprentice home", "apprentice", "/apprentice", None),
            ("Verification queue, filtered", "coordinator",
             f"/verification?status=waiting&date_from={since}&sort=newest", None),
            ("Audit page, filtered", "coordinator", f"/audit?kind=log_entry.verified&date_from={since}", None),
            ("Reports page (this year's return)", "coordinator", f"/reports/{financial_year(date.today())}", None),
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

        # The write-heavy mix: four page views (as the pages above) to one write (a log entry, a verification).
        verify_ids = entries_to_verify(env)
        if len(verify_ids) < 100:
            raise SystemExit(f"only {len(verify_ids)} entries waiting for verification")
        mix_reads = [(f"/cohorts/{cohort_id}", coordinator.cookie_header), ("/apprentice", apprentice.cookie_header),
                     ("/coordinator", coordinator.cookie_header),
                     (f"/verification?status=waiting&date_from={since}&sort=newest", coordinator.cookie_header)]
        script = mix_script(workdir, mix_reads, (apprentice.cookie_header, token_for_log),
                            (coordinator.cookie_header, coordinator.csrf_token("/verification")), verify_ids)
        drive_mix(wrk, base, 2, args.connections, script, env)  # warm both workers
        # Again with the entries still waiting, so none the warming verified is asked for again.
        script = mix_script(workdir, mix_reads, (apprentice.cookie_header, token_for_log),
                            (coordinator.cookie_header, coordinator.csrf_token("/verification")),
                            entries_to_verify(env))
        mix = drive_mix(wrk, base, args.duration, args.connections, script, env)

        entry_ids = entries_to_upload_to(env)
        for n in range(len(entry_ids), 100):  # a new database, on a busy machine: entries enough to share out
            apprentice.post("/log", entry(1 + n % ENTRY_DAYS))
        entry_ids = entries_to_upload_to(env)
        if len(entry_ids) < 100:
            raise SystemExit(f"only {len(entry_ids)} benchmark entries without files to upload to")
        script = upload_script(workdir, token_for_log, apprentice.cookie_header, entry_ids)
        upload_url = f"{base}/log/{entry_ids[0]}/evidence"
        held_before = reset_peaks(app_server)
        drive(wrk, upload_url, 2, args.connections, script=script)  # warm both workers
        before = count_uploads(env)
        upload = drive(wrk, upload_url, args.duration, args.connections, script=script)
        uploads_saved = count_uploads(env) - before
        upload.errors += max(0, upload.requests - uploads_saved)
        upload_peaks = worker_peaks_mb(app_server)
    finally:
        stop(app_server)
        stop(ceiling)
        removed = remove_uploads(env)
        shutil.rmtree(workdir, ignore_errors=True)

    figures = in_process_figures(env, [(n, r, p) for n, r, p, s in pages if s is None])
    partials = in_process_partials(cohort_id, apprentice_id)
    try:
        upload_statements, upload_cpu_ms = in_process_upload(entries_to_upload_to(env))
    finally:
        remove_uploads(env)
        removed_entries = remove_entries(env)

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
        sql, packed, plain = figures.get(name, (None, None, None))[:3]
        ratio = load.requests_per_second / ceiling_rows.requests_per_second
        print(f"{name:28} {load.requests_per_second:7.0f} {ratio:6.2f} {load.p50_ms:7.1f} {load.p99_ms:7.1f} "
              f"{sql if sql is not None else '-':>4} {packed if packed else '-':>10} {plain if plain else '-':>7} "
              f"{load.errors:6d}")
        if name == FLOOR:  # not a key page: the least any signed-in page costs, for scale
            continue
        if ratio < TARGET_RATIO:
            misses.append(f"{name}: {ratio:.2f} of /rows")
        if load.p99_ms > TARGET_P99_MS:
            misses.append(f"{name}: p99 {load.p99_ms:.0f} ms")
        if load.errors:
            misses.append(f"{name}: {load.errors} error responses")
    print(f"\nWhere one request's time goes, in the app's process, one request at a time (the median of {TIMED}, ms):")
    print(f"{'Page':28} {'in all':>7} {'SQL':>6} {'render':>7} {'rest':>6}")
    for name, _path, _load in results:
        if name in figures:
            total, sql_ms, render_ms = figures[name][3:]
            print(f"{name:28} {total:7.1f} {sql_ms:6.1f} {render_ms:7.1f} {total - sql_ms - render_ms:6.1f}")
    print(f"\nWorkers' peak resident memory: {', '.join(f'{mb:.0f} MB' for mb in peaks)}")
    misses += [f"worker at {mb:.0f} MB" for mb in peaks if mb > TARGET_WORKER_MB]
    # Lost: answered as saved but no row; or more writes unanswered than could be in flight when wrk stopped.
    lost = max(0, mix.logged - mix.entries_saved) + max(0, mix.verified - mix.verifications_saved)
    unanswered = (mix.logs_sent - mix.logged) + (mix.verifies_sent - mix.verified)
    print(f"\nWrite-heavy mix ({args.connections} connections, one request in {WRITE_EVERY} a write: log entries "
          f"and verifications in turn; the reads the cohort page, apprentice home, dashboard and verification "
          f"queue): {mix.load.requests_per_second:.0f} req/s "
          f"({mix.load.requests_per_second / ceiling_rows.requests_per_second:.2f} of /rows), "
          f"p50 {mix.load.p50_ms:.1f} ms, p99 {mix.load.p99_ms:.1f} ms; {mix.reads:,} pages; log entries: "
          f"{mix.logs_sent:,} sent, {mix.logged:,} answered as saved, {mix.entries_saved:,} rows saved; "
          f"verifications: {mix.verifies_sent:,} sent, {mix.verified:,} answered as done, "
          f"{mix.verifications_saved:,} rows verified; {mix.other} other answers; "
          + ("nothing lost" if not lost and not mix.other and unanswered <= args.connections
             else f"{lost} writes answered but not saved, {unanswered} unanswered"))
    if mix.load.p99_ms > TARGET_P99_MS:
        misses.append(f"write-heavy mix: p99 {mix.load.p99_ms:.0f} ms")
    if lost or mix.other or unanswered > args.connections:
        misses.append(f"write-heavy mix: {lost} lost, {mix.other} other answers")
    megabytes = upload.requests_per_second * UPLOAD_BYTES / 1024 / 1024
    print(f"\nEvidence upload, 1 MB PDF (multipart POST to an entry's evidence page, different bytes each time): "
          f"{upload.requests_per_second:.0f} req/s ({megabytes:.0f} MB/s), p50 {upload.p50_ms:.1f} ms, "
          f"p99 {upload.p99_ms:.1f} ms; {uploads_saved:,} files saved of {upload.requests:,} posted, "
          f"{upload.errors} errors ({upload.requests_per_second / ceiling_rows.requests_per_second:.2f} of /rows)")
    print(f"In the app's process: {upload_statements} SQL statements and {upload_cpu_ms:.1f} ms of CPU an upload "
          "(the median of 20)")
    print(f"Workers' peak resident memory while uploading: {', '.join(f'{mb:.0f} MB' for mb in upload_peaks)}"
          + (f" (holding {', '.join(f'{mb:.0f} MB' for mb in held_before)} before)" if held_before else
             " (since they started: the peak could not be reset)")
          + f"; the run's {removed:,} uploads deleted again, and its {removed_entries:,} log entries")
    if upload.errors:
        misses.append(f"evidence upload: {upload.errors} errors")
    misses += [f"worker at {mb:.0f} MB while uploading" for mb in upload_peaks if mb > TARGET_WORKER_MB]
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


def in_process_upload(entry_ids: list[int], times: int = 20) -> tuple[int, float]:
    """SQL statements of one 1 MB upload, and the app's CPU time for it (the median of `times`, each
    with different bytes), from the app in this process. The body is made beforehand, so the time
    is the app's alone: parsing the form, finding the type, the digest, writing, the rows."""
    import statistics

    from sqlalchemy import event

    from app import app
    from apprenticeships.extensions import db

    client = app.test_client()
    html = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    client.post("/sign-in", data={"email": "apprentice@example.org", "password": PASSWORD, "csrf_token": token})
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/apprentice").get_data(as_text=True)
                      ).group(1)
    boundary = "bench" + secrets.token_hex(12)
    filler = os.urandom(UPLOAD_BYTES)
    statements: list[int] = []

    def count(*_args) -> None:
        statements.append(1)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    counts, cpu = [], []
    for n, entry_id in zip(range(times), entry_ids, strict=False):
        first = f"%PDF-1.4\n% in-process upload {secrets.token_hex(6)} {n}\n".encode()
        body = (upload_head(boundary, token).encode() + first + filler[:UPLOAD_BYTES - len(first) - 6] + b"%%EOF\n"
                + f"\r\n--{boundary}--\r\n".encode())
        statements.clear()
        started = time.process_time()
        response = client.post(f"/log/{entry_id}/evidence", data=body,
                               content_type=f"multipart/form-data; boundary={boundary}")
        cpu.append((time.process_time() - started) * 1000)
        counts.append(len(statements))
        if response.status_code != 303:
            raise SystemExit(f"the in-process upload was not saved (HTTP {response.status_code})")
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", count)
    return max(counts), statistics.median(cpu)


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
        ("Cohort table, searched", f"/cohorts/{cohort_id}?q=smith", "cohort-rows"),
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
        # As htmx sends it: HX-Current-URL tells the app which page of the log is shown (the first), so
        # the answer is the new row and the form, not the whole log.
        headers={"HX-Request": "true", "HX-Target": "logbook", "HX-Current-URL": "http://localhost/apprentice"}).data
    results.append(("Log entry added (htmx)", len(added), len(home.encode())))
    return results


if __name__ == "__main__":
    main()
