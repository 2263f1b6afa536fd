#!/usr/bin/env python3
"""Black-box attack harness for demo-api (poem + auth-runtime).

Python 3.11 standard library only. Each attack starts a fresh `demo-api serve` on a
free loopback port, in a fresh temporary directory with its own SQLite file, runs
the attack over HTTP (or raw sockets), prints what it observed and a verdict:

    VULNERABLE    the server did not do what the fixed behaviour ("must") requires
    REFUSED       the server did what the "must" says
    INCONCLUSIVE  the attack could not be carried out (the block says why)

Usage:
    python3 tests/attacks/attacks.py --binary PATH/demo-api [--only 1,2,...]

Distinct client addresses are 127.0.0.2, 127.0.0.3, ... (Linux routes all of
127.0.0.0/8 to loopback); the server binds 127.0.0.1. All traffic stays on loopback;
every loop is bounded in count and time.
"""

import argparse
import base64
import hashlib
import hmac
import html
import http.client
import json
import os
import random
import re
import resource
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

HOST = "127.0.0.1"
PASSWORD = "testpass123"
FAST_ARGON = {
    "AUTH_PASSWORD__ARGON2_MEMORY_KIB": "8192",
    "AUTH_PASSWORD__ARGON2_ITERATIONS": "1",
}

# --------------------------------------------------------------------------- output


def out(msg=""):
    print(msg, flush=True)


def obs(msg):
    out("  " + msg)


# --------------------------------------------------------------------------- HTTP


class Resp:
    def __init__(self, status=None, headers=None, body=b"", elapsed=0.0, error=None):
        self.status = status
        self.headers = headers or []
        self.body = body
        self.elapsed = elapsed
        self.error = error

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def headers_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return json.loads(self.body)
        except Exception:
            return None

    def short(self, n=240):
        t = self.text.replace("\n", " ")
        return t if len(t) <= n else t[:n] + "..."

    def code(self):
        return self.status if self.status is not None else "ERR(%s)" % self.error


def encode_body(json_body=None, form=None, body=None, headers=None):
    headers = dict(headers or {})
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif form is not None:
        body = urllib.parse.urlencode(form).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif isinstance(body, str):
        body = body.encode()
    return body, headers


def request(port, method, path, json_body=None, form=None, body=None, headers=None,
            src=HOST, timeout=30.0):
    body, headers = encode_body(json_body, form, body, headers)
    headers.setdefault("Connection", "close")
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(src, 0))
    t0 = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        return Resp(r.status, r.getheaders(), data, time.monotonic() - t0)
    except Exception as e:  # noqa: BLE001 - every failure is an observation
        return Resp(None, [], b"", time.monotonic() - t0, repr(e))
    finally:
        conn.close()


class Burst:
    """Many requests, each on its own connection opened beforehand, released together
    by a threading.Barrier."""

    def __init__(self, port, specs, timeout=90.0):
        self.port = port
        self.specs = specs
        self.timeout = timeout
        self.results = [None] * len(specs)
        self.barrier = threading.Barrier(len(specs) + 1)
        self.threads = []
        self.released_at = None

    def _worker(self, i, spec):
        body, headers = encode_body(spec.get("json"), spec.get("form"), spec.get("body"),
                                    spec.get("headers"))
        headers.setdefault("Connection", "close")
        src = spec.get("src", HOST)
        conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout,
                                          source_address=(src, 0))
        err = None
        try:
            conn.connect()
        except Exception as e:  # noqa: BLE001
            err = repr(e)
        try:
            self.barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass
        t0 = time.monotonic()
        if err is not None:
            self.results[i] = Resp(None, [], b"", 0.0, err)
            conn.close()
            return
        try:
            conn.request(spec.get("method", "POST"), spec["path"], body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            self.results[i] = Resp(r.status, r.getheaders(), data, time.monotonic() - t0)
        except Exception as e:  # noqa: BLE001
            self.results[i] = Resp(None, [], b"", time.monotonic() - t0, repr(e))
        finally:
            conn.close()

    def start(self):
        for i, spec in enumerate(self.specs):
            t = threading.Thread(target=self._worker, args=(i, spec), daemon=True)
            t.start()
            self.threads.append(t)
        self.barrier.wait(timeout=60)
        self.released_at = time.monotonic()
        return self

    def join(self):
        deadline = time.monotonic() + self.timeout + 30
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))
        return [r if r is not None else Resp(None, error="no result") for r in self.results]

    def run(self):
        return self.start().join()


def status_counts(resps):
    counts = {}
    for r in resps:
        k = str(r.code()) if r.status is not None else "error"
        counts[k] = counts.get(k, 0) + 1
    return dict(sorted(counts.items()))


# --------------------------------------------------------------------------- server


