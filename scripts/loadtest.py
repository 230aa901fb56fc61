#!/usr/bin/env python3
"""Load test of a cluster: N `wederhoor serve` nodes on one PostgreSQL database with NATS (JetStream
ingest bus), a replayed stream through a listening connector and the ingest API, agents reading the
inbox and replying, and one node killed with SIGKILL half-way.

    scripts/loadtest.py [--nodes 3] [--rate 2000] [--seconds 300] [--agents 50]
                        [--bin target/release/wederhoor] [--pg postgres://postgres@127.0.0.1:5432/test]
                        [--nats nats://127.0.0.1:4222] [--no-kill]

- Half of `--rate` arrives as Mastodon statuses: a local fake speaks the documented timeline
  (`GET /api/v1/timelines/tag/:tag`, `since_id`/`max_id`/`limit`) and streaming
  (`GET /api/v1/streaming/hashtag`, `event: update`) endpoints; the source is held by one node
  (lease) and published to the JetStream stream, which the worker nodes store.
- The other half is posted to `/api/v1/ingest` in batches of 50, spread over the nodes (a refused
  or failed batch is sent again to another node; a batch counts when a node acknowledged it).
- `--agents` agents each log in on a node, then loop: open the inbox, open a case, reply to it
  (replies on the API cases go out through the outbox to a local webhook receiver that counts
  each reply id; replies on the Mastodon cases stay queued, the fake gives no access token).
- At half-time the node holding the Mastodon source is killed with SIGKILL (`--no-kill`: not).

Reported: p50/p95 of the inbox page per agent request, ingest-to-visible latency (a message's
`received_at` minus the moment it was emitted, p50/p95/max), replies queued and delivered per
second, and exact counts: emitted vs stored per source, acknowledged API messages missing, messages
stored twice, replies delivered twice. Exit status 0 when nothing is lost or doubled.
Only the standard library plus `psql` on the PATH.
"""

import argparse
import bisect
import datetime
import http.cookiejar
import http.server
import json
import os
import queue
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = "load-test-password-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


TEXTS = [
    "Ik kan al twee dagen niet inloggen in de app, wat is er aan de hand?",
    "Mijn pinpas is ingeslikt door de automaat op het station",
    "Waarom is mijn overboeking van gisteren nog niet aangekomen?",
    "Top geholpen door jullie medewerker vandaag, dank!",
    "Storing bij internetbankieren? Ik krijg een foutmelding bij betalen",
    "Hoe verhoog ik mijn daglimiet voor pinnen in het buitenland?",
]


class Mastodon:
    """The fake Mastodon instance: statuses are emitted at a rate and kept for the timeline."""

    def __init__(self):
        self.ids = []  # sorted
        self.emitted_at = {}
        self.lock = threading.Lock()
        self.subscribers = []

    def status(self, i):
        return {
            "id": str(i),
            "uri": f"https://social.example/users/klant{i % 500}/statuses/{i}",
            "created_at": iso(self.emitted_at[i]),
            "content": f"<p>{TEXTS[i % len(TEXTS)]} #zuiderbank ({i})</p>",
            "in_reply_to_id": None,
            "reblogs_count": 0,
            "favourites_count": 0,
            "account": {"id": str(i % 500), "acct": f"klant{i % 500}", "display_name": f"Klant {i % 500}", "followers_count": 10},
        }

    def emit(self, i):
        with self.lock:
            self.emitted_at[i] = time.time()
            self.ids.append(i)
            data = f"event: update\ndata: {json.dumps(self.status(i))}\n\n".encode()
            subs = list(self.subscribers)
        for q in subs:
            q.put(data)

    def page(self, since, max_id, limit):
        with self.lock:
            lo = bisect.bisect_right(self.ids, since) if since is not None else 0
            hi = bisect.bisect_left(self.ids, max_id) if max_id is not None else len(self.ids)
            chosen = self.ids[max(lo, hi - limit):hi]
            return [self.status(i) for i in reversed(chosen)]


