#!/usr/bin/env python3
"""Drives demo-api with wrk and reports what authentication costs, as ratios against a
bare poem-openapi app (bench/bare: one operation with the profile's JSON, no auth, no
middleware) measured in the same run.

Every ratio comes from paired rounds: the bare app, demo-api's own unauthenticated
baseline (same middleware as the profile, so the stack's cost shows apart from the
chain's), then the case, one after the other, for a few seconds each; a case's ratio is
the median of its rounds' ratios, which survives a machine whose speed drifts. Any
unexpected status or socket error is reported, never hidden.

Run it through bench/run.sh, which builds the release binaries and installs wrk.
"""

import argparse
import base64
import datetime
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import report
from harness import HERE, PASSWORD, ROOT, Server, demo_env, http, lua_script, storm_script, wrk


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else None


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
        env = demo_env(self.database_url)
        self.demo = Server(args.binary, self.workdir, env, args=("serve", "--bind", "127.0.0.1:0"))
        # The same server with the default log level (INFO: one access line per
        # request), its stderr going to a file.
        logging_env = dict(env, RUST_LOG="")
        self.logging = Server(args.binary, self.workdir, logging_env, args=("serve", "--bind", "127.0.0.1:0"),
                              log=os.path.join(self.workdir, "demo-api.log"))
        self.logging.env.pop("RUST_LOG")
        self.bare = Server(args.bare, self.workdir)
        self.results = []
        self.creds = {}
        self.seconds = max(2, args.duration // max(1, args.rounds))

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
        s = self.demo
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
        self.sql("ANALYZE;")

    # ---- cases -----------------------------------------------------------------------

    def headers(self, scheme):
        c = self.creds
        return {
            "jwt": {"Authorization": f"Bearer {c.get('jwt', '')}"},
            "session": {"Cookie": c.get("session", "")},
            "token": {"Authorization": f"Token {c.get('token', '')}"},
            "oauth2": {"Authorization": f"Bearer {c.get('oauth2', '')}"},
            "basic": {"Authorization": f"Basic {c.get('basic', '')}"},
        }[scheme]

    def run(self, server, path, script, seconds=None, connections=None):
        stats, raw = wrk(server.url(path), script, seconds or self.seconds,
                         connections or self.args.connections, server=server)
        if self.args.verbose:
            print(raw)
        return stats

    def paired(self, name, case, rounds=None, note="", with_baseline=True, connections=None):
        """Rounds of (bare app, demo-api's baseline, the case); `case` is (server, path,
        script), run at `connections` (default: all of them). The ratios are medians of
        the rounds' ratios."""
        bare_script = lua_script(self.workdir, "bare", "GET", None, {})
        base_script = lua_script(self.workdir, "baseline", "GET", None, {})
        rounds = rounds or max(1, self.args.rounds)
        server, path, script = case
        runs = {"bare": [], "baseline": [], "case": []}
        server.reset_peak_rss()
        for _ in range(rounds):
            # poem-openapi serves `/api/accounts/profile/` as `.../profile` (demo-api's
            # TrimTrailingSlash takes both); the trailing slash would measure a 404.
            runs["bare"].append(self.run(self.bare, "/api/accounts/profile", bare_script))
            if with_baseline:
                runs["baseline"].append(self.run(self.demo, "/api/bench/baseline/", base_script))
            runs["case"].append(self.run(server, path, script, connections=connections))
        ratio = lambda a, b: [x["rps"] / y["rps"] if y["rps"] else 0.0 for x, y in zip(runs[a], runs[b])]
        case_runs = runs["case"]
        stats = {
            "case": name, "path": path, "note": note, "connections": connections or self.args.connections,
            "rps": sum(r["rps"] for r in case_runs) / rounds,
            "bare_rps": sum(r["rps"] for r in runs["bare"]) / rounds,
            "ratio": median(ratio("case", "bare")), "round_ratios": ratio("case", "bare"),
            "p50_ms": median([r["p50_ms"] or 0 for r in case_runs]),
            "p99_ms": median([r["p99_ms"] or 0 for r in case_runs]),
            # The reference's own errors count too: a ratio to a 404 would mean nothing.
            "non_2xx": sum(r["non_2xx"] for r in case_runs + runs["bare"]),
            "socket_errors": sum(r["socket_errors"] for r in case_runs + runs["bare"]),
            "requests": sum(r["requests"] for r in case_runs),
            "cpu_us": median([r.get("cpu_us") or 0.0 for r in case_runs]),
            "bare_cpu_us": median([r.get("cpu_us") or 0.0 for r in runs["bare"]]),
            "peak_rss_mib": server.peak_rss_mib(),
        }
        if with_baseline:
            stats["baseline_ratio"] = median(ratio("baseline", "bare"))
            stats["to_baseline"] = median(ratio("case", "baseline"))
            stats["non_2xx"] += sum(r["non_2xx"] for r in runs["baseline"])
            stats["socket_errors"] += sum(r["socket_errors"] for r in runs["baseline"])
        self.results.append(stats)
        extra = f"  baseline {stats['baseline_ratio']:.2f}" if with_baseline else ""
        print(f"  {name:<32} {stats['rps']:>9.0f} req/s  ratio {stats['ratio']:.2f} "
              f"(rounds {', '.join(f'{r:.2f}' for r in stats['round_ratios'])}){extra}  "
              f"cpu {stats['cpu_us']:.1f} us/req (bare {stats['bare_cpu_us']:.1f})  p99 {stats['p99_ms']} ms  "
              f"errors {stats['non_2xx'] + stats['socket_errors']}", flush=True)
        return stats

    def profile(self, scheme, name=None, note="", server=None, rounds=None, connections=None):
        script = lua_script(self.workdir, name or scheme, "GET", None, self.headers(scheme))
        return self.paired(name or scheme, (server or self.demo, "/api/accounts/profile/", script),
                           rounds=rounds, note=note, connections=connections)

    def single(self, name, server, path, script, seconds, connections, note=""):
        stats = self.run(server, path, script, seconds=seconds, connections=connections)
        stats.update({"case": name, "path": path, "note": note, "connections": connections,
                      "peak_rss_mib": server.peak_rss_mib()})
        if "statuses" in stats:
            expected = sum(v for k, v in stats["statuses"].items() if k in (200, 401))
            stats["non_2xx"] = sum(stats["statuses"].values()) - expected
        self.results.append(stats)
        print(f"  {name:<32} {stats['rps']:>9.1f} req/s  cpu {stats.get('cpu_us', 0):.0f} us/req  "
              f"p99 {stats['p99_ms']} ms  statuses {stats.get('statuses', '-')}  "
              f"errors {stats['non_2xx'] + stats['socket_errors']}", flush=True)
        return stats

    def logins(self):
        """Login throughput against what one hash per core gives, then JWT latency during
        a storm of logins."""
        form = urllib.parse.urlencode({"username": "bench", "password": PASSWORD})
        wrong = urllib.parse.urlencode({"username": "bench", "password": "not-the-password"})
        one = lua_script(self.workdir, "login", "POST", form, {"Content-Type": "application/x-www-form-urlencoded"})
        single = self.single("POST /api/token/, 1 connection", self.demo, "/api/token/", one,
                             max(4, self.seconds), 1, note="one hash at a time")
        cpus = os.cpu_count() or 1
        storm = storm_script(self.workdir, "/api/token/", form, wrong)
        alone = self.single("login storm alone", self.demo, "/api/token/", storm, self.seconds * 2, 16,
                            note="right and wrong passwords, random client addresses; 16 connections")
        # One hash per core: the cores over the CPU one login costs (measured in the
        # storm itself; the one-connection run above also waits on round trips).
        capacity = cpus * 1e6 / alone["cpu_us"] if alone.get("cpu_us") else single["rps"] * cpus
        alone["capacity_rps"] = capacity
        alone["ratio"] = alone["rps"] / capacity if capacity else None
        # JWT while the storm runs, against JWT alone just before: p99 per round.
        jwt_script = lua_script(self.workdir, "storm-jwt", "GET", None, self.headers("jwt"))
        factors, quiet_runs, storm_runs, storms = [], [], [], []
        for _ in range(max(1, self.args.rounds)):
            quiet = self.run(self.demo, "/api/accounts/profile/", jwt_script)
            box = {}

            def hammer():
                stats, _ = wrk(self.demo.url("/api/token/"), storm, self.seconds + 2, 16, threads=1)
                box.update(stats)

            thread = threading.Thread(target=hammer)
            thread.start()
            time.sleep(1.0)
            loud = self.run(self.demo, "/api/accounts/profile/", jwt_script)
            thread.join()
            quiet_runs.append(quiet)
            storm_runs.append(loud)
            storms.append(box)
            if quiet["p99_ms"] and loud["p99_ms"]:
                factors.append(loud["p99_ms"] / quiet["p99_ms"])
        statuses = {}
        for b in storms:
            for k, v in (b.get("statuses") or {}).items():
                statuses[k] = statuses.get(k, 0) + v
        unexpected = sum(v for k, v in statuses.items() if k not in (200, 401))
        stats = {
            "case": "jwt during login storm", "path": "/api/accounts/profile/", "connections": self.args.connections,
            "note": "storm: POST /api/token/ at 16 connections", "rps": median([r["rps"] for r in storm_runs]),
            "quiet_rps": median([r["rps"] for r in quiet_runs]),
            "p50_ms": median([r["p50_ms"] or 0 for r in storm_runs]),
            "p99_ms": median([r["p99_ms"] or 0 for r in storm_runs]),
            "quiet_p99_ms": median([r["p99_ms"] or 0 for r in quiet_runs]),
            "p99_factor": median(factors), "round_factors": factors,
            "non_2xx": sum(r["non_2xx"] for r in storm_runs + quiet_runs) + unexpected,
            "socket_errors": sum(r["socket_errors"] for r in storm_runs + quiet_runs)
            + sum(b.get("socket_errors", 0) for b in storms),
            "storm_rps": median([b.get("rps", 0) for b in storms]), "storm_statuses": statuses,
            "cpu_us": median([r.get("cpu_us") or 0.0 for r in storm_runs]),
            "peak_rss_mib": self.demo.peak_rss_mib(),
        }
        self.results.append(stats)
        print(f"  {stats['case']:<32} {stats['rps']:>9.0f} req/s (quiet {stats['quiet_rps']:.0f})  "
              f"p99 {stats['p99_ms']} ms vs quiet {stats['quiet_p99_ms']} ms: x{stats['p99_factor']:.2f} "
              f"(rounds {', '.join(f'{f:.2f}' for f in factors)})  storm {stats['storm_rps']:.1f} req/s "
              f"{statuses}  errors {stats['non_2xx'] + stats['socket_errors']}", flush=True)

    # ---- the run ---------------------------------------------------------------------

    def run_all(self):
        a = self.args
        print(f"== {self.kind}, {self.seconds} s per run, {a.rounds} paired rounds, {a.connections} connections "
              f"(wrk, loopback); reference: bench-bare, a bare poem-openapi app")
        self.demo.cli("migrate")
        self.demo.start()
        self.bare.start()
        try:
            self.seed_credentials()
            self.seed_rows(1000)
            print("-- the stack: demo-api's unauthenticated baseline, quiet and logging to a file")
            self.paired("baseline", (self.demo, "/api/bench/baseline/",
                                     lua_script(self.workdir, "baseline-case", "GET", None, {})))
            self.logging.start()
            try:
                self.paired("baseline, default logging to a file",
                            (self.logging, "/api/bench/baseline/",
                             lua_script(self.workdir, "logging", "GET", None, {})),
                            note="INFO: one access line per request, non-blocking, to a file")
            finally:
                self.logging.stop()
            print("-- schemes: GET /api/accounts/profile/ (10^3 users, sessions, tokens, blacklist rows)")
            for scheme in ["jwt", "session", "token", "oauth2"]:
                self.profile(scheme)
            if not a.quick:
                # One client: the brute-force protection lets one address have one
                # password check running and four waiting (more would be 429).
                self.profile("basic", note="argon2id per request (OWASP parameters), one client", rounds=1,
                             connections=4)
                print("-- logins")
                self.logins()
            print("-- growth: 10^6 users, sessions, tokens, blacklist rows")
            self.seed_rows(1_000_000 if not a.quick else 100_000)
            for scheme in ["jwt", "session", "token", "oauth2"]:
                self.profile(scheme, name=f"{scheme} @10^6" if not a.quick else f"{scheme} @10^5")
            if not a.quick:
                # What the credential cache buys: the same lookups with one query each.
                print("-- no credential cache (credential_cache_ttl = 0), 10^6 rows")
                self.demo.stop()
                self.demo.env["AUTH_CREDENTIAL_CACHE_TTL"] = "0"
                self.demo.start()
                for scheme in ["jwt", "session", "token", "oauth2"]:
                    self.profile(scheme, name=f"{scheme} @10^6, no cache",
                                 note="one indexed query per request; no cache to invalidate")
        finally:
            self.demo.stop()
            self.bare.stop()
        self.report()

    def report(self):
        checks = report.targets(self.results)
        meta = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "database": self.kind,
            "seconds_per_run": self.seconds,
            "rounds": self.args.rounds,
            "connections": self.args.connections,
            "cpus": os.cpu_count(),
            "load": os.getloadavg(),
            "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0:1],
        }
        out_dir = os.path.join(HERE, "results")
        os.makedirs(out_dir, exist_ok=True)
        suffix = "" if self.kind == "sqlite" else "-postgres"
        with open(os.path.join(out_dir, f"latest{suffix}.json"), "w") as f:
            json.dump({"meta": meta, "cases": self.results, "targets": checks}, f, indent=2)
        md = report.markdown(meta, checks, self.results)
        with open(os.path.join(out_dir, f"latest{suffix}.md"), "w") as f:
            f.write(md)
        if self.kind == "sqlite":
            with open(os.path.join(ROOT, "docs", "performance.svg"), "w") as f:
                f.write(report.svg(self.results))
        print()
        print(md)
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self.created_db:
            subprocess.run(["psql", self.admin_url, "-q", "-c", f"DROP DATABASE IF EXISTS {self.created_db}"],
                           check=False, capture_output=True)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--binary", required=True, help="the release demo-api")
    p.add_argument("--bare", required=True, help="the release bench-bare")
    p.add_argument("--postgres", help="a PostgreSQL URL to benchmark instead of SQLite")
    p.add_argument("--duration", type=int, default=9, help="seconds per case and app (split over the rounds)")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--rounds", type=int, default=3, help="paired rounds per case")
    p.add_argument("--quick", action="store_true", help="fewer cases and 10^5 rows: a smoke run")
    p.add_argument("--verbose", action="store_true")
    Bench(p.parse_args()).run_all()


if __name__ == "__main__":
    sys.exit(main())