class Server:
    """A demo-api process in its own temporary directory and SQLite file."""

    def __init__(self, binary, name, env=None, fast_argon=True, workdir=None, db=None,
                 preexec_fn=None):
        self.binary = binary
        self.dir = workdir or tempfile.mkdtemp(prefix="attack-%s-" % name)
        self.db = db or os.path.join(self.dir, "demo.sqlite3")
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("AUTH_") or k in ("DATABASE_URL", "RUST_LOG"):
                del self.env[k]
        self.env["DATABASE_URL"] = "sqlite://" + self.db
        self.env["RUST_LOG"] = "warn"
        if fast_argon:
            self.env.update(FAST_ARGON)
        self.env.update(env or {})
        self.preexec_fn = preexec_fn
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.dir, "server.log")
        self._log = None

    def cli(self, *args, timeout=120):
        p = subprocess.run([self.binary, *args], env=self.env, cwd=self.dir,
                           capture_output=True, text=True, timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError("%s %s failed (%d): %s" % (os.path.basename(self.binary),
                                                          " ".join(args), p.returncode,
                                                          p.stderr.strip()[-500:]))
        return p.stdout

    def cli_json(self, *args):
        text = self.cli(*args)
        start = text.find("{")
        return json.loads(text[start:])

    def start(self, bind="127.0.0.1:0", timeout=60):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary, "serve", "--bind", bind], env=self.env,
                                     cwd=self.dir, stdout=subprocess.PIPE, stderr=self._log,
                                     stdin=subprocess.DEVNULL, preexec_fn=self.preexec_fn)
        line_box = []

        def reader():
            for raw in self.proc.stdout:
                line = raw.decode("utf-8", "replace")
                if "serving on" in line and not line_box:
                    line_box.append(line)
            # drain until exit

        threading.Thread(target=reader, daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not line_box:
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not line_box:
            self.stop()
            tail = ""
            try:
                with open(self.log_path, "rb") as f:
                    tail = f.read()[-800:].decode("utf-8", "replace")
            except OSError:
                pass
            raise RuntimeError("server did not start: %s" % tail)
        m = re.search(r"http://[^\s:]+:(\d+)", line_box[0])
        self.port = int(m.group(1))
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self._log:
            self._log.close()
            self._log = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- HTTP shortcuts
    def req(self, method, path, **kw):
        return request(self.port, method, path, **kw)

    def register(self, username, password=PASSWORD, email=None, src=HOST):
        return self.req("POST", "/api/accounts/register/", src=src, json_body={
            "username": username, "email": email or "%s@example.com" % username,
            "password": password})

    def jwt_pair(self, username, password=PASSWORD, src=HOST):
        r = self.req("POST", "/api/token/", json_body={"username": username, "password": password},
                     src=src)
        j = r.json() or {}
        return r, j.get("access"), j.get("refresh")

    def session_login(self, username, password=PASSWORD):
        r = self.req("POST", "/api/accounts/login/",
                     json_body={"username": username, "password": password})
        return r, cookie_value(r, "sessionid")

    def oauth_password_token(self, client_id, client_secret, username, password=PASSWORD,
                             scope=None):
        form = {"grant_type": "password", "username": username, "password": password,
                "client_id": client_id}
        if client_secret:
            form["client_secret"] = client_secret
        if scope is not None:
            form["scope"] = scope
        r = self.req("POST", "/o/token/", form=form)
        return r, (r.json() or {}).get("access_token")

    def db_query(self, sql, args=()):
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()


def cookie_value(resp, name):
    for v in resp.headers_all("Set-Cookie"):
        first = v.split(";", 1)[0]
        if "=" in first:
            k, val = first.split("=", 1)
            if k.strip() == name:
                return val.strip()
    return None


def is_4xx(resp):
    return resp.status is not None and 400 <= resp.status < 500


def bearer(tok):
    return {"Authorization": "Bearer %s" % tok}


# --------------------------------------------------------------------------- JWT


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge_hs256(key_bytes, claims):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = ("%s.%s" % (header, payload)).encode()
    sig = hmac.new(key_bytes, signing_input, hashlib.sha256).digest()
    return "%s.%s.%s" % (header, payload, b64url(sig))


def jwt_claims(token):
    try:
        part = token.split(".")[1]
        part += "=" * (-len(part) % 4)
        return json.loads(base64.urlsafe_b64decode(part))
    except Exception:
        return {}


def base_claims(user_id, ver, lifetime=600):
    now = int(time.time())
    return {"token_type": "access", "exp": now + lifetime, "iat": now,
            "jti": secrets.token_hex(16), "user_id": user_id, "ver": ver}


def rand_name(prefix="u"):
    return "%s%s" % (prefix, secrets.token_hex(5))


# --------------------------------------------------------------------------- attacks

ATTACKS = {}


def attack(n, title):
    def deco(fn):
        ATTACKS[n] = (title, fn)
        return fn
    return deco


class Verdict(Exception):
    pass


@attack(1, "Brute force by concurrency (per-username 5/15m, per-address 100/15m)")
def a1(ctx):
    s = ctx.server("a1")
    s.start()
    victim = "victim"
    r = s.register(victim)
    obs("register %s: %s" % (victim, r.code()))
    right_at = 35
    specs = []
    for i in range(40):
        pw = PASSWORD if i == right_at else "wrong-%d-%s" % (i, secrets.token_hex(3))
        specs.append({"path": "/api/token/", "json": {"username": victim, "password": pw},
                      "src": "127.0.0.2"})
    res = Burst(s.port, specs).run()
    counts = status_counts(res)
    # evaluated = the password was checked: 200 (tokens) or 401 (wrong password);
    # 429, a 503 "busy" or a dropped connection checked nothing
    evaluated = [r for r in res if r.status in (200, 401)]
    wrong_evaluated = sum(1 for i, r in enumerate(res) if i != right_at and r.status in (200, 401))
    right = res[right_at]
    right_tokens = right.status == 200 and bool((right.json() or {}).get("access"))
    obs("part 1: 40 simultaneous POST /api/token/ for %r from 127.0.0.2 "
        "(39 wrong, right password at index %d)" % (victim, right_at))
    obs("  statuses: %s" % counts)
    obs("  evaluated (200/401): %d, of which wrong passwords: %d" % (len(evaluated),
                                                                   wrong_evaluated))
    obs("  right password: status %s, tokens issued: %s" % (right.code(), right_tokens))
    follow = s.req("POST", "/api/token/", json_body={"username": victim, "password": PASSWORD},
                   src="127.0.0.2")
    follow_tokens = follow.status == 200
    obs("  follow-up right password after the burst: status %s (tokens: %s)"
        % (follow.code(), follow_tokens))
    # Once the burst has spent the window, the right password gets nothing; if the right
    # guess was itself among the evaluated ones, the attacker already had tokens (and a
    # success is no failure), so a follow-up success adds nothing.
    part1_ok = (wrong_evaluated <= 5 and len(evaluated) <= 6
                and (not follow_tokens or right_tokens))

    specs = [{"path": "/api/token/",
              "json": {"username": "nobody%03d" % i, "password": "wrong-%d" % i},
              "src": "127.0.0.5"} for i in range(150)]
    res2 = Burst(s.port, specs).run()
    counts2 = status_counts(res2)
    evaluated2 = sum(1 for r in res2 if r.status in (200, 401))
    errors2 = sum(1 for r in res2 if r.status is None)
    obs("part 2: 150 simultaneous wrong logins, 150 different usernames, from 127.0.0.5")
    obs("  statuses: %s" % counts2)
    obs("  evaluated (200/401): %d (limit 100 per address)%s"
        % (evaluated2, ", transport errors: %d" % errors2 if errors2 else ""))
    part2_ok = evaluated2 <= 100
    obs("part 1 %s, part 2 %s" % ("held" if part1_ok else "BROKEN",
                                  "held" if part2_ok else "BROKEN"))
    return part1_ok and part2_ok


@attack(2, "Hash-queue exhaustion (default argon2 cost)")
def a2(ctx):
    s = ctx.server("a2", fast_argon=False)
    s.start()
    legit = "legit"
    r = s.register(legit, src="127.0.0.3")
    obs("register %s: %s (%.3fs)" % (legit, r.code(), r.elapsed))
    quiet = []
    for _ in range(5):
        r, access, _ = s.jwt_pair(legit, src="127.0.0.3")
        quiet.append(r.elapsed)
        if r.status != 200:
            obs("quiet login failed: %s %s" % (r.code(), r.short()))
    q = statistics.median(quiet)
    obs("quiet legit login latency (127.0.0.3): median %.3fs of %s"
        % (q, ["%.3f" % x for x in quiet]))
    specs = [{"path": "/api/token/",
              "json": {"username": rand_name("junk"), "password": secrets.token_hex(8)},
              "src": "127.0.0.2"} for _ in range(250)]
    burst = Burst(s.port, specs, timeout=120).start()
    time.sleep(max(0.0, burst.released_at + 0.5 - time.monotonic()))
    lr, _, _ = s.jwt_pair(legit, src="127.0.0.3")
    res = burst.join()
    ratio = lr.elapsed / q if q > 0 else float("inf")
    junk_lat = sorted(r.elapsed for r in res if r.status is not None)
    obs("250 concurrent junk logins from 127.0.0.2: statuses %s" % status_counts(res))
    if junk_lat:
        obs("  junk latency: min %.3fs, median %.3fs, max %.3fs"
            % (junk_lat[0], statistics.median(junk_lat), junk_lat[-1]))
    obs("legit login 0.5s into the flood: status %s, latency %.3fs" % (lr.code(), lr.elapsed))
    obs("ratio legit-under-flood / quiet = %.1fx (must be <= 2x)" % ratio)
    return lr.status == 200 and ratio <= 2.0


@attack(3, "Lockout as a weapon (victim locked out by another address)")
def a3(ctx):
    s = ctx.server("a3")
    s.start()
    victim = "victim"
    obs("register %s: %s" % (victim, s.register(victim).code()))
    a_codes = []
    for i in range(6):
        r, _, _ = s.jwt_pair(victim, password="wrong-%d" % i, src="127.0.0.2")
        a_codes.append(r.code())
    obs("address A (127.0.0.2), 6 wrong logins for %r: %s" % (victim, a_codes))
    rb = s.req("POST", "/api/token/", json_body={"username": victim, "password": PASSWORD},
               src="127.0.0.3", timeout=40)
    got = rb.status == 200 and bool((rb.json() or {}).get("access"))
    obs("address B (127.0.0.3), right password: status %s, tokens: %s, latency %.3fs%s"
        % (rb.code(), got, rb.elapsed,
           "" if got else ", body: %s" % rb.short(160)))
    ra, _, _ = s.jwt_pair(victim, password="wrong-again", src="127.0.0.2")
    obs("address A again (wrong password): status %s" % ra.code())
    a_refused = a_codes[5] == 429
    obs("A refused after its 5 failures: %s; B got tokens: %s" % (a_refused, got))
    return got and a_refused


@attack(4, "Database dump mints admin tokens (no secret configured)")
def a4(ctx):
    s = ctx.server("a4")
    s.cli("createsuperuser", "--username", "admin", "--email", "admin@example.com",
          "--password", "adminpass123")
    s.start()
    # a copy of the SQLite file only, through the backup API (consistent with WAL)
    copy_dir = tempfile.mkdtemp(prefix="attack-a4-copy-")
    ctx.dirs.append(copy_dir)
    copy_db = os.path.join(copy_dir, "demo.sqlite3")
    src = sqlite3.connect("file:%s?mode=ro" % s.db, uri=True, timeout=10)
    dst = sqlite3.connect(copy_db)
    src.backup(dst)
    src.close()
    dst.close()
    obs("copied %s -> %s (sqlite3 backup API; nothing else copied)" % (s.db, copy_db))
    con = sqlite3.connect(copy_db)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    admin = con.execute("SELECT id, auth_version FROM auth_users WHERE username='admin'").fetchone()
    secrets_rows = []
    if "auth_secrets" in tables:
        secrets_rows = con.execute("SELECT name, value FROM auth_secrets").fetchall()
    con.close()
    obs("tables in the copy: %s" % ", ".join(sorted(tables)))
    obs("admin row: id=%s auth_version=%s" % (admin[0], admin[1]) if admin else "no admin row")
    obs("auth_secrets rows: %s" % ([(n, "%d chars" % len(v)) for n, v in secrets_rows]
                                    if "auth_secrets" in tables else "table absent"))
    forged_ok = []
    if admin and secrets_rows:
        for name, value in secrets_rows:
            key = hashlib.sha512(b"auth-runtime.jwt" + value.encode()).hexdigest().encode()
            tok = forge_hs256(key, base_claims(admin[0], admin[1]))
            r = s.req("GET", "/api/accounts/users/", headers=bearer(tok))
            obs("(a) forged HS256 (key = hex SHA512('auth-runtime.jwt' + auth_secrets[%r])) "
                "on original server GET /api/accounts/users/: %s %s"
                % (name, r.code(), r.short(120)))
            if r.status == 200:
                forged_ok.append(name)
    else:
        obs("(a) no secret in the copy to forge with")
    secret_present = any(n == "secret_key" or "secret" in n for n, _ in secrets_rows)

    # (b) a second server on the copied file, a JWT from the first one
    r, access, _ = s.jwt_pair("admin", "adminpass123")
    obs("(b) JWT obtained from the original server as admin: %s" % r.code())
    b_ok = False
    try:
        s2 = ctx.server("a4b", workdir=copy_dir, db=copy_db)
        s2.start()
        r1 = s.req("GET", "/api/accounts/users/", headers=bearer(access))
        r2 = s2.req("GET", "/api/accounts/users/", headers=bearer(access))
        obs("(b) that JWT on the original server: %s; on the second server (copied DB): %s %s"
            % (r1.code(), r2.code(), r2.short(120)))
        b_ok = r2.status == 200
    except RuntimeError as e:
        obs("(b) second server on the copy did not start: %s" % e)
    obs("forged token accepted: %s; copied-DB server accepts original JWT: %s; "
        "secret row in the copy: %s" % (bool(forged_ok), b_ok, secret_present))
    return not forged_ok and not b_ok and not secret_present


@attack(5, "Login CSRF (cross-site form login)")
def a5(ctx):
    s = ctx.server("a5")
    s.start()
    user = "alice"
    obs("register %s: %s" % (user, s.register(user).code()))
    evil = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    r = s.req("POST", "/api/accounts/login/", form={"username": user, "password": PASSWORD},
              headers=evil)
    sid = cookie_value(r, "sessionid")
    obs("POST /api/accounts/login/ (form, Origin evil, Sec-Fetch-Site cross-site): %s %s; "
        "Set-Cookie sessionid: %s" % (r.code(), r.short(100), "yes" if sid else "no"))
    r2 = s.req("POST", "/o/login/", form={"username": user, "password": PASSWORD, "next": "/docs"},
               headers=evil)
    sid2 = cookie_value(r2, "sessionid")
    obs("POST /o/login/ (same): %s; Set-Cookie sessionid: %s" % (r2.code(),
                                                               "yes" if sid2 else "no"))
    return (r.status != 200 and not sid) and (r2.status not in (200, 302) and not sid2)


@attack(6, "Basic is ambient (advertised; cross-site form POST with Basic)")
def a6(ctx):
    s = ctx.server("a6")
    s.start()
    user = "alice"
    obs("register %s: %s" % (user, s.register(user).code()))
    r = s.req("GET", "/api/accounts/profile/")
    chal = r.headers_all("WWW-Authenticate")
    obs("(a) GET /api/accounts/profile/ without credentials: %s; WWW-Authenticate: %s"
        % (r.code(), chal))
    basic_advertised = any(c.strip().lower().startswith("basic") for c in chal)
    others = [c for c in chal if not c.strip().lower().startswith("basic")]
    obs("    Basic advertised: %s (other challenges: %d)" % (basic_advertised, len(others)))
    basic = "Basic " + base64.b64encode(("%s:%s" % (user, PASSWORD)).encode()).decode()
    evil = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site",
            "Authorization": basic}
    count_articles = lambda: s.db_query("SELECT COUNT(*) FROM demo_articles")[0][0]  # noqa: E731
    before_articles = count_articles()
    ra = s.req("POST", "/api/articles/", form={"title": "x", "body": "y"}, headers=evil)
    rt = s.req("POST", "/api/tokens/", form={"name": "x"}, headers=evil)
    obs("(b) cross-site form POST /api/articles/ with Basic: %s %s" % (ra.code(), ra.short(100)))
    obs("    cross-site form POST /api/tokens/ with Basic: %s %s" % (rt.code(), rt.short(100)))
    n_art = count_articles() - before_articles
    n_tok = s.db_query("SELECT COUNT(*) FROM auth_api_tokens WHERE name = 'x'")[0][0]
    obs("    created: %d article(s), %d token(s) named 'x'" % (n_art, n_tok))
    refused = (ra.status is not None and 400 <= ra.status < 500 and rt.status is not None
               and 400 <= rt.status < 500 and n_art == 0 and n_tok == 0)
    return refused and not (basic_advertised and others)


