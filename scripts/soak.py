#!/usr/bin/env python3
"""Crash soak: kill the server with SIGKILL at random moments, N times, while messages arrive over
the ingest API and an RSS connector polls a growing feed; after every restart check exact counts.

    scripts/soak.py [--cycles 20] [--bin target/release/wederhoor] [--seed 1]

Each cycle starts `wederhoor serve` on one data directory (SQLite), lets four senders post batches
of 25 new messages while the RSS source polls a local feed that grows by five items a request, kills
the server after a random 0.3–3 s, and checks in the database:

- every message the API acknowledged (status `stored` or `duplicate`) is stored;
- no message is stored twice (per source and external id), and every feed item seen is stored once
  at most;
- each conversation's `message_count` equals its number of stored messages (the tallies survived).

At the end the server is started once more, everything acknowledged is sent again and must come
back `duplicate`, and the totals are printed. Exit status 0 when every check held.
Only the standard library: it runs wherever the project's tests run.
"""

import argparse
import http.server
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Feed(http.server.BaseHTTPRequestHandler):
    """An RSS feed that grows by five items on every request (the newest 50 are listed)."""

    items = 0
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802 (the standard library's name)
        with Feed.lock:
            Feed.items += 5
            n = Feed.items
        entries = "".join(
            f"<item><title>Storing {i}</title><link>http://feed.test/{i}</link><guid>item-{i}</guid>"
            f"<pubDate>Mon, 07 Dec 2026 10:00:00 GMT</pubDate><description>Zuiderbank storing {i}, "
            f"weer geen internetbankieren</description></item>"
            for i in range(max(1, n - 49), n + 1)
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Soak</title>'
            f"{entries}</channel></rss>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass


def run(bin_, data, *args, stdin=""):
    return subprocess.run(
        [bin_, "--data-dir", data, *args], input=stdin, capture_output=True, text=True, check=True
    )


def post(url, token, ids):
    body = json.dumps(
        [{"id": i, "text": f"Mijn overboeking {i} is niet aangekomen", "author": {"handle": f"@klant{hash(i) % 50}"}} for i in ids]
    ).encode()
    req = urllib.request.Request(
        url + "/api/v1/ingest",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        report = json.load(r)
    return [(i, res.get("status")) for i, res in zip(ids, report["results"])]


def wait_ready(url, proc, limit=30.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited at start")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.05)
    raise RuntimeError("the server did not answer /healthz")


def check(db, acked, source_ids):
    con = sqlite3.connect(db, timeout=30)
    problems = []
    stored = {row[0] for row in con.execute("SELECT external_id FROM messages WHERE source_id = ?", (source_ids["Forum"],))}
    missing = acked - stored
    if missing:
        problems.append(f"{len(missing)} acknowledged messages missing, e.g. {sorted(missing)[:3]}")
    dup = con.execute("SELECT COUNT(*) FROM (SELECT 1 FROM messages GROUP BY source_id, external_id HAVING COUNT(*) > 1)").fetchone()[0]
    if dup:
        problems.append(f"{dup} messages stored twice")
    off = con.execute(
        "SELECT COUNT(*) FROM conversations c WHERE c.message_count <> "
        "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id)"
    ).fetchone()[0]
    if off:
        problems.append(f"{off} conversations whose message_count is not their number of messages")
    feed = con.execute("SELECT COUNT(*) FROM messages WHERE source_id = ?", (source_ids["Soakblog"],)).fetchone()[0]
    total = con.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    con.close()
    return problems, len(stored), feed, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--bin", default="target/release/wederhoor")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    bin_ = os.path.abspath(a.bin)
    data = tempfile.mkdtemp(prefix="wederhoor-soak-")
    feed_port = free_port()
    feed = http.server.ThreadingHTTPServer(("127.0.0.1", feed_port), Feed)
    threading.Thread(target=feed.serve_forever, daemon=True).start()

    run(bin_, data, "migrate")
    token = run(bin_, data, "source", "add", "Forum").stdout.strip().splitlines()[-1].strip()
    sources = os.path.join(data, "sources.toml")
    with open(sources, "w") as f:
        f.write(
            f'[[source]]\nname = "Soakblog"\nkind = "rss"\nurl = "http://127.0.0.1:{feed_port}/feed.xml"\n'
            "poll_interval_secs = 30\nowned = false\n"
        )
    out = run(bin_, data, "source", "sync", sources)
    if "Soakblog" not in out.stdout + out.stderr:
        print("could not add the RSS source:", out.stdout, out.stderr)
        return 2
    db = os.path.join(data, "wederhoor.db")
    con = sqlite3.connect(db)
    source_ids = {n: i for i, n in con.execute("SELECT id, name FROM sources")}
    con.execute("UPDATE sources SET enabled = 1 WHERE name = 'Soakblog'")
    con.commit()
    con.close()

    acked, sent_batches, next_id, failures = set(), 0, 0, 0
    id_lock = threading.Lock()
    for cycle in range(1, a.cycles + 1):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, RUST_LOG="error")
        proc = subprocess.Popen(
            [bin_, "--data-dir", data, "serve", "--listen", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        wait_ready(url, proc)
        stop = threading.Event()

        def sender():
            nonlocal next_id, sent_batches
            while not stop.is_set():
                with id_lock:
                    ids = [f"soak-{next_id + k}" for k in range(25)]
                    next_id += 25
                try:
                    results = post(url, token, ids)
                except (urllib.error.URLError, ConnectionError, OSError, ValueError, KeyError):
                    return  # the server is gone: what was not acknowledged may or may not be stored
                with id_lock:
                    sent_batches += 1
                    acked.update(i for i, s in results if s in ("stored", "duplicate"))

        threads = [threading.Thread(target=sender) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(rnd.uniform(0.3, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        for t in threads:
            t.join()
        problems, stored, feed_items, total = check(db, acked, source_ids)
        status = "ok" if not problems else "FAILED: " + "; ".join(problems)
        print(f"cycle {cycle}: {len(acked)} acknowledged, {stored} stored from the API, {feed_items} from the feed, {total} in all: {status}", flush=True)
        failures += bool(problems)

    # Once more: everything acknowledged comes back as a duplicate.
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([bin_, "--data-dir", data, "serve", "--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(url, proc)
    ids = sorted(acked)
    not_dup = 0
    for k in range(0, len(ids), 200):
        not_dup += sum(1 for _, s in post(url, token, ids[k : k + 200]) if s != "duplicate")
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    feed.shutdown()
    problems, stored, feed_items, total = check(db, acked, source_ids)
    print(
        f"{a.cycles} kill cycles: {len(acked)} messages acknowledged, all stored: {not problems}; "
        f"re-sent: {len(ids) - not_dup} duplicates, {not_dup} stored again (must be 0); "
        f"{feed_items} feed items stored once each; cycles with a problem: {failures}"
    )
    return 0 if failures == 0 and not problems and not_dup == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