def mastodon_handler(fake):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            url = urllib.parse.urlparse(self.path)
            q = dict(urllib.parse.parse_qsl(url.query))
            if url.path.startswith("/api/v1/timelines/tag/"):
                page = fake.page(
                    int(q["since_id"]) if q.get("since_id") else None,
                    int(q["max_id"]) if q.get("max_id") else None,
                    min(int(q.get("limit", 20)), 40),
                )
                body = json.dumps(page).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif url.path.startswith("/api/v1/streaming/hashtag"):
                mine = queue.Queue()
                with fake.lock:
                    fake.subscribers.append(mine)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    while True:
                        data = mine.get()
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass
                finally:
                    with fake.lock:
                        fake.subscribers.remove(mine)
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def log_message(self, *_):
            pass

    return Handler


class Replies:
    deliveries = {}
    lock = threading.Lock()


class ReplyHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            rid = json.loads(body).get("reply_id")
        except ValueError:
            rid = None
        with Replies.lock:
            Replies.deliveries[rid] = Replies.deliveries.get(rid, 0) + 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_):
        pass


def serve_http(handler):
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return port


def psql(db_url, sql):
    out = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-F", "\t", db_url, "-c", sql], capture_output=True, text=True, check=True)
    return [line.split("\t") for line in out.stdout.strip().splitlines() if line]


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


class Agent(threading.Thread):
    def __init__(self, name, nodes, stop, stats):
        super().__init__(daemon=True)
        self.name_, self.nodes, self.stop, self.stats = name, nodes, stop, stats
        self.rnd = random.Random(name)

    def login(self, base):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        html = opener.open(base + "/login", timeout=10).read().decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
        data = urllib.parse.urlencode({"username": self.name_, "password": PASSWORD, "csrf": csrf}).encode()
        opener.open(base + "/login", data=data, timeout=10).read()
        return opener

    def run(self):
        opener, base = None, None
        while not self.stop.is_set():
            try:
                if opener is None:
                    base = self.rnd.choice([n.url for n in self.nodes if n.alive()])
                    opener = self.login(base)
                t0 = time.perf_counter()
                html = opener.open(base + "/inbox", timeout=30).read().decode()
                self.stats.inbox.append(time.perf_counter() - t0)
                cases = re.findall(r'href="/c/(\d+)"', html)
                if not cases:
                    self.stop.wait(1)
                    continue
                case = self.rnd.choice(cases)
                page = opener.open(f"{base}/c/{case}", timeout=30).read().decode()
                csrf = re.search(r'name="csrf" value="([^"]+)"', page)
                opened = re.search(r'name="opened_at" value="([^"]*)"', page)
                if csrf and opened:
                    data = urllib.parse.urlencode({
                        "csrf": csrf.group(1), "opened_at": opened.group(1), "confirm": "1",
                        "text": "Dank voor je bericht. We kijken ernaar en komen bij je terug.",
                    }).encode()
                    opener.open(f"{base}/c/{case}/reply", data=data, timeout=30).read()
                    self.stats.replies += 1
                self.stop.wait(self.rnd.uniform(0.5, 1.5))
            except (urllib.error.URLError, ConnectionError, OSError, AttributeError) as e:
                self.stats.agent_errors += 1
                opener = None  # the node died or the session broke: log in again elsewhere
                self.stop.wait(0.5)


class Stats:
    def __init__(self):
        self.inbox, self.replies, self.agent_errors = [], 0, 0
        self.api_acked, self.api_batches_failed = set(), 0
        self.api_emitted_at = {}