@attack(7, "Configured iss/aud not required")
def a7(ctx):
    key = "K7" * 24  # 48 characters, letters and digits
    assert len(key) == 48
    s = ctx.server("a7", env={
        "AUTH_SECRET_KEY": key, "AUTH_JWT__SIGNING_KEY": key,
        "AUTH_JWT__ISSUER": "https://issuer.example", "AUTH_JWT__AUDIENCE": "api"})
    s.start()
    user = "alice"
    reg = s.register(user)
    uid = (reg.json() or {}).get("id")
    ver = s.db_query("SELECT auth_version FROM auth_users WHERE id = ?", (uid,))[0][0]
    obs("register %s: %s (id %s, auth_version %s)" % (user, reg.code(), uid, ver))
    r, access, _ = s.jwt_pair(user)
    c = jwt_claims(access or "")
    obs("server-issued token carries iss=%r aud=%r" % (c.get("iss"), c.get("aud")))
    cases = [
        ("(i) no iss", {"aud": "api"}),
        ("(ii) no aud", {"iss": "https://issuer.example"}),
        ("(iii) wrong iss", {"iss": "https://evil.example", "aud": "api"}),
        ("(iv) wrong aud", {"iss": "https://issuer.example", "aud": "other"}),
        ("(v) both right", {"iss": "https://issuer.example", "aud": "api"}),
    ]
    ok = True
    for label, extra in cases:
        claims = base_claims(uid, ver)
        claims.update(extra)
        tok = forge_hs256(key.encode(), claims)
        rp = s.req("GET", "/api/accounts/profile/", headers=bearer(tok))
        rv = s.req("POST", "/api/token/verify/", json_body={"token": tok})
        obs("%-16s profile: %s  verify: %s" % (label, rp.code(), rv.code()))
        if label.startswith("(v)"):
            ok = ok and rp.status == 200 and rv.status == 200
        else:
            ok = ok and is_4xx(rp) and is_4xx(rv)
    return ok


