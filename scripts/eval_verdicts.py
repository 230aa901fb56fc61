#!/usr/bin/env python3
"""Verdict accuracy of `wederhoor triage` on REAL customer messages (issue #10 item 6).

Reads crates/wederhoor-triage/tests/data/real_verdicts.tsv (labels by id only), looks the texts up in
../shared/data (never copied into the repository), writes them as JSON Lines in the ingest schema,
runs `wederhoor triage --brand FILE` once per brand, and prints per split (dev, heldout): n, accuracy,
per-verdict recall, review share and a confusion matrix.

The heldout split must never be used for tuning. --show-errors lists wrong dev rows only, unless
--heldout-errors is given (for a final report, not for tuning).

Usage:
  python3 scripts/eval_verdicts.py [--bin target/release/wederhoor] [--data ../shared/data]
                                   [--model FILE] [--rules FILE] [--show-errors] [--heldout-errors]

Standard library only. Missing data or binary: prints SKIPPED and exits 0.
"""

import argparse
import collections
import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_TSV = os.path.join(REPO, "crates", "wederhoor-triage", "tests", "data", "real_verdicts.tsv")
BRANDS_DIR = os.path.join(REPO, "scripts", "brands")
VERDICTS = ["respond", "ignore", "no_engage", "private", "alert", "escalate", "review"]
SPLITS = ["dev", "heldout"]

ORANGE = "orange-be-webcare-nl/dialogue-orangebenl-pre2020.txt"
TWCS = "twcs-sample-en/twcs_nonbank.csv"
IBM = "ibm-twitter-customer-care-en/dev.json"


def skipped(why):
    print(f"SKIPPED: {why}")
    sys.exit(0)


def read_labels(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        header_seen = False
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if not header_seen and cols[:4] == ["set", "file", "id", "verdict"]:
                header_seen = True
                continue
            if len(cols) < 4:
                sys.exit(f"{path}:{n}: expected set, file, id, verdict, note")
            split, file, mid, verdict = cols[:4]
            if split not in SPLITS or verdict not in VERDICTS:
                sys.exit(f"{path}:{n}: bad set or verdict: {split!r} {verdict!r}")
            rows.append({"set": split, "file": file, "id": mid, "gold": verdict})
    return rows


def iso(ts):
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


# Each loader returns {id: {"text", "handle", "created_at", "brand"}} for the wanted ids.
# "brand" names a file scripts/brands/<brand>.toml.

def load_orange(path, wanted):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            for t in json.loads(line):
                mid = str(t["tweet_id"])
                if mid in wanted and mid not in out:
                    created = dt.datetime.strptime(t["created_at"], "%Y-%m-%d %H:%M:%S")
                    out[mid] = {
                        "text": t["text"],
                        "handle": "@" + t["author_id"],
                        "created_at": iso(created),
                        "brand": "orange",
                    }
    return out


def load_twcs(path, wanted):
    # Read as one string with newline="" so the stray CR characters of one row do not split it.
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(io.StringIO(f.read())))
    by_id = {r["tweet_id"]: r for r in rows}
    out = {}
    for r in rows:
        mid = r["tweet_id"]
        if mid not in wanted or r.get("inbound") != "True":
            continue
        brand = None
        for h in re.findall(r"@(\w+)", r["text"]):
            if not h.isdigit():
                brand = h
                break
        for rid in (r.get("response_tweet_id") or "").split(","):
            reply = by_id.get(rid.strip())
            if reply and reply.get("inbound") == "False":
                brand = reply["author_id"]
        created = dt.datetime.strptime(r["created_at"], "%a %b %d %H:%M:%S %z %Y")
        out[mid] = {
            "text": r["text"],
            "handle": "@" + r["author_id"],
            "created_at": iso(created.astimezone(dt.timezone.utc)),
            "brand": (brand or "unknown").lower(),
        }
    return out


def load_ibm(path, wanted):
    with open(path, encoding="utf-8") as f:
        convs = json.load(f)
    out = {}
    for conv in convs:
        company = conv["dialogHeader"]["company"]
        for turn in conv["dialogContent"]:
            mid = str(turn.get("tweet_ID"))
            if "client" in turn and mid in wanted and mid not in out:
                created = turn["datetime"].replace(".000Z", "Z")
                out[mid] = {
                    "text": turn["message"],
                    "handle": "@" + turn["client"],
                    "created_at": created,
                    "brand": company.lower(),
                }
    return out


LOADERS = {ORANGE: load_orange, TWCS: load_twcs, IBM: load_ibm}


def run_triage(binary, brand_file, messages, model, rules):
    cmd = [binary, "triage", "--brand", brand_file]
    if model:
        cmd += ["--model", model]
    if rules:
        cmd += ["--rules", rules]
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as inp:
        for m in messages:
            inp.write(json.dumps(m, ensure_ascii=False) + "\n")
        inp.seek(0)
        proc = subprocess.run(cmd, stdin=inp, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.strip()}")
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    if len(lines) != len(messages):
        sys.exit(f"{' '.join(cmd)}: {len(messages)} messages in, {len(lines)} lines out")
    results = {}
    for m, line in zip(messages, lines):
        out = json.loads(line)
        if "error" in out:
            results[m["id"]] = ("error", out["error"])
            continue
        verdict = out.get("verdict") or {}
        results[m["id"]] = (verdict.get("action", "?"), verdict.get("rule", ""))
    return results


