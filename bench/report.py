"""What a benchmark run's results say: the targets, the Markdown table and the chart."""


def fmt(value, spec=".2f", none="-"):
    return format(value, spec) if isinstance(value, (int, float)) else none


def errors_of(r):
    return r.get("non_2xx", 0) + r.get("socket_errors", 0)


def targets(results):
    by_name = {r["case"]: r for r in results}

    def ratio(name):
        r = by_name.get(name)
        return r.get("ratio") if r else None

    checks = []

    def check(what, value, goal, ok):
        checks.append({"target": what, "measured": value, "goal": goal,
                       "met": bool(ok) if value is not None else None})

    check("JWT profile / bare app", ratio("jwt"), ">= 0.90", (ratio("jwt") or 0) >= 0.90)
    for scheme in ["session", "token", "oauth2"]:
        check(f"{scheme} profile / bare app", ratio(scheme), ">= 0.85", (ratio(scheme) or 0) >= 0.85)
    quiet, loud = by_name.get("baseline"), by_name.get("baseline, default logging to a file")
    if quiet and loud and quiet.get("ratio") and loud.get("ratio"):
        cost = quiet["ratio"] - loud["ratio"]
        check("default access logging to a file: throughput lost, share of the bare app's", cost, "<= 0.10",
              cost <= 0.10)
    alone = by_name.get("login storm alone")
    if alone and alone.get("ratio") is not None:
        check("login storm alone / one hash per core", alone["ratio"], ">= 0.90", alone["ratio"] >= 0.90)
    storm = by_name.get("jwt during login storm")
    if storm and storm.get("p99_factor"):
        check("JWT p99 during a login storm / quiet p99", storm["p99_factor"], "<= 1.5", storm["p99_factor"] <= 1.5)
    for scheme in ["jwt", "session", "token", "oauth2"]:
        small = by_name.get(scheme)
        big = next((r for n, r in by_name.items() if n.startswith(f"{scheme} @") and "no cache" not in n), None)
        if small and big and small.get("ratio"):
            diff = abs(big["ratio"] - small["ratio"]) / small["ratio"]
            check(f"{scheme}: 10^6 vs 10^3 rows", diff, "<= 0.05", diff <= 0.05)
    errors = sum(errors_of(r) for r in results)
    check("unexpected statuses and socket errors, every case", errors, "== 0", errors == 0)
    return checks


def markdown(meta, checks, results):
    load = ", ".join(f"{x:.2f}" for x in meta["load"])
    lines = [
        f"Run {meta['date']} on {meta['cpus']} CPUs (load average at the end {load}), {meta['database']}; "
        f"wrk on loopback, {meta['connections']} connections unless noted, {meta['rounds']} paired rounds of "
        f"{meta['seconds_per_run']} s per app and case. Each round runs the bare poem-openapi app, demo-api's "
        "unauthenticated baseline, then the case; ratios are medians of the rounds' ratios.",
        "",
        "| case | req/s | bare app req/s | **ratio to the bare app** | demo-api baseline / bare | case / demo-api "
        "baseline | server CPU µs/req (bare's) | p50 ms | p99 ms | errors | peak RSS MiB | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        note = r.get("note", "")
        if r.get("storm_rps") is not None:
            note = f"{note}; storm {r['storm_rps']:.1f} req/s, statuses {r.get('storm_statuses')}; quiet p99 " \
                   f"{fmt(r.get('quiet_p99_ms'))} ms, p99 x{fmt(r.get('p99_factor'))}"
        if r.get("capacity_rps"):
            note = f"{note}; one hash per core: {r['capacity_rps']:.1f} req/s"
        if r.get("statuses") and r.get("capacity_rps"):
            note = f"{note}; statuses {r['statuses']}"
        cpu = fmt(r.get("cpu_us"), ".1f")
        if r.get("bare_cpu_us"):
            cpu = f"{cpu} ({r['bare_cpu_us']:.1f})"
        ratio = r.get("ratio")
        lines.append(
            f"| {r['case']} | {r['rps']:.0f} | {fmt(r.get('bare_rps'), '.0f')} | **{fmt(ratio)}** | "
            f"{fmt(r.get('baseline_ratio'))} | {fmt(r.get('to_baseline'))} | {cpu} | {fmt(r.get('p50_ms'))} | "
            f"{fmt(r.get('p99_ms'))} | {errors_of(r)} | {fmt(r.get('peak_rss_mib'), '.1f')} | {note} |")
    lines += ["", "| target | measured | goal | met |", "|---|---:|---|---|"]
    for c in checks:
        m = c["measured"]
        shown = f"{m:.2f}" if isinstance(m, float) else str(m)
        lines.append(f"| {c['target']} | {shown} | {c['goal']} | {'yes' if c['met'] else 'NO'} |")
    return "\n".join(lines) + "\n"


def svg(results):
    """Throughput relative to the bare app, one bar per case."""
    cases = [r for r in results if isinstance(r.get("ratio"), float) and r.get("bare_rps")]
    width, bar, gap, left = 760, 18, 8, 250
    height = 40 + len(cases) * (bar + gap) + 30
    scale = (width - left - 70) / max(1.0, max((r["ratio"] for r in cases), default=1.0))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<text x="{left}" y="20" font-size="14">Throughput relative to a bare poem-openapi app '
             f'(same run, paired rounds)</text>']
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