@attack(8, "Scopes at framework endpoints (read-only OAuth2 token writes)")
def a8(ctx):
    s = ctx.server("a8")
    app = s.cli_json("create-oauth-app", "--name", "App8", "--client-type", "confidential",
                     "--grant-type", "password")
    s.start()
    user = "alice"
    obs("register %s: %s" % (user, s.register(user).code()))
    r, read_tok = s.oauth_password_token(app["client_id"], app["client_secret"], user, scope="read")
    obs("password grant scope=read: %s scope=%r" % (r.code(), (r.json() or {}).get("scope")))
    r2, other_tok = s.oauth_password_token(app["client_id"], app["client_secret"], user)
    obs("second password grant (default scopes): %s scope=%r"
        % (r2.code(), (r2.json() or {}).get("scope")))
    lst = s.req("GET", "/o/authorized_tokens/", headers=bearer(read_tok))
    items = lst.json() if isinstance(lst.json(), list) else None
    obs("GET /o/authorized_tokens/ with the read token: %s, %s grant(s)"
        % (lst.code(), len(items) if items is not None else "?"))
    if items is None:
        lst = s.req("GET", "/o/authorized_tokens/", headers=bearer(other_tok))
        items = lst.json() if isinstance(lst.json(), list) else []
        obs("  (listed with the second token instead: %s, %d grant(s))"
            % (lst.code(), len(items)))
    target = None
    for it in sorted(items, key=lambda x: x.get("id", 0), reverse=True):
        if it.get("scope") != "read":
            target = it.get("id")
            break
    if target is None and len(items) >= 2:
        target = max(it.get("id", 0) for it in items)
    rc = s.req("POST", "/o/applications/", headers=bearer(read_tok), json_body={
        "name": "x", "client_type": "confidential", "grant_types": ["password"],
        "redirect_uris": []})
    obs("POST /o/applications/ with the read token: %s %s" % (rc.code(), rc.short(100)))
    if target is None:
        obs("no second grant found to delete")
        raise Verdict("INCONCLUSIVE: no second grant listed")
    rd = s.req("DELETE", "/o/authorized_tokens/%s/" % target, headers=bearer(read_tok))
    obs("DELETE /o/authorized_tokens/%s/ (the other grant) with the read token: %s"
        % (target, rd.code()))
    chk = s.req("GET", "/api/accounts/profile/", headers=bearer(other_tok))
    obs("the other grant's token afterwards on /api/accounts/profile/: %s" % chk.code())
    refused = lambda x: x.status in (401, 403)  # noqa: E731
    return refused(rc) and refused(rd) and chk.status == 200