class Node:
    def __init__(self, bin_, data, env, name):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [bin_, "--data-dir", data, "serve", "--listen", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(data, f"{name}.log"), "w"), env=env,
        )

    def alive(self):
        return self.proc.poll() is None

    def wait_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError("a node exited at start")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError("a node did not answer /healthz")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--seconds", type=int, default=300)
    ap.add_argument("--agents", type=int, default=50)
    ap.add_argument("--bin", default="target/release/wederhoor")
    ap.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/test")
    ap.add_argument("--nats", default="nats://127.0.0.1:4222")
    ap.add_argument("--no-kill", action="store_true")
    a = ap.parse_args()
    bin_ = os.path.abspath(a.bin)
    tag = f"{random.randrange(1 << 30):08x}"
    db = f"wh_load_{tag}"
    psql(a.pg, f"CREATE DATABASE {db}")
    db_url = a.pg.rsplit("/", 1)[0] + "/" + db
    root = tempfile.mkdtemp(prefix="wederhoor-load-")
    fake = Mastodon()
    mport = serve_http(mastodon_handler(fake))
    rport = serve_http(ReplyHandler)
    base_env = dict(
        os.environ,
        RUST_LOG="warn",
        WEDERHOOR_DATABASE_URL=db_url,
        WEDERHOOR_NATS_URL=a.nats,
        WEDERHOOR_NATS_SUBJECT=f"wederhoor.load{tag}.live",
        WEDERHOOR_CLUSTER__INGEST_BUS="jetstream",
        WEDERHOOR_CLUSTER__INGEST_STREAM=f"WHLOAD_{tag}",
        WEDERHOOR_CLUSTER__INGEST_SUBJECT=f"wederhoor.load{tag}.ingest",
        WEDERHOOR_CLUSTER__LEASE_SECS="6",
        WEDERHOOR_CLUSTER__INGEST_ACK_WAIT_SECS="10",
        WEDERHOOR_SECRET_KEY="ab" * 32,
    )
    setup = os.path.join(root, "setup")
    os.makedirs(setup)

    def cli(*args, stdin=""):
        return subprocess.run([bin_, "--data-dir", setup, *args], input=stdin, capture_output=True, text=True, env=base_env, check=True)

    cli("migrate")
    token = cli("source", "add", "Forum", "--webhook-url", f"http://127.0.0.1:{rport}/replies").stdout.strip().splitlines()[-1].strip()
    with open(os.path.join(setup, "sources.toml"), "w") as f:
        f.write(f'[[source]]\nname = "Social"\nkind = "mastodon"\nurl = "http://127.0.0.1:{mport}/tags/zuiderbank"\nowned = false\n')
    cli("source", "sync", os.path.join(setup, "sources.toml"))
    for k in range(a.agents):
        cli("user", "add", f"agent{k}", "--name", f"Agent {k}", "--role", "agent", stdin=PASSWORD + "\n")
    sources = {name: sid for sid, name in psql(db_url, "SELECT id, name FROM sources")}

    nodes = []
    for k in range(a.nodes):
        d = os.path.join(root, f"node{k}")
        os.makedirs(d)
        nodes.append(Node(bin_, d, base_env, f"node{k}"))
    for n in nodes:
        n.wait_ready()
    print(f"{a.nodes} nodes up on {db}; {a.rate} msg/s for {a.seconds} s; {a.agents} agents", flush=True)

    stats, stop = Stats(), threading.Event()
    agents = [Agent(f"agent{k}", nodes, stop, stats) for k in range(a.agents)]
    for ag in agents:
        ag.start()

    def social():
        i, start = 0, time.monotonic()
        while not stop.is_set():
            due = int((time.monotonic() - start) * a.rate / 2)
            while i < due:
                i += 1
                fake.emit(i)
            time.sleep(0.01)

    def api(worker, workers):
        rnd, i, start = random.Random(worker), 0, time.monotonic()
        per = a.rate / 2 / workers
        while not stop.is_set():
            due = int((time.monotonic() - start) * per)
            if i + 50 > due:
                time.sleep(0.01)
                continue
            ids = [f"w{worker}-{i + k}" for k in range(50)]
            i += 50
            now = time.time()
            batch = [{"id": x, "text": TEXTS[hash(x) % len(TEXTS)], "created_at": iso(now), "author": {"handle": f"@klant{hash(x) % 500}"}} for x in ids]
            body = json.dumps(batch).encode()
            for _attempt in range(10):
                node = rnd.choice([n for n in nodes if n.alive()])
                req = urllib.request.Request(node.url + "/api/v1/ingest", data=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        report = json.load(r)
                    acked = [x for x, res in zip(ids, report["results"]) if res.get("status") in ("stored", "duplicate")]
                    stats.api_acked.update(acked)
                    for x in acked:
                        stats.api_emitted_at[x] = now
                    break
                except (urllib.error.URLError, ConnectionError, OSError, ValueError):
                    stats.api_batches_failed += 1

    senders = [threading.Thread(target=social, daemon=True)] + [threading.Thread(target=api, args=(k, 4), daemon=True) for k in range(4)]
    t_start = time.monotonic()
    for t in senders:
        t.start()
    killed = None
    while time.monotonic() - t_start < a.seconds:
        time.sleep(1)
        if not a.no_kill and killed is None and time.monotonic() - t_start >= a.seconds / 2:
            holder = psql(db_url, f"SELECT holder FROM source_leases WHERE source_id = {sources['Social']}")
            victim = nodes[0]
            if holder:
                for k, n in enumerate(nodes):
                    node_id = open(os.path.join(root, f"node{k}", "node-id")).read().strip() if os.path.exists(os.path.join(root, f"node{k}", "node-id")) else ""
                    if node_id == holder[0][0]:
                        victim = n
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait()
            killed = time.monotonic() - t_start
            print(f"killed the node holding the Mastodon source at {killed:.0f} s", flush=True)
    stop.set()
    emitted_social = len(fake.ids)
    elapsed = time.monotonic() - t_start
    # Drain: wait until every emitted status and acknowledged message is stored (at most 120 s).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        social_n = int(psql(db_url, f"SELECT COUNT(*) FROM messages WHERE source_id = {sources['Social']}")[0][0])
        if social_n >= emitted_social:
            break
        time.sleep(1)
    # The outbox drains the last replies (a killed node's claims are taken over after their lease).
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        pending = int(psql(db_url, "SELECT COUNT(*) FROM replies WHERE state = 'queued' AND delivery_kind = 'webhook'")[0][0])
        if pending == 0:
            break
        time.sleep(1)
    rows = psql(db_url, f"SELECT source_id, external_id, received_at FROM messages")
    stored = {}
    doubled = 0
    lat = []
    for sid, ext, received in rows:
        key = (sid, ext)
        doubled += key in stored
        stored[key] = int(received)
        if sid == sources["Social"] and ext.isdigit() and int(ext) in fake.emitted_at:
            lat.append(int(received) / 1000 - fake.emitted_at[int(ext)])
        elif sid == sources["Forum"] and ext in stats.api_emitted_at:
            lat.append(int(received) / 1000 - stats.api_emitted_at[ext])
    social_stored = sum(1 for (sid, _e) in stored if sid == sources["Social"])
    api_missing = sum(1 for x in stats.api_acked if (sources["Forum"], x) not in stored)
    queued = int(psql(db_url, "SELECT COUNT(*) FROM replies")[0][0])
    # Replies on the Mastodon cases stay queued: the source has no access token for the fake.
    states = dict((f"{kind} {st}", int(n)) for kind, st, n in psql(db_url, "SELECT delivery_kind, state, COUNT(*) FROM replies GROUP BY 1, 2"))
    with Replies.lock:
        delivered = len([r for r in Replies.deliveries if r is not None])
        twice = sum(1 for r, n in Replies.deliveries.items() if r is not None and n > 1)
    print(f"ran {elapsed:.0f} s; emitted {emitted_social} statuses, stored {social_stored}; API acknowledged {len(stats.api_acked)}, missing {api_missing}; "
          f"stored twice {doubled}; failed API batches (sent again) {stats.api_batches_failed}")
    print(f"inbox page p50 {pct(stats.inbox, 50) * 1000:.0f} ms, p95 {pct(stats.inbox, 95) * 1000:.0f} ms over {len(stats.inbox)} requests; agent errors {stats.agent_errors}")
    print(f"ingest-to-visible p50 {pct(lat, 50) * 1000:.0f} ms, p95 {pct(lat, 95) * 1000:.0f} ms, max {max(lat, default=0) * 1000:.0f} ms over {len(lat)} messages")
    print(f"replies queued {queued} ({queued / elapsed:.1f}/s), delivered {delivered}, delivered twice {twice}; states {states}")
    for n in nodes:
        if n.alive():
            n.proc.send_signal(signal.SIGTERM)
    for n in nodes:
        n.proc.wait()
    ok = social_stored >= emitted_social and api_missing == 0 and doubled == 0 and twice == 0
    if ok:
        psql(a.pg, f"DROP DATABASE IF EXISTS {db}")
        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"kept {root} and database {db} for inspection")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
