#!/usr/bin/env python3
"""Gateway benchmark for `keyscope serve` (issue 14): throughput, latency, service CPU per
request, propagation of published tables under load, and memory.

Run from the repository root after a release build:

    swift build -c release --product keyscope
    swift build -c release --product keyscope-serve
    python3 bench/gateway_bench.py [--rounds 3] [--duration 10] [--swap-seconds 20]

Needs nginx and wrk (Debian: nginx-light, wrk). Everything listens on 127.0.0.1 ports of its
own and is stopped at the end. Prints a Markdown report (docs/benchmarks.md keeps the last one).
"""
import argparse, http.client, json, os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYSCOPE = os.path.join(ROOT, ".build/release/keyscope")
SERVE = os.path.join(ROOT, ".build/release/keyscope-serve")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"nothing listens on {port}")


def run(args, cwd, check=True):
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {result.stderr}")
    return result


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_kib(pid, field="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Workspace:
    """A policy, signing key, publish directory, keyscope serve and nginx, on loopback."""

    def __init__(self, policy=None):
        self.dir = tempfile.mkdtemp(prefix="keyscope-gateway-bench-")
        self.policy = os.path.join(self.dir, "policies")
        shutil.copytree(policy or os.path.join(ROOT, "Tests/Fixtures/example"), self.policy)
        for name in ["signing-key.pem", "signing-key.pub.pem"]:
            shutil.copy(os.path.join(ROOT, "Tests/Fixtures/table-vector", name), self.dir)
        os.chmod(os.path.join(self.dir, "signing-key.pem"), 0o600)
        self.serial = 1000
        self.processes = []

    def compile(self, out, serial, policy=None):
        run([KEYSCOPE, "compile", policy or self.policy, "--out", out, "--serial", str(serial), "--quiet",
             "--signing-key", "signing-key.pem", "--valid-for", "2d"], self.dir)
        return os.path.join(self.dir, out, os.listdir(os.path.join(self.dir, out))[0])

    def publish(self, table):
        run([KEYSCOPE, "publish", table, "--to", "published", "--trusted-key", "signing-key.pub.pem", "--keep", "3"],
            self.dir)

    def start_serve(self, product, extra=()):
        self.serve_port = free_port()
        process = subprocess.Popen(
            [SERVE, "--table", f"published/{product}/current.kst", "--trusted-key", "signing-key.pub.pem",
             "--listen", f"127.0.0.1:{self.serve_port}", *extra], cwd=self.dir, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.dir, "serve.log"), "w"))
        self.processes.append(process)
        self.serve = process
        wait_port(self.serve_port)
        return process

    def start_nginx(self, site_file="site.conf"):
        """Three servers: the shipped site (auth_request to keyscope), the floor (auth_request to a
        location nginx answers itself, through the same proxy path), and `return 200` directly.
        `site_file` is `site.conf` (header mode) or `site-fingerprints.conf` (SPEC §12)."""
        conf = os.path.join(self.dir, "nginx")
        os.makedirs(conf, exist_ok=True)
        self.site_port, self.floor_port, self.direct_port = free_port(), free_port(), free_port()
        with open(os.path.join(conf, "keys.map"), "w") as f:
            f.write('"secret-a" customer-a;\n"secret-b" customer-b;\n')
        keyscope = open(os.path.join(ROOT, "deploy/nginx/keyscope.conf")).read()
        keyscope = keyscope.replace("127.0.0.1:7070", f"127.0.0.1:{self.serve_port}")
        site = open(os.path.join(ROOT, "deploy/nginx", site_file)).read()
        # The API behind the gateway is nginx's own `return 200`, reached over kept-alive
        # connections, so that what is measured is the authorization step.
        site = (site.replace("127.0.0.1:7070", f"127.0.0.1:{self.serve_port}")
                .replace("listen 127.0.0.1:8080", f"listen 127.0.0.1:{self.site_port}")
                .replace("proxy_pass http://127.0.0.1:9000;",
                         'proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";')
                .replace("proxy_pass http://127.0.0.1:9000$keyscope_path$is_args$args;",
                         'proxy_pass http://app$keyscope_path$is_args$args; proxy_http_version 1.1; '
                         'proxy_set_header Connection "";')
                .replace("/etc/nginx/keyscope/keys.map", os.path.join(conf, "keys.map")))
        # The floor: the same site, its auth_request answered by nginx itself (`return 200`).
        floor = site.replace(f"listen 127.0.0.1:{self.site_port}", f"listen 127.0.0.1:{self.floor_port}")
        floor = floor.replace("proxy_pass http://keyscope/authz;", "return 200;")
        # Without keyscope nothing names the authorized path: the floor forwards nginx's own.
        floor = floor.replace("http://app$keyscope_path$is_args$args", "http://app$uri$is_args$args")
        floor = floor[floor.index("server {"):]
        with open(os.path.join(conf, "nginx.conf"), "w") as f:
            f.write(f"""
pid {conf}/nginx.pid;
error_log {conf}/error.log error;
worker_processes 1;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {conf}/body; proxy_temp_path {conf}/proxy; fastcgi_temp_path {conf}/fastcgi;
    uwsgi_temp_path {conf}/uwsgi; scgi_temp_path {conf}/scgi;
    keepalive_requests 100000;
    {keyscope}
    upstream app {{ server 127.0.0.1:{self.direct_port}; keepalive 64; keepalive_requests 100000; }}
    {site}
    {floor}
    server {{ listen 127.0.0.1:{self.direct_port}; location / {{ return 200 "ok\\n"; }} }}
}}
""")
        process = subprocess.Popen([NGINX, "-p", conf, "-c", os.path.join(conf, "nginx.conf"), "-g", "daemon off;"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(process)
        self.nginx = process
        for port in (self.site_port, self.floor_port, self.direct_port):
            wait_port(port)

    def stop(self):
        for process in reversed(self.processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def wrk(url, headers, seconds, connections):
    args = [WRK, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    for name, value in headers:
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(args, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    def latency(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out)
        value, unit = float(m.group(1)), m.group(2)
        return value * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"rate": rate, "p50": latency(50), "p99": latency(99), "requests": total,
            "non2xx": int(errors.group(1)) if errors else 0, "socket_errors": socket_errors.group(1) if socket_errors else ""}


def throughput(rounds, seconds, connections, identity=False):
    """Header mode (the shipped site.conf), or with `identity` SPEC §12 mode: the example policy of
    `policies/` with its fingerprints and routes, site-fingerprints.conf, and keyscope finding the
    key by the SHA-256 of the API key and the capability by the original method and URI."""
    ws = Workspace(os.path.join(ROOT, "policies") if identity else None)
    try:
        ws.publish(ws.compile("t1", ws.serial))
        if identity:
            ws.start_serve("support-bot", ["--key-from", "secret", "--secret-header", "Authorization",
                                           "--capability-from", "nginx"])
            ws.start_nginx("site-fingerprints.conf")
            key = [("Authorization", "Bearer ks_example_customer_a_secret")]
            authz = key + [("X-Original-Method", "GET"), ("X-Original-URI", "/v1/faq/shipping?lang=en")]
            path, site = "/v1/faq/shipping?lang=en", "site-fingerprints.conf"
        else:
            ws.start_serve("support-bot")
            ws.start_nginx()
            key = [("X-API-Key", "secret-a")]
            authz = [("X-Keyscope-Key", "customer-a"), ("X-Keyscope-Capability", "cap_faq")]
            path, site = "/v1/faq", "site.conf"
        cases = [
            (f"nginx → keyscope serve (shipped {site})", f"http://127.0.0.1:{ws.site_port}{path}", key, True),
            ("nginx → auth_request answered by nginx (floor)", f"http://127.0.0.1:{ws.floor_port}{path}", key, False),
            ("keyscope serve /authz directly", f"http://127.0.0.1:{ws.serve_port}/authz", authz, True),
            ("nginx return 200 directly", f"http://127.0.0.1:{ws.direct_port}/", [], False),
        ]
        results = {name: [] for name, *_ in cases}
        cpu = {name: [] for name, *_ in cases}
        for _ in range(rounds):
            for name, url, headers, measure_cpu in cases:
                before = cpu_seconds(ws.serve.pid)
                r = wrk(url, headers, seconds, connections)
                used = cpu_seconds(ws.serve.pid) - before
                results[name].append(r)
                if measure_cpu:
                    cpu[name].append(used / max(1, r["requests"]) * 1e6)
        return results, cpu
    finally:
        ws.stop()


class Client(threading.Thread):
    """Keeps one keep-alive connection busy and records every answer."""

    def __init__(self, port, stop):
        super().__init__(daemon=True)
        self.port, self.stop, self.answers, self.errors = port, stop, [], 0

    def run(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        while not self.stop.is_set():
            try:
                connection.request("GET", "/v1/orders/42", headers={"X-API-Key": "secret-b"})
                response = connection.getresponse()
                body = response.read()
                self.answers.append((time.monotonic(), response.status, body))
            except Exception:
                self.errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)


def hot_swap(seconds, clients, interval):
    ws = Workspace()
    try:
        flipped = os.path.join(ws.dir, "flipped")
        shutil.copytree(ws.policy, flipped)
        path = os.path.join(flipped, "keys/customers.yaml")
        text = open(path).read().replace("description: Customer B - FAQ only\n    audience: customer\n    capabilities: [cap_faq]",
                                         "description: Customer B - FAQ only\n    audience: customer\n    capabilities: [cap_faq, cap_order_lookup]")
        open(path, "w").write(text)
        count = int(seconds / interval) + 1
        tables = [ws.compile(f"t{i}", 2000 + i, policy=flipped if i % 2 else None) for i in range(count + 1)]
        ws.publish(tables[0])
        ws.start_serve("support-bot")
        ws.start_nginx()
        stop = threading.Event()
        workers = [Client(ws.site_port, stop) for _ in range(clients)]
        for worker in workers:
            worker.start()
        time.sleep(1)
        published = []
        start = time.monotonic()
        for i in range(1, count + 1):
            next_at = start + i * interval
            time.sleep(max(0, next_at - time.monotonic()))
            ws.publish(tables[i])
            published.append((time.monotonic(), 200 if i % 2 else 403))
        time.sleep(1)
        stop.set()
        for worker in workers:
            worker.join()
        answers = sorted(a for w in workers for a in w.answers)
        errors = sum(w.errors for w in workers)
        forbidden = b'{"error": "API key does not have permission to access this capability", "capabilityId": "cap_order_lookup"}'
        fivexx = sum(1 for _, status, _ in answers if status >= 500)
        wrong = sum(1 for _, status, body in answers if status not in (200, 403) or (status == 403 and body != forbidden))
        delays = []
        for index, (at, status) in enumerate(published):
            until = published[index + 1][0] if index + 1 < len(published) else float("inf")
            first = next((t for t, s, _ in answers if t >= at and s == status and t < until + 1), None)
            if first is not None:
                delays.append((first - at) * 1000)
        return {"answers": len(answers), "errors": errors, "5xx": fivexx, "wrong": wrong,
                "publishes": len(published), "seen": len(delays),
                "median_ms": statistics.median(delays) if delays else None, "max_ms": max(delays) if delays else None}
    finally:
        ws.stop()


def memory():
    ws = Workspace()
    try:
        corpus = os.path.join(ws.dir, "large")
        run([KEYSCOPE, "generate-corpus", "--preset", "large", "--out", corpus], ws.dir)
        products = [d for d in os.listdir(os.path.join(corpus)) if d.endswith(".yaml")]
        table = ws.compile("large-out", 5000, policy=corpus)
        size = os.path.getsize(table)
        product = os.path.basename(table)[:-4]
        ws.publish(table)
        process = ws.start_serve(product)
        time.sleep(1)
        loaded = rss_kib(process.pid)
        swaps = [ws.compile(f"large-{i}", 5001 + i, policy=corpus) for i in range(3)]
        for t in swaps:
            ws.publish(t)
            time.sleep(0.5)
        peak = rss_kib(process.pid, "VmHWM")
        after = rss_kib(process.pid)
        return {"table_bytes": size, "rss_loaded_kib": loaded, "peak_kib": peak, "rss_after_kib": after,
                "target_kib": (3 * size) // 1024 + 40 * 1024}
    finally:
        ws.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--swap-seconds", type=float, default=20)
    parser.add_argument("--swap-clients", type=int, default=8)
    parser.add_argument("--only", default="throughput,identity,swap,memory",
                        help="throughput (header mode), identity (SPEC §12 fingerprint + route mode), swap, memory")
    args = parser.parse_args()
    for tool in (KEYSCOPE, SERVE, NGINX, WRK):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"missing {tool}: build release keyscope and keyscope-serve; install nginx-light and wrk")
    print(f"# gateway benchmark — {time.strftime('%Y-%m-%d %H:%M:%S')} — {os.cpu_count()} cores")
    modes = [(False, "header mode")] if "throughput" in args.only else []
    if "identity" in args.only:
        modes.append((True, "fingerprint + route mode (SPEC §12)"))
    for identity, label in modes:
        results, cpu = throughput(args.rounds, args.duration, args.connections, identity)
        names = list(results)
        floor = statistics.median(r["rate"] for r in results[names[1]])
        floor_p99 = statistics.median(r["p99"] for r in results[names[1]])
        direct = statistics.median(r["rate"] for r in results[names[3]])
        print(f"\n{label}: {args.rounds} rounds × {args.duration} s, wrk -t1 -c{args.connections}; medians of the rounds\n")
        print("| path | req/s | p50 ms | p99 ms | ratio | service CPU µs/req | non-2xx | socket errors |")
        print("|---|---|---|---|---|---|---|---|")
        for index, name in enumerate(names):
            rate = statistics.median(r["rate"] for r in results[name])
            p50 = statistics.median(r["p50"] for r in results[name])
            p99 = statistics.median(r["p99"] for r in results[name])
            reference = floor if index < 2 else direct
            cpu_text = f"{statistics.median(cpu[name]):.1f}" if cpu[name] else "—"
            print(f"| {name} | {rate:.0f} | {p50:.2f} | {p99:.2f} | {rate / reference:.2f}× | {cpu_text} | "
                  f"{sum(r['non2xx'] for r in results[name])} | {results[name][-1]['socket_errors'] or 0} |")
        site_p99 = statistics.median(r["p99"] for r in results[names[0]])
        print(f"\np99 through keyscope / floor p99: {site_p99 / floor_p99:.2f}×")
    if "swap" in args.only:
        s = hot_swap(args.swap_seconds, args.swap_clients, 0.1)
        print(f"\nhot swap: {s['publishes']} publishes every 100 ms for {args.swap_seconds:.0f} s, {args.swap_clients} "
              f"connections through nginx: {s['answers']} answers, {s['5xx']} 5xx, {s['errors']} connection errors, "
              f"{s['wrong']} answers that are neither table's; propagation (publish returned → first answer of the new "
              f"table) median {s['median_ms']:.1f} ms, max {s['max_ms']:.1f} ms over {s['seen']} publishes")
    if "memory" in args.only:
        m = memory()
        print(f"\nmemory, SPEC §10 large table ({m['table_bytes']} bytes): RSS {m['rss_loaded_kib'] / 1024:.1f} MiB loaded, "
              f"peak {m['peak_kib'] / 1024:.1f} MiB over 3 swaps, {m['rss_after_kib'] / 1024:.1f} MiB after; "
              f"target ≤ 3 × table + 40 MiB = {m['target_kib'] / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