def consent_fields(page):
    fields = {}
    for m in re.finditer(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page):
        fields[html.unescape(m.group(1))] = html.unescape(m.group(2))
    return fields


def approve(s, sid, query):
    """GET the consent page with the session cookie, POST it back with allow=true.
    Returns (get_resp, post_resp_or_None)."""
    cookie = {"Cookie": "sessionid=%s" % sid}
    g = s.req("GET", "/o/authorize/?" + urllib.parse.urlencode(query), headers=cookie)
    if g.status != 200 or "csrf_token" not in g.text:
        return g, None
    fields = consent_fields(g.text)
    fields["allow"] = "true"
    p = s.req("POST", "/o/authorize/", form=fields, headers=cookie)
    return g, p


@attack(9, "Redirect URIs through whitespace")
def a9(ctx):
    s = ctx.server("a9")
    s.start()
    user = "alice"
    obs("register %s: %s" % (user, s.register(user).code()))
    _, access, _ = s.jwt_pair(user)
    _, sid = s.session_login(user)
    cases = [("space", "https://ok.example/cb javascript:alert(1)//", "javascript:alert(1)//"),
             ("tab", "https://ok.example/cb\thttp://evil.example/", "http://evil.example/")]
    ok = True
    for label, uri, smuggled in cases:
        r = s.req("POST", "/o/applications/", headers=bearer(access), json_body={
            "name": "App9", "client_type": "confidential",
            "grant_types": ["authorization_code"], "redirect_uris": [uri]})
        j = r.json() or {}
        obs("%s: register redirect_uris [%r]: %s; stored as %r"
            % (label, uri, r.code(), j.get("redirect_uris", j)))
        if is_4xx(r):
            continue
        ok = False
        if r.status == 201 and sid:
            g, p = approve(s, sid, {"client_id": j["client_id"], "response_type": "code",
                                    "redirect_uri": smuggled})
            obs("  GET /o/authorize/?redirect_uri=%s with session: %s (%s)"
                % (smuggled, g.code(), "consent page" if "csrf_token" in g.text else g.short(80)))
            if p is not None:
                obs("  POST consent allow=true: %s Location: %s" % (p.code(), p.header("Location")))
    return ok


@attack(10, "Open redirector (error redirect to an attacker's registered URI)")
def a10(ctx):
    s = ctx.server("a10")
    s.start()
    user = "mallory"
    obs("register %s: %s" % (user, s.register(user).code()))
    _, access, _ = s.jwt_pair(user)
    r = s.req("POST", "/o/applications/", headers=bearer(access), json_body={
        "name": "Phish", "client_type": "confidential", "grant_types": ["authorization_code"],
        "redirect_uris": ["https://evil.example/phish"]})
    obs("register app with redirect https://evil.example/phish via API: %s" % r.code())
    if r.status == 201:
        cid = r.json()["client_id"]
    else:
        cid = s.cli_json("create-oauth-app", "--name", "Phish", "--client-type", "confidential",
                         "--grant-type", "authorization_code", "--redirect-uri",
                         "https://evil.example/phish")["client_id"]
        obs("  (registered with the CLI instead)")
    g = s.req("GET", "/o/authorize/?" + urllib.parse.urlencode(
        {"client_id": cid, "response_type": "token"}))
    loc = g.header("Location") or ""
    obs("GET /o/authorize/?client_id=..&response_type=token, no cookies: %s Location: %r"
        % (g.code(), loc))
    return not (g.status in (301, 302, 303, 307, 308) and loc.startswith("https://evil.example"))


def leaks(resp, username):
    j = resp.json()
    if resp.status != 200 or not isinstance(j, dict):
        return False
    return bool(j.get("active")) and (j.get("username") == username or "scope" in j)