def report(name, rows):
    n = len(rows)
    print(f"\n== {name}: n={n}")
    if n == 0:
        return
    right = sum(r["got"] == r["gold"] for r in rows)
    print(f"accuracy       {right}/{n} = {right / n:.1%}")
    reviews = sum(r["got"] == "review" for r in rows)
    print(f"review share   {reviews}/{n} = {reviews / n:.1%}  (gold review: "
          f"{sum(r['gold'] == 'review' for r in rows)})")
    print("recall per gold verdict:")
    for v in VERDICTS:
        tot = sum(r["gold"] == v for r in rows)
        if tot:
            ok = sum(r["gold"] == v and r["got"] == v for r in rows)
            print(f"  {v:<10} {ok:>3}/{tot:<3} = {ok / tot:.0%}")
    got_labels = VERDICTS + sorted({r["got"] for r in rows} - set(VERDICTS))
    cm = collections.Counter((r["gold"], r["got"]) for r in rows)
    short = {"no_engage": "no_eng", "escalate": "escal", "respond": "resp", "private": "priv"}
    head = "".join(f"{short.get(g, g)[:6]:>7}" for g in got_labels)
    print(f"confusion (rows gold, columns got):\n  {'':<10}{head}")
    for v in VERDICTS:
        if any(cm[(v, g)] for g in got_labels):
            print(f"  {v:<10}" + "".join(f"{cm[(v, g)] or '.':>7}" for g in got_labels))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "wederhoor"))
    ap.add_argument("--data", default=os.path.join(os.path.dirname(REPO), "shared", "data"))
    ap.add_argument("--labels", default=DEFAULT_TSV)
    ap.add_argument("--brands", default=BRANDS_DIR, help="directory of brand TOML files")
    ap.add_argument("--model", help="passed to triage as --model")
    ap.add_argument("--rules", help="passed to triage as --rules")
    ap.add_argument("--show-errors", action="store_true", help="list wrong dev rows")
    ap.add_argument("--heldout-errors", action="store_true",
                    help="with --show-errors, also list wrong heldout rows (reporting only)")
    args = ap.parse_args()

    rows = read_labels(args.labels)
    if not os.path.isdir(args.data):
        skipped(f"data directory {args.data} not found (needs ../shared/data beside the checkout)")
    missing = sorted({r["file"] for r in rows if not os.path.isfile(os.path.join(args.data, r["file"]))})
    if missing:
        skipped("data files not found under " + args.data + ": " + ", ".join(missing))
    if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
        skipped(f"binary {args.bin} not found (build it with cargo build --release, or pass --bin)")

    texts = {}
    for file in sorted({r["file"] for r in rows}):
        loader = LOADERS.get(file)
        if loader is None:
            sys.exit(f"no loader for {file}")
        wanted = {r["id"] for r in rows if r["file"] == file}
        found = loader(os.path.join(args.data, file), wanted)
        for mid, msg in found.items():
            texts[(file, mid)] = msg

    lost = [r for r in rows if (r["file"], r["id"]) not in texts]
    if lost:
        print(f"warning: {len(lost)} labelled ids not found in the data, left out: "
              + ", ".join(f"{r['file']}:{r['id']}" for r in lost[:10]))
    rows = [r for r in rows if (r["file"], r["id"]) in texts]

    by_brand = collections.defaultdict(list)
    for r in rows:
        by_brand[texts[(r["file"], r["id"])]["brand"]].append(r)
    results = {}
    for brand, brows in sorted(by_brand.items()):
        brand_file = os.path.join(args.brands, brand + ".toml")
        if not os.path.isfile(brand_file):
            sys.exit(f"no brand file {brand_file} for {len(brows)} messages")
        msgs = []
        for r in brows:
            t = texts[(r["file"], r["id"])]
            msgs.append({"id": r["id"], "text": t["text"], "author": {"handle": t["handle"]},
                         "created_at": t["created_at"]})
        for mid, res in run_triage(args.bin, brand_file, msgs, args.model, args.rules).items():
            results[(brand, mid)] = res
    for r in rows:
        brand = texts[(r["file"], r["id"])]["brand"]
        r["got"], r["rule"] = results[(brand, r["id"])]

    errors = sum(r["got"] == "error" for r in rows)
    print(f"labels: {args.labels}\nbinary: {args.bin}" + (f"\nmodel:  {args.model}" if args.model else ""))
    if errors:
        print(f"warning: {errors} messages came back as error lines (counted as wrong)")
    for split in SPLITS:
        report(split, [r for r in rows if r["set"] == split])
    report("all", rows)
    print("\n(heldout is for reporting only: never tune on it)")

    if args.show_errors:
        splits = SPLITS if args.heldout_errors else ["dev"]
        print(f"\nerrors ({', '.join(splits)}): set, file, id, gold, got, rule")
        for r in rows:
            if r["set"] in splits and r["got"] != r["gold"]:
                print(f"  {r['set']}\t{r['file'].split('/')[0]}\t{r['id']}\t{r['gold']}\t{r['got']}\t{r['rule']}")


if __name__ == "__main__":
    main()
