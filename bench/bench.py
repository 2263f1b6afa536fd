#!/usr/bin/env python3
"""Drives demo-api with wrk and reports what each authentication scheme costs.

Every case runs against the same server process, for a fixed duration and connection
count; throughput is reported as a ratio to the unauthenticated baseline of the same
run, because absolute figures on a shared 2-core machine drift while ratios hold.
Any non-2xx response or socket error is reported, never hidden. The server's peak RSS
is measured per case (its high-water mark is reset before each one).

Run it through bench/run.sh, which builds the release binary and installs wrk.
"""

import argparse
import base64
import datetime
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PASSWORD = "bench-pass-12345"


def http(method, url, data=None, headers=None, form=False):
    """A small HTTP client for seeding: returns (status, json body or None, headers)."""
    body = None
    headers = dict(headers or {})
    if data is not None:
        if form:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None), resp.headers
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode(errors="replace")
        return e.code, parsed, e.headers


class Server:
    """The release demo-api on a free loopback port."""

    def __init__(self, binary, workdir, database_url):
        self.env = dict(os.environ)
        self.env.update({"DATABASE_URL": database_url, "RUST_LOG": "warn"})
        self.binary = os.path.abspath(binary)
        self.workdir = workdir
        self.proc = None
        self.base = None

    def cli(self, *args):
        out = subprocess.run([self.binary, *args], cwd=self.workdir, env=self.env,
                             capture_output=True, text=True, check=True)
        return out.stdout

    def start(self):
        self.proc = subprocess.Popen([self.binary, "serve", "--bind", "127.0.0.1:0"],
                                     cwd=self.workdir, env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r"(http://[^ ]+)", line)
        if not match:
            raise SystemExit(f"demo-api did not start: {line!r}")
        self.base = match.group(1)

    def url(self, path):
        return self.base + path

    def reset_peak_rss(self):
        # Writing 5 to clear_refs resets the high-water mark (Linux >= 4.0).
        try:
            with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass

    def peak_rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return None

    def cpu_seconds(self):
        """User + system CPU time the server has used so far."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # utime and stime are the 14th and 15th fields; the split starts at the 3rd.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def lua_script(workdir, name, method, body, headers):
    """A wrk script sending one fixed request."""
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    for k, v in headers.items():
        lines.append(f'wrk.headers[{json.dumps(k)}] = {json.dumps(v)}')
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name)
    path = os.path.join(workdir, f"{safe}.lua")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def millis(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text.strip())
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def parse_wrk(output):
    result = {"rps": 0.0, "p50_ms": None, "p99_ms": None, "non_2xx": 0, "socket_errors": 0, "requests": 0}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result["rps"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in", output):
        result["requests"] = int(m.group(1))
    if m := re.search(r"^\s+50%\s+(\S+)", output, re.M):
        result["p50_ms"] = millis(m.group(1))
    if m := re.search(r"^\s+99%\s+(\S+)", output, re.M):
        result["p99_ms"] = millis(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["non_2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        result["socket_errors"] = sum(int(x) for x in m.groups())
    return result


def wrk(url, script, duration, connections, threads=2, server=None):
    """One wrk run; with `server`, also the server's CPU time per request (microseconds),
    a cost that does not depend on how the two cores are shared with wrk."""
    cmd = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
           "--timeout", "10s", "-s", script, url]
    before = server.cpu_seconds() if server else None
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    stats = parse_wrk(out)
    if server and stats.get("requests"):
        stats["cpu_us"] = (server.cpu_seconds() - before) * 1e6 / stats["requests"]
    return stats, out


class Bench:
    def __init__(self, args):
        self.args = args
        self.workdir = tempfile.mkdtemp(prefix="auth-bench-")
        self.created_db = None
        if args.postgres:
            # A fresh database on that server, dropped at the end.
            name = f"auth_bench_{secrets.token_hex(6)}"
            subprocess.run(["psql", args.postgres, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
            self.admin_url = args.postgres
            self.created_db = name
            self.database_url = args.postgres.rsplit("/", 1)[0] + "/" + name
            self.kind = "postgres"
        else:
            self.database_url = f"sqlite://{self.workdir}/bench.sqlite3"
            self.kind = "sqlite"
        self.server = Server(args.binary, self.workdir, self.database_url)
        self.results = []
        self.creds = {}

    # ---- seeding --------------------------------------------------------------------

    def sql(self, statements):
        """Runs SQL on the benchmark database (sqlite3 module, or psql)."""
        if self.kind == "sqlite":
            conn = sqlite3.connect(os.path.join(self.workdir, "bench.sqlite3"), timeout=60)
            conn.executescript(statements)
            conn.commit()
            conn.close()
        else:
            subprocess.run(["psql", self.database_url, "-q", "-v", "ON_ERROR_STOP=1", "-c", statements],
                           check=True, capture_output=True)

    def seed_credentials(self):
        s = self.server
        status, _, _ = http("POST", s.url("/api/accounts/register/"),
                            {"username": "bench", "email": "bench@example.com", "password": PASSWORD})
        assert status == 201, status
        _, pair, _ = http("POST", s.url("/api/token/"), {"username": "bench", "password": PASSWORD})
        self.creds["jwt"] = pair["access"]
        _, _, headers = http("POST", s.url("/api/accounts/login/"), {"username": "bench", "password": PASSWORD})
        cookie = [c.split(";")[0] for c in headers.get_all("Set-Cookie") if c.startswith("sessionid=")]
        self.creds["session"] = cookie[0]
        _, body, _ = http("POST", s.url("/api/token-auth/"), {"username": "bench", "password": PASSWORD})
        self.creds["token"] = body["token"]
        app = json.loads(s.cli("create-oauth-app", "--name", "bench", "--grant-type", "password"))
        _, body, _ = http("POST", s.url("/o/token/"),
                          {"grant_type": "password", "username": "bench", "password": PASSWORD,
                           "client_id": app["client_id"], "client_secret": app["client_secret"]}, form=True)
        self.creds["oauth2"] = body["access_token"]
        self.creds["basic"] = base64.b64encode(f"bench:{PASSWORD}".encode()).decode()

    def seed_rows(self, n):
        """Brings users, sessions, API tokens and blacklisted refresh tokens to `n` rows
        each (filler rows that authenticate nobody)."""
        now = int(time.time())
        hash_ = "$argon2id$v=19$m=19456,t=2,p=1$ZmlsbGVyc2FsdA$ZmlsbGVyZmlsbGVyZmlsbGVyZmlsbGVyZmlsbGVyZmk"
        if self.kind == "sqlite":
            series = f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n})"
            hexed = "printf('%064x', n)"
            text = "'filler-' || n"
        else:
            series = f"WITH s(n) AS (SELECT generate_series(1, {n}))"
            hexed = "lpad(to_hex(n), 64, '0')"
            text = "'filler-' || n"
        self.sql(f"""
            {series} INSERT INTO auth_users (username, email, password_hash, is_staff, is_superuser,
                is_active, date_joined, password_changed_at)
              SELECT {text}, '', '{hash_}', FALSE, FALSE, TRUE, {now}, {now} FROM s
              WHERE NOT EXISTS (SELECT 1 FROM auth_users WHERE username = {text});
            {series} INSERT INTO auth_sessions (key_digest, user_id, created_at, expires_at)
              SELECT {hexed}, (SELECT MIN(id) FROM auth_users), {now}, {now + 86400} FROM s
              WHERE NOT EXISTS (SELECT 1 FROM auth_sessions WHERE key_digest = {hexed});
            {series} INSERT INTO auth_api_tokens (user_id, name, prefix, digest, created_at, expires_at)
              SELECT (SELECT MIN(id) FROM auth_users), 'filler', substr({hexed}, 57, 8), {hexed}, {now}, NULL FROM s
              WHERE NOT EXISTS (SELECT 1 FROM auth_api_tokens WHERE digest = {hexed});
            {series} INSERT INTO auth_jwt_blacklist (jti, blacklisted_at, expires_at)
              SELECT {hexed}, {now}, {now + 86400} FROM s
              WHERE NOT EXISTS (SELECT 1 FROM auth_jwt_blacklist WHERE jti = {hexed});
        """.replace("FALSE", "0" if self.kind == "sqlite" else "FALSE").replace(
            "TRUE", "1" if self.kind == "sqlite" else "TRUE"))
        if self.kind == "sqlite":
            self.sql("ANALYZE;")
        else:
            self.sql("ANALYZE;")

    # ---- cases -----------------------------------------------------------------------

    def headers(self, scheme):
        c = self.creds
        return {
            "baseline": {},
            "jwt": {"Authorization": f"Bearer {c.get('jwt', '')}"},
            "session": {"Cookie": c.get("session", "")},
            "token": {"Authorization": f"Token {c.get('token', '')}"},
            "oauth2": {"Authorization": f"Bearer {c.get('oauth2', '')}"},
            "basic": {"Authorization": f"Basic {c.get('basic', '')}"},
        }[scheme]

    def run_case(self, name, path, method="GET", body=None, headers=None, note="", connections=None):
        script = lua_script(self.workdir, name, method, body, headers or {})
        self.server.reset_peak_rss()
        stats, raw = wrk(self.server.url(path), script, self.args.duration, connections or self.args.connections,
                         server=self.server)
        stats.update({"case": name, "path": path, "method": method, "note": note,
                      "peak_rss_mib": self.server.peak_rss_mib(), "connections": connections or self.args.connections})
        self.results.append(stats)
        print(f"  {name:<28} {stats['rps']:>10.1f} req/s  p50 {stats['p50_ms']} ms  p99 {stats['p99_ms']} ms  "
              f"errors {stats['non_2xx'] + stats['socket_errors']}", flush=True)
        if self.args.verbose:
            print(raw)
        return stats

    def profile(self, scheme, name=None, note=""):
        """One scheme's profile, right after a baseline run of the same length: the ratio
        compares the two neighbours, so drift of the machine between cases cancels."""
        if scheme == "baseline":
            return self.run_case(name or scheme, "/api/bench/baseline/", note=note)
        # Alternating rounds (baseline, case, baseline, case, ...); the ratio is the
        # median of the rounds' ratios, which is what survives a noisy machine.
        base_script = lua_script(self.workdir, "paired-baseline", "GET", None, {})
        case_script = lua_script(self.workdir, name or scheme, "GET", None, self.headers(scheme))
        rounds = max(1, self.args.rounds)
        seconds = max(2, self.args.duration // rounds)
        ratios, base_rps, base_cpu, runs = [], [], [], []
        self.server.reset_peak_rss()
        for _ in range(rounds):
            b, _ = wrk(self.server.url("/api/bench/baseline/"), base_script, seconds, self.args.connections,
                       server=self.server)
            c, _ = wrk(self.server.url("/api/accounts/profile/"), case_script, seconds, self.args.connections,
                       server=self.server)
            base_rps.append(b["rps"])
            base_cpu.append(b.get("cpu_us") or 0.0)
            runs.append(c)
            ratios.append(c["rps"] / b["rps"] if b["rps"] else 0.0)
        median = sorted(ratios)[len(ratios) // 2]
        stats = {
            "rps": sum(r["rps"] for r in runs) / rounds,
            "p50_ms": sorted(r["p50_ms"] or 0 for r in runs)[rounds // 2],
            "p99_ms": sorted(r["p99_ms"] or 0 for r in runs)[rounds // 2],
            "non_2xx": sum(r["non_2xx"] for r in runs),
            "socket_errors": sum(r["socket_errors"] for r in runs),
            "requests": sum(r["requests"] for r in runs),
            "case": name or scheme, "path": "/api/accounts/profile/", "method": "GET", "note": note,
            "peak_rss_mib": self.server.peak_rss_mib(), "connections": self.args.connections,
            "baseline_rps": sum(base_rps) / rounds, "round_ratios": ratios, "ratio": median,
            "cpu_us": sorted(r.get("cpu_us") or 0.0 for r in runs)[rounds // 2],
            "baseline_cpu_us": sorted(base_cpu)[rounds // 2],
        }
        self.results.append(stats)
        print(f"  {stats['case']:<28} {stats['rps']:>10.1f} req/s  ratio {median:.2f} "
              f"(rounds {', '.join(f'{r:.2f}' for r in ratios)})  cpu {stats['cpu_us']:.1f} us/req "
              f"(baseline {stats['baseline_cpu_us']:.1f})  p99 {stats['p99_ms']} ms  "
              f"errors {stats['non_2xx'] + stats['socket_errors']}", flush=True)
        return stats

    def login_storm(self):
        """JWT profile while logins hash passwords in parallel."""
        form = urllib.parse.urlencode({"username": "bench", "password": PASSWORD})
        storm_script = lua_script(self.workdir, "storm", "POST", form,
                                  {"Content-Type": "application/x-www-form-urlencoded"})
        storm = {}

        def run_storm():
            stats, _ = wrk(self.server.url("/api/token/"), storm_script, self.args.duration + 1, 16, threads=1)
            storm.update(stats)

        thread = threading.Thread(target=run_storm)
        thread.start()
        time.sleep(0.5)
        stats = self.run_case("jwt during login storm", "/api/accounts/profile/", headers=self.headers("jwt"),
                              note="POST /api/token/ at 16 connections in parallel")
        thread.join()
        stats["storm_rps"] = storm.get("rps")
        stats["storm_errors"] = storm.get("non_2xx", 0) + storm.get("socket_errors", 0)
        return stats

    # ---- the run ---------------------------------------------------------------------

    def run(self):
        s = self.server
        print(f"== demo-api release, {self.kind}, {self.args.duration} s per case, "
              f"{self.args.connections} connections (wrk, loopback)")
        s.cli("migrate")
        # The brute-force limits count failures only, and the benchmark never fails a
        # login; the rates of #[throttle] would throttle a benchmark of writes, not of
        # the reads measured here.
        s.start()
        try:
            self.seed_credentials()
            self.seed_rows(1000)
            print("-- schemes (10^3 users, sessions, tokens, blacklist rows)")
            for scheme in ["baseline", "jwt", "session", "token", "oauth2"]:
                self.profile(scheme)
            if not self.args.quick:
                self.profile("basic", note="argon2id per request (OWASP parameters)")
                form = urllib.parse.urlencode({"username": "bench", "password": PASSWORD})
                self.run_case("POST /api/token/", "/api/token/", "POST", form,
                              {"Content-Type": "application/x-www-form-urlencoded"},
                              note="argon2id bound", connections=16)
                self.run_case("POST /api/accounts/login/", "/api/accounts/login/", "POST",
                              json.dumps({"username": "bench", "password": PASSWORD}),
                              {"Content-Type": "application/json"}, note="argon2id bound", connections=16)
                self.login_storm()
            print("-- growth: 10^6 users, sessions, tokens, blacklist rows")
            self.seed_rows(1_000_000 if not self.args.quick else 100_000)
            for scheme in ["baseline", "jwt", "session", "token", "oauth2"]:
                self.profile(scheme, name=f"{scheme} @10^6" if not self.args.quick else f"{scheme} @10^5")
            if not self.args.quick:
                # What the credential cache buys: the same lookups with one query each.
                print("-- no credential cache (credential_cache_ttl = 0), 10^6 rows")
                s.stop()
                s.env["AUTH_CREDENTIAL_CACHE_TTL"] = "0"
                s.start()
                for scheme in ["jwt", "session", "token", "oauth2"]:
                    self.profile(scheme, name=f"{scheme} @10^6, no cache",
                                 note="one indexed query per request; revocation immediate on every instance")
        finally:
            s.stop()
        self.report()

    def report(self):
        by_name = {r["case"]: r for r in self.results}
        base = by_name["baseline"]["rps"] or 1.0
        base_big = next((r for n, r in by_name.items() if n.startswith("baseline @")), None)
        for r in self.results:
            if "ratio" in r:
                continue
            ref = r.get("baseline_rps") or (base_big["rps"] if (base_big and " @" in r["case"]) else base)
            r["ratio"] = r["rps"] / ref if ref else None
        checks = self.targets(by_name)
        meta = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "database": self.kind,
            "duration_s": self.args.duration,
            "connections": self.args.connections,
            "cpus": os.cpu_count(),
            "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0:1],
        }
        out_dir = os.path.join(HERE, "results")
        os.makedirs(out_dir, exist_ok=True)
        suffix = "" if self.kind == "sqlite" else "-postgres"
        with open(os.path.join(out_dir, f"latest{suffix}.json"), "w") as f:
            json.dump({"meta": meta, "cases": self.results, "targets": checks}, f, indent=2)
        md = self.markdown(meta, checks)
        with open(os.path.join(out_dir, f"latest{suffix}.md"), "w") as f:
            f.write(md)
        if self.kind == "sqlite":
            with open(os.path.join(ROOT, "docs", "performance.svg"), "w") as f:
                f.write(self.svg())
        print()
        print(md)
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self.created_db:
            subprocess.run(["psql", self.admin_url, "-q", "-c", f"DROP DATABASE IF EXISTS {self.created_db}"],
                           check=False, capture_output=True)

    def targets(self, by_name):
        def ratio(name):
            r = by_name.get(name)
            return r["ratio"] if r else None

        checks = []

        def check(what, value, target, ok):
            checks.append({"target": what, "measured": value, "goal": target,
                           "met": bool(ok) if value is not None else None})

        check("JWT profile >= 90% of baseline", ratio("jwt"), ">= 0.90", (ratio("jwt") or 0) >= 0.90)
        for scheme in ["session", "token", "oauth2"]:
            check(f"{scheme} profile >= 60% of baseline", ratio(scheme), ">= 0.60", (ratio(scheme) or 0) >= 0.60)
        storm = by_name.get("jwt during login storm")
        if storm and by_name.get("jwt") and by_name["jwt"]["p99_ms"]:
            factor = storm["p99_ms"] / by_name["jwt"]["p99_ms"]
            check("JWT p99 during a login storm within 2x", factor, "<= 2.0", factor <= 2.0)
        for scheme in ["jwt", "session", "token", "oauth2"]:
            small = by_name.get(scheme)
            big = next((r for n, r in by_name.items() if n.startswith(f"{scheme} @") and "no cache" not in n), None)
            if small and big and small.get("ratio"):
                diff = abs(big["ratio"] - small["ratio"]) / small["ratio"]
                check(f"{scheme}: 10^6 vs 10^3 rows within 10%", diff, "<= 0.10", diff <= 0.10)
        errors = sum(r["non_2xx"] + r["socket_errors"] + r.get("storm_errors", 0) for r in self.results)
        check("zero errors in every case", errors, "== 0", errors == 0)
        return checks

    def markdown(self, meta, checks):
        lines = [
            f"Run {meta['date']} on {meta['cpus']} CPUs, {meta['database']}, {meta['duration_s']} s per case, "
            f"{meta['connections']} connections unless noted; wrk on loopback against one release demo-api process. "
            "Each profile case runs right after a baseline run of the same length; its ratio is to that "
            "neighbour.",
            "",
            "| case | req/s | baseline req/s | ratio | server CPU µs/req (baseline's) | p50 ms | p99 ms | errors "
            "| peak RSS MiB | note |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in self.results:
            errors = r["non_2xx"] + r["socket_errors"] + r.get("storm_errors", 0)
            note = r["note"]
            if r.get("storm_rps") is not None:
                note = f"{note}; storm {r['storm_rps']:.0f} req/s"
            if r["connections"] != self.args.connections:
                note = f"{note}; {r['connections']} connections".lstrip("; ")
            paired = f"{r['baseline_rps']:.0f}" if r.get("baseline_rps") else "-"
            p50 = f"{r['p50_ms']:.2f}" if r["p50_ms"] is not None else "-"
            p99 = f"{r['p99_ms']:.2f}" if r["p99_ms"] is not None else "-"
            cpu = f"{r['cpu_us']:.1f}" if r.get("cpu_us") else "-"
            if r.get("baseline_cpu_us"):
                cpu = f"{cpu} ({r['baseline_cpu_us']:.1f})"
            lines.append(
                f"| {r['case']} | {r['rps']:.0f} | {paired} | {r['ratio']:.2f} | {cpu} | {p50} | {p99} | {errors} | "
                f"{r['peak_rss_mib']:.1f} | {note} |")
        lines += ["", "| target | measured | goal | met |", "|---|---:|---|---|"]
        for c in checks:
            m = c["measured"]
            shown = f"{m:.2f}" if isinstance(m, float) else str(m)
            lines.append(f"| {c['target']} | {shown} | {c['goal']} | {'yes' if c['met'] else 'NO'} |")
        return "\n".join(lines) + "\n"

    def svg(self):
        """Throughput relative to the baseline, one bar per case."""
        cases = [r for r in self.results if r.get("ratio") is not None]
        width, bar, gap, left = 760, 18, 8, 230
        height = 40 + len(cases) * (bar + gap) + 30
        scale = (width - left - 70) / max(1.0, max(r["ratio"] for r in cases))
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                 f'font-family="sans-serif" font-size="12">',
                 f'<text x="{left}" y="20" font-size="14">Throughput relative to the unauthenticated baseline '
                 f'(same run)</text>']
        x1 = left + scale
        parts.append(f'<line x1="{x1:.1f}" y1="28" x2="{x1:.1f}" y2="{height - 20}" stroke="#888" '
                     f'stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{x1 - 10:.1f}" y="{height - 6}">1.0</text>')
        for i, r in enumerate(cases):
            y = 34 + i * (bar + gap)
            w = max(1.0, r["ratio"] * scale)
            color = "#4a7" if " @" not in r["case"] else "#47a"
            parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{r["case"]}</text>')
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{color}"/>')
            parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 13}">{r["ratio"]:.2f}</text>')
        parts.append("</svg>\n")
        return "\n".join(parts)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--binary", required=True)
    p.add_argument("--postgres", help="a PostgreSQL URL to benchmark instead of SQLite")
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--rounds", type=int, default=3, help="alternating baseline/case rounds per scheme")
    p.add_argument("--quick", action="store_true", help="fewer cases and 10^5 rows: a smoke run")
    p.add_argument("--verbose", action="store_true")
    Bench(p.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