@attack(11, "Open introspection (public client; self-granted introspection scope)")
def a11(ctx):
    s = ctx.server("a11")
    app1 = s.cli_json("create-oauth-app", "--name", "App1", "--client-type", "confidential",
                      "--grant-type", "password")
    app2 = s.cli_json("create-oauth-app", "--name", "App2", "--client-type", "public",
                      "--grant-type", "password")
    s.start()
    for u in ("alice", "bob"):
        obs("register %s: %s" % (u, s.register(u).code()))
    r, a_tok = s.oauth_password_token(app1["client_id"], app1["client_secret"], "alice")
    obs("alice's token through confidential app 1: %s" % r.code())
    ri = s.req("POST", "/o/introspect/", form={"token": a_tok, "client_id": app2["client_id"]})
    obs("POST /o/introspect/ token=<alice's>&client_id=<public app 2> (no secret): %s %s"
        % (ri.code(), ri.short(200)))
    leak1 = leaks(ri, "alice")
    rb, b_tok = s.oauth_password_token(app1["client_id"], app1["client_secret"], "bob",
                                       scope="introspection")
    jb = rb.json() or {}
    obs("bob asks scope=introspection (password grant, app 1): %s %s"
        % (rb.code(), ("scope=%r" % jb.get("scope")) if rb.status == 200 else rb.short(150)))
    leak2 = False
    if rb.status == 200 and b_tok:
        rb2 = s.req("POST", "/o/introspect/", form={"token": a_tok}, headers=bearer(b_tok))
        obs("  introspect alice's token with Bearer <bob's introspection token>: %s %s"
            % (rb2.code(), rb2.short(200)))
        leak2 = leaks(rb2, "alice")
    obs("public-client introspection leaks: %s; self-granted introspection leaks: %s"
        % (leak1, leak2))
    return not leak1 and not leak2


@attack(12, "Authorization codes burned by a failed exchange")
def a12(ctx):
    s = ctx.server("a12")
    redirect = "https://app.example.com/cb"
    app = s.cli_json("create-oauth-app", "--name", "App12", "--client-type", "confidential",
                     "--grant-type", "authorization_code", "--redirect-uri", redirect)
    s.start()
    user = "alice"
    obs("register %s: %s" % (user, s.register(user).code()))
    lr, sid = s.session_login(user)
    obs("session login: %s, sessionid cookie: %s" % (lr.code(), "yes" if sid else "no"))
    verifier = secrets.token_urlsafe(48)
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    g, p = approve(s, sid, {"response_type": "code", "client_id": app["client_id"],
                            "redirect_uri": redirect, "code_challenge": challenge,
                            "code_challenge_method": "S256"})
    obs("GET /o/authorize/ (consent page): %s; POST consent: %s"
        % (g.code(), p.code() if p else "not sent"))
    loc = p.header("Location") if p else None
    code = urllib.parse.parse_qs(urllib.parse.urlparse(loc or "").query).get("code", [None])[0]
    obs("redirected to %s with code: %s" % ((loc or "")[:40], "yes" if code else "no"))
    if not code:
        raise Verdict("INCONCLUSIVE: no authorization code obtained (%s %s)"
                      % (g.code(), g.short(120)))
    base = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "client_id": app["client_id"], "client_secret": app["client_secret"]}
    bad = dict(base, redirect_uri="https://app.example.com/other")
    rb = s.req("POST", "/o/token/", form=bad)
    obs("exchange with a wrong redirect_uri: %s %s" % (rb.code(), rb.short(140)))
    good = dict(base, redirect_uri=redirect)
    rg = s.req("POST", "/o/token/", form=good)
    got = rg.status == 200 and bool((rg.json() or {}).get("access_token"))
    obs("correct exchange afterwards: %s %s" % (rg.code(), "tokens issued" if got
                                                else rg.short(160)))
    return got


@attack(13, "Confusable usernames (fullwidth)")
def a13(ctx):
    s = ctx.server("a13")
    s.start()
    r1 = s.register("admin")
    r2 = s.register("\uff41\uff44\uff4d\uff49\uff4e")
    obs("register 'admin': %s" % r1.code())
    obs("register '\uff41\uff44\uff4d\uff49\uff4e' (fullwidth): %s %s" % (r2.code(), r2.short(160)))
    return r1.status == 201 and is_4xx(r2)


@attack(14, "Article quota raced and reset by deletions")
def a14(ctx):
    s = ctx.server("a14", env={"AUTH_THROTTLE__RATES__ARTICLE_WRITES": "1000/minute"})
    s.start()
    u1 = "writer1"
    obs("register %s: %s" % (u1, s.register(u1).code()))
    _, tok, _ = s.jwt_pair(u1)
    hdr = bearer(tok)
    codes = []
    for i in range(49):
        codes.append(s.req("POST", "/api/articles/", headers=hdr,
                           json_body={"title": "t", "body": "b"}).status)
    obs("49 sequential creates: %s" % status_counts([Resp(c) for c in codes]))
    if 429 in codes:
        obs("  (the article_writes throttle still applied: the env override did not take)")
    specs = [{"path": "/api/articles/", "json": {"title": "t", "body": "b"}, "headers": hdr}
             for _ in range(30)]
    res = Burst(s.port, specs).run()
    created = sum(1 for r in res if r.status == 201)
    rows = s.db_query("SELECT COUNT(*) FROM demo_articles a JOIN auth_users u "
                      "ON u.id = a.author_id WHERE u.username = ?", (u1,))[0][0]
    obs("then 30 simultaneous creates: %s -> %d created; articles of %s in the DB: %d "
        "(quota 50)" % (status_counts(res), created, u1, rows))
    if 429 not in codes and all(r.status != 429 for r in res):
        obs("  (AUTH_THROTTLE__RATES__ARTICLE_WRITES=1000/minute took effect: %d writes in "
            "under a minute, no 429; the declared rate is 30/minute)" % (len(codes) + len(res)))
    part1 = rows <= 50

    u2 = "writer2"
    obs("register %s: %s" % (u2, s.register(u2).code()))
    _, tok2, _ = s.jwt_pair(u2)
    hdr2 = bearer(tok2)
    ids = []
    c50 = []
    for i in range(50):
        r = s.req("POST", "/api/articles/", headers=hdr2, json_body={"title": "t", "body": "b"})
        c50.append(r.status)
        if r.status == 201:
            ids.append(r.json()["id"])
    dels = [s.req("DELETE", "/api/articles/%d/" % i, headers=hdr2).status for i in ids[:10]]
    more = [s.req("POST", "/api/articles/", headers=hdr2,
                  json_body={"title": "t", "body": "b"}).status for _ in range(10)]
    obs("%s: 50 creates %s; 10 deletes %s; 10 more creates %s"
        % (u2, status_counts([Resp(c) for c in c50]), status_counts([Resp(c) for c in dels]),
           status_counts([Resp(c) for c in more])))
    part2 = sum(1 for c in more if c == 201) == 0
    obs("part 1 (race) %s, part 2 (delete resets quota) %s"
        % ("held" if part1 else "BROKEN", "held" if part2 else "BROKEN"))
    return part1 and part2


