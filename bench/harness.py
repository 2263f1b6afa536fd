"""The benchmark's tools: HTTP calls, the server processes, and wrk."""

import json
import os
import re
import secrets
import subprocess
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
    """A server binary on a free loopback port (`--bind 127.0.0.1:0`; it prints
    `serving on http://ADDR` first on stdout)."""

    def __init__(self, binary, workdir, env=None, args=("--bind", "127.0.0.1:0"), log=None):
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.binary = os.path.abspath(binary)
        self.workdir = workdir
        self.args = list(args)
        self.log = log
        self.proc = None
        self.base = None

    def cli(self, *args):
        out = subprocess.run([self.binary, *args], cwd=self.workdir, env=self.env,
                             capture_output=True, text=True, check=True)
        return out.stdout

    def start(self):
        stderr = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen([self.binary, *self.args], cwd=self.workdir, env=self.env,
                                     stdout=subprocess.PIPE, stderr=stderr, text=True)
        if self.log:
            stderr.close()
        line = self.proc.stdout.readline()
        match = re.search(r"(http://\S+)", line)
        if not match:
            raise SystemExit(f"{self.binary} did not start: {line!r}")
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
        """User + system CPU time the server has used so far (all its threads)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # utime and stime are the 14th and 15th fields; the split starts at the 3rd.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


def demo_env(database_url):
    """demo-api's environment for the benchmark: quiet logs, the baseline mounted."""
    return {
        "DATABASE_URL": database_url,
        "RUST_LOG": "warn",
        "DEMO_API_BENCH_BASELINE": "1",
        # The server secret never lives in the database; on PostgreSQL it must be given.
        "AUTH_SECRET_KEY": secrets.token_urlsafe(48),
        # The login storm comes from many clients: their addresses arrive in
        # X-Forwarded-For, as behind a proxy.
        "AUTH_THROTTLE__NUM_PROXIES": "1",
    }


def lua_script(workdir, name, method, body, headers):
    """A wrk script sending one fixed request."""
    lines = [f'wrk.method = "{method}"']
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    for k, v in headers.items():
        lines.append(f'wrk.headers[{json.dumps(k)}] = {json.dumps(v)}')
    return write_script(workdir, name, "\n".join(lines) + "\n")


def storm_script(workdir, path, right, wrong):
    """POSTs that alternate between the right and a wrong password, each from a random
    client address (`X-Forwarded-For`), counting the statuses: the right ones must be
    200 and the wrong ones 401 (wrk's own count calls both kinds "non-2xx")."""
    script = f"""
local bodies = {{{json.dumps(right)}, {json.dumps(wrong)}}}
local threads = {{}}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  n = 0
  statuses = {{}}
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request()
  n = n + 1
  local headers = {{}}
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["X-Forwarded-For"] = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  return wrk.format("POST", {json.dumps(path)}, headers, bodies[(n % 2) + 1])
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {{}}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do
      total[k] = (total[k] or 0) + v
    end
  end
  local parts = {{}}
  for k, v in pairs(total) do
    table.insert(parts, string.format('"%d": %d', k, v))
  end
  io.write("STATUSES {{" .. table.concat(parts, ", ") .. "}}\\n")
end
"""
    return write_script(workdir, "storm", script)


def write_script(workdir, name, text):
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name)
    path = os.path.join(workdir, f"{safe}.lua")
    with open(path, "w") as f:
        f.write(text)
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
    if m := re.search(r"^STATUSES (\{.*\})$", output, re.M):
        result["statuses"] = {int(k): v for k, v in json.loads(m.group(1)).items()}
    return result


def wrk(url, script, duration, connections, threads=2, server=None):
    """One wrk run; with `server`, also the server's CPU time per request (microseconds),
    a cost that does not depend on how the two cores are shared with wrk."""
    threads = max(1, min(threads, connections))
    cmd = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
           "--timeout", "10s", "-s", script, url]
    before = server.cpu_seconds() if server else None
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    stats = parse_wrk(out)
    if server and stats.get("requests"):
        stats["cpu_us"] = (server.cpu_seconds() - before) * 1e6 / stats["requests"]
    return stats, out