def proc_cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        data = f.read()
    fields = data[data.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sock_state(sk):
    """'open', 'closed' (EOF/reset) or 'answered' (the server sent something)."""
    try:
        sk.setblocking(False)
        data = sk.recv(4096, socket.MSG_PEEK)
        return "answered" if data else "closed"
    except BlockingIOError:
        return "open"
    except OSError:
        return "closed"
    finally:
        try:
            sk.setblocking(True)
        except OSError:
            pass


@attack(15, "Slow and idle connections (RLIMIT_NOFILE 128, 140 slow-header connections)")
def a15(ctx):
    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))
    s = ctx.server("a15", preexec_fn=limit)
    s.start()
    base = s.req("GET", "/openapi.json", timeout=5)
    obs("baseline GET /openapi.json: %s in %.3fs" % (base.code(), base.elapsed))
    socks = []
    t0 = time.monotonic()
    connect_err = 0
    for _ in range(140):
        sk = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sk.settimeout(5)
        try:
            sk.bind(("127.0.0.2", 0))
            sk.connect((HOST, s.port))
            sk.sendall(b"GET /api/ HTTP/1.1\r\nHo")
            socks.append(sk)
        except OSError:
            connect_err += 1
            sk.close()
    obs("opened %d slow connections from 127.0.0.2 (%d failed), each sent "
        "'GET /api/ HTTP/1.1\\r\\nHo'" % (len(socks), connect_err))
    stop = threading.Event()
    dead = set()
    drip_bytes = b"st: x"

    def dripper():
        k = 0
        while not stop.wait(10):
            b = drip_bytes[k % len(drip_bytes):k % len(drip_bytes) + 1]
            k += 1
            for i, sk in enumerate(socks):
                if i in dead:
                    continue
                try:
                    sk.send(b)
                except OSError:
                    dead.add(i)

    th = threading.Thread(target=dripper, daemon=True)
    th.start()
    try:
        time.sleep(max(0, t0 + 15 - time.monotonic()))
        legit = request(s.port, "GET", "/openapi.json", src="127.0.0.3", timeout=5)
        obs("t=15s legit GET /openapi.json from a new connection (127.0.0.3, 5s timeout): "
            "%s in %.3fs" % (legit.code(), legit.elapsed))
        c0 = proc_cpu_seconds(s.proc.pid)
        w0 = time.monotonic()
        time.sleep(5)
        cpu = (proc_cpu_seconds(s.proc.pid) - c0) / (time.monotonic() - w0) * 100
        obs("server CPU over 5s under the flood: %.0f%% (of one core)" % cpu)
        time.sleep(max(0, t0 + 30 - time.monotonic()))
        states = {}
        for i, sk in enumerate(socks):
            st = "closed" if i in dead else sock_state(sk)
            states[st] = states.get(st, 0) + 1
        obs("t=30s: of the %d slow connections: %s" % (len(socks), dict(sorted(states.items()))))
    finally:
        stop.set()
        th.join(2)
        for sk in socks:
            try:
                sk.close()
            except OSError:
                pass
    ok = legit.status is not None and legit.elapsed <= 5.0
    return ok and cpu < 50


@attack(16, "Short-lived credentials mint permanent API tokens")
def a16(ctx):
    s = ctx.server("a16", env={"AUTH_TOKEN__LIFETIME": "60",
                               "AUTH_JWT__ACCESS_TOKEN_LIFETIME": "60"})
    obs("server: AUTH_TOKEN__LIFETIME=60 (and AUTH_JWT__ACCESS_TOKEN_LIFETIME=60, so that "
        "both credentials expire in 60 s)")
    s.start()
    user = "alice"
    obs("register %s: %s" % (user, s.register(user).code()))
    r = s.req("POST", "/api/token-auth/", json_body={"username": user, "password": PASSWORD})
    key = (r.json() or {}).get("token")
    _, access, _ = s.jwt_pair(user)
    listing = s.req("GET", "/api/tokens/", headers=bearer(access)).json() or []
    ta = [t for t in listing if isinstance(t, dict) and t.get("name") == "token-auth"]
    key_exp = ta[0].get("expires_at") if ta else None
    jwt_exp = jwt_claims(access or "").get("exp")
    now = int(time.time())
    obs("DRF token from /api/token-auth/: %s, expires_at=%s (now+%s)"
        % (r.code(), key_exp, key_exp - now if key_exp else "?"))
    obs("JWT access exp=%s (now+%s)" % (jwt_exp, jwt_exp - now if jwt_exp else "?"))
    if not key or not access:
        raise Verdict("INCONCLUSIVE: could not obtain the DRF token or the JWT")
    ok = True
    for scheme, hdr, bound in (("Token", {"Authorization": "Token %s" % key}, key_exp or now + 60),
                               ("JWT", bearer(access), jwt_exp or now + 60)):
        for body in ({"name": "x-" + scheme}, {"name": "y-" + scheme, "expires_in": 999999999}):
            rc = s.req("POST", "/api/tokens/", headers=hdr, json_body=body)
            j = rc.json() or {}
            exp = j.get("expires_at")
            if is_4xx(rc):
                verdict = "refused"
            elif rc.status == 201 and exp is not None and exp <= bound + 2:
                verdict = "bounded"
            else:
                verdict = "OUTLIVES the credential"
                ok = False
            obs("%-5s POST /api/tokens/ %s: %s expires_at=%s (%s)"
                % (scheme, json.dumps(body), rc.code(),
                   "never" if rc.status == 201 and exp is None else exp, verdict))
    return ok


@attack(17, "JWT logout claims success")
def a17(ctx):
    s = ctx.server("a17")
    s.start()
    user = "alice"
    obs("register %s: %s" % (user, s.register(user).code()))
    _, access, _ = s.jwt_pair(user)
    lo = s.req("POST", "/api/accounts/logout/", headers=bearer(access))
    obs("POST /api/accounts/logout/ with Bearer <access>: %s %s" % (lo.code(), lo.short(200)))
    pr = s.req("GET", "/api/accounts/profile/", headers=bearer(access))
    obs("GET /api/accounts/profile/ with the same access token afterwards: %s" % pr.code())
    claims_success = (lo.status is not None and 200 <= lo.status < 300
                      and "success" in lo.text.lower())
    return not (claims_success and pr.status == 200)


@attack(18, "Stale session cookie breaks anonymous reads")
def a18(ctx):
    s = ctx.server("a18")
    s.start()
    user = "alice"
    obs("register %s: %s" % (user, s.register(user).code()))
    lr, sid = s.session_login(user)
    lo = s.req("POST", "/api/accounts/logout/", headers={"Cookie": "sessionid=%s" % sid})
    obs("session login: %s; logout with the cookie: %s" % (lr.code(), lo.code()))
    ok = True
    for label, value in (("logged-out session", sid), ("garbage", "garbage")):
        r = s.req("GET", "/api/articles/", headers={"Cookie": "sessionid=%s" % value})
        clears = [c for c in r.headers_all("Set-Cookie") if c.startswith("sessionid=")]
        obs("GET /api/articles/ with Cookie sessionid=<%s>: %s; Set-Cookie sessionid: %s"
            % (label, r.code(), clears[0][:80] if clears else "none"))
        ok = ok and r.status == 200
    return ok


@attack(19, "Basic with two plain words (not base64)")
def a19(ctx):
    s = ctx.server("a19")
    s.start()
    user = "alice"
    obs("register %s: %s" % (user, s.register(user).code()))
    r = s.req("GET", "/api/accounts/profile/",
              headers={"Authorization": "Basic %s %s" % (user, PASSWORD)})
    obs("GET /api/accounts/profile/ with 'Authorization: Basic alice testpass123': %s %s"
        % (r.code(), r.short(120)))
    return r.status in (400, 401)


@attack(20, "Password change revokes older credentials")
def a20(ctx):
    s = ctx.server("a20")
    app = s.cli_json("create-oauth-app", "--name", "App20", "--client-type", "confidential",
                     "--grant-type", "password")
    helptext = subprocess.run([s.binary, "--help"], capture_output=True, text=True,
                              env=s.env, cwd=s.dir, timeout=30).stdout
    cmds = re.findall(r"^\s{2}([a-z][a-z-]+)\s", helptext, re.M)
    s.start()
    user = "alice"
    obs("register %s: %s" % (user, s.register(user).code()))
    r = s.req("POST", "/api/token-auth/", json_body={"username": user, "password": PASSWORD})
    drf = (r.json() or {}).get("token")
    _, access, _ = s.jwt_pair(user)
    _, oauth = s.oauth_password_token(app["client_id"], app["client_secret"], user)
    creds = {"DRF token": {"Authorization": "Token %s" % drf},
             "JWT": bearer(access), "OAuth2 token": bearer(oauth)}
    before = {k: s.req("GET", "/api/accounts/profile/", headers=h).code()
              for k, h in creds.items()}
    obs("credentials before: %s" % before)
    if any(v != 200 for v in before.values()):
        raise Verdict("INCONCLUSIVE: a credential did not work before the password change")
    new_pw = "N3w-passw0rd-%s" % secrets.token_hex(3)
    body = {"old_password": PASSWORD, "new_password": new_pw}
    pc = s.req("POST", "/api/accounts/password/", headers=bearer(access), json_body=body)
    obs("POST /api/accounts/password/ (Bearer JWT): %s %s" % (pc.code(), pc.short(160)))
    if pc.status in (401, 403):
        _, sid = s.session_login(user)
        pc = s.req("POST", "/api/accounts/password/", json_body=body,
                   headers={"Cookie": "sessionid=%s" % sid})
        obs("  retried with a session cookie: %s %s" % (pc.code(), pc.short(160)))
    obs("CLI subcommands: %s (a password-change command: %s)"
        % (", ".join(cmds), any("pass" in c for c in cmds)))
    if pc.status is None or not 200 <= pc.status < 300:
        obs("the password-change endpoint is missing or failed: nothing to revoke with")
        return False
    after = {k: s.req("GET", "/api/accounts/profile/", headers=h).code()
             for k, h in creds.items()}
    obs("old credentials right after the change: %s" % after)
    time.sleep(6)
    later = {k: s.req("GET", "/api/accounts/profile/", headers=h).code()
             for k, h in creds.items()}
    obs("old credentials 6 s later: %s" % later)
    rn, _, _ = s.jwt_pair(user, new_pw)
    obs("login with the new password: %s" % rn.code())
    return all(v in (401, 403) for v in after.values())


# --------------------------------------------------------------------------- main


class Ctx:
    def __init__(self, binary):
        self.binary = binary
        self.servers = []
        self.dirs = []

    def server(self, name, **kw):
        s = Server(self.binary, name, **kw)
        self.servers.append(s)
        return s

    def close(self):
        for s in self.servers:
            s.cleanup()
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True, help="path to the demo-api binary")
    ap.add_argument("--only", help="comma-separated attack numbers (default: all)")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit("not an executable: %s" % binary)
    wanted = sorted(ATTACKS)
    if args.only:
        wanted = [int(x) for x in args.only.split(",") if x.strip()]
    out("# demo-api attack harness")
    out("# binary: %s" % binary)
    out("# started: %s" % time.strftime("%Y-%m-%d %H:%M:%S %z"))
    summary = []
    for n in wanted:
        if n not in ATTACKS:
            out("== attack %d: unknown" % n)
            continue
        title, fn = ATTACKS[n]
        out("== attack %d: %s" % (n, title))
        ctx = Ctx(binary)
        t0 = time.monotonic()
        try:
            verdict = "REFUSED" if fn(ctx) else "VULNERABLE"
        except Verdict as v:
            verdict = str(v)
        except Exception as e:  # noqa: BLE001
            obs("error: %r" % e)
            for line in traceback.format_exc().rstrip().splitlines()[-6:]:
                obs("  " + line)
            verdict = "INCONCLUSIVE (harness error, see above)"
        finally:
            ctx.close()
        obs("(%.1fs)" % (time.monotonic() - t0))
        out("verdict: %s" % verdict)
        out()
        summary.append((n, title, verdict))
    out("# summary")
    for n, title, verdict in summary:
        out("#  %2d  %-11s %s" % (n, verdict.split(" ")[0].rstrip(":"), title))


if __name__ == "__main__":
    main()
