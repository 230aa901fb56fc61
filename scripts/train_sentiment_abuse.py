#!/usr/bin/env python3
"""Trains the learned parts of the sentiment and abuse models of wederhoor-triage.

Needs numpy (`pip install numpy`). Run from the repository root:

    python3 scripts/train_sentiment_abuse.py [../shared/data]

Writes `crates/wederhoor-triage/src/models/sentiment.bin` and `.../abuse.bin`. Both are
hashed linear models (logistic regression); the feature hashing below must stay identical
to `sentiment.rs` and `abuse.rs` (the Rust unit tests check a few known hashes).

Training data, open licences only (see crates/wederhoor-triage/src/models/README.md):
- our own sentences and templates in scripts/training/*.txt;
- xed-emotion-nl (CC BY 4.0): emotions mapped to polarity;
- pattern-sentiment-lexicon-nl (PDDL) and lupje-sentiment-lexicon-nl (MIT): words as tiny
  documents and in short frames (with negation);
- xsid-intents-nl (CC BY-SA 4.0): ordinary Dutch requests, neutral and not abusive;
- ibm-twitter-customer-care-en (Apache-2.0): customer tweets, not abusive;
- ldnoobw-nl v2 (CC0) and hades-racism-lexicon-nl cleaned.csv (CC BY-SA 4.0; only the
  Neutral-Nationality/Migration/Religion plural nouns as group words, never the first-name list).
Evaluation-only sets are never read here.
"""

import json
import os
import random
import re
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINING = os.path.join(ROOT, "scripts", "training")
MODELS = os.path.join(ROOT, "crates", "wederhoor-triage", "src", "models")
MASK = (1 << 64) - 1

# ---------------------------------------------------------------- hashing (mirror of Rust)

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
K_UNI, K_BI, K_NEG, K_PRE, K_CHAR = 0x01, 0x02, 0x03, 0x04, 0x05
K_GROUP = 0xA5A5000000000000
BIGRAM_MUL = 0x9E3779B97F4A7C15
_fnv_cache = {}


def fnv(data: bytes) -> int:
    h = _fnv_cache.get(data)
    if h is not None:
        return h
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & MASK
    if len(_fnv_cache) < 2_000_000:
        _fnv_cache[data] = h
    return h


def bucket(key: int, bits: int) -> int:
    x = key & MASK
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & MASK
    x ^= x >> 33
    return x >> (64 - bits)


BOS = fnv(b"<s>")
EOS = fnv(b"</s>")


def bigram_key(a: int, b: int) -> int:
    return ((a * BIGRAM_MUL) & MASK) ^ b ^ K_BI


# ---------------------------------------------------------------- text (mirror of text.rs)

FOLD = {}
for _src, _dst in [("áàâäãå", "a"), ("éèêë", "e"), ("íìîï", "i"), ("óòôöõ", "o"), ("úùûü", "u"),
                   ("ç", "c"), ("ñ", "n"), ("ß", "s"), ("ÿ", "y")]:
    for _c in _src:
        FOLD[_c] = _dst


def skip_handles(text: str, repl: str) -> str:
    out = []
    i = 0
    prev = None
    while i < len(text):
        rest = text[i:]
        low = rest[:8].lower()
        if low.startswith("http://") or low.startswith("https://") or low.startswith("www."):
            m = re.search(r"\s", rest)
            n = m.start() if m else len(rest)
            i += n
            out.append(repl)
            prev = " "
            continue
        if rest[0] == "@" and not (prev is not None and prev.isalnum()):
            j = 1
            while j < len(rest) and (rest[j].isalnum() or rest[j] == "_"):
                j += 1
            i += j
            out.append(repl)
            prev = " "
            continue
        out.append(rest[0])
        prev = rest[0]
        i += 1
    return "".join(out)


def normalize(text: str) -> str:
    """Mirror of text::normalize."""
    t = skip_handles(text, " ")
    out = [" "]
    for c in t:
        if c.isalnum():
            for l in c.lower():
                out.append(FOLD.get(l, l))
        elif c in "'’`‘":
            pass
        elif out[-1] != " ":
            out.append(" ")
    if out[-1] != " ":
        out.append(" ")
    return "".join(out)


def lower_without_handles(text: str) -> str:
    return skip_handles(text, " ").lower()


def may_be_obfuscated(lower: str) -> bool:
    if any(c in "013457@$!" for c in lower):
        return True
    run = 0
    for w in lower.split():
        single = len(w) == 1 and w.isalpha()
        run = run + 1 if single else 0
        if run >= 2:
            return True
    return False


def deobfuscate(lower: str) -> str:
    chars = list(lower)
    out = []
    n = len(chars)
    for i, c in enumerate(chars):
        prev = chars[i - 1] if i > 0 else None
        nxt = chars[i + 1] if i + 1 < n else None
        in_word = (prev is not None and prev.isalpha()) or (nxt is not None and nxt.isalpha())
        mapped = c
        if c in "4@" and in_word:
            mapped = "a"
        elif c == "3" and in_word:
            mapped = "e"
        elif c in "1!" and in_word and nxt is not None and nxt.isalpha():
            mapped = "i"
        elif c == "0" and in_word:
            mapped = "o"
        elif c in "$5" and in_word:
            mapped = "s"
        elif c == "7" and in_word:
            mapped = "t"
        if c == " ":
            def single(k, d):
                if k is None or k < 0 or k >= n:
                    return False
                at = chars[k]
                j = k + d
                beyond = chars[j] if 0 <= j < n else None
                return at.isalpha() and not (beyond is not None and beyond.isalnum())
            if single(i - 1 if i >= 1 else None, -1) and single(i + 1, 1):
                continue
        out.append(mapped)
    return "".join(out)


QUOTES = "\"“”„"


def abuse_tokens(lower: str):
    """Mirror of abuse.rs `tokens`: alphanumeric runs (accents folded, apostrophes joined) and
    quote marks as their own token. `lower` is already deobfuscated (`abuse_plain`)."""
    toks = []
    cur = []
    for c in lower:
        if c.isalnum():
            for l in c.lower():
                cur.append(FOLD.get(l, l))
        elif c in "'’`‘":
            pass
        else:
            if cur:
                toks.append("".join(cur))
                cur = []
            if c in QUOTES:
                toks.append('"')
    if cur:
        toks.append("".join(cur))
    return toks


# ---------------------------------------------------------------- features

NEGATORS = {"niet", "geen", "nooit", "nauwelijks", "zonder", "not", "no", "never", "dont",
            "doesnt", "isnt", "wasnt", "didnt", "wont", "aint", "arent", "hardly", "without",
            "cant", "cannot", "niets", "niks", "noch"}


def sentiment_keys(norm: str):
    words = [w for w in norm.split(" ") if w]
    keys = []
    prev = BOS
    neg_left = 0
    for w in words:
        b = w.encode()
        h = fnv(b)
        keys.append(h ^ K_UNI)
        keys.append(bigram_key(prev, h))
        if len(b) > 5:
            keys.append(fnv(b[:5]) ^ K_PRE)
        if neg_left > 0:
            keys.append(h ^ K_NEG)
            neg_left -= 1
        if w in NEGATORS:
            neg_left = 3
        prev = h
    keys.append(bigram_key(prev, EOS))
    return keys


def char_keys(tok: bytes):
    padded = b"_" + tok + b"_"
    return [fnv(padded[i:i + 4]) ^ K_CHAR for i in range(len(padded) - 3)]


def group_hit(tok: str, groups: set) -> bool:
    """A group word, or a long word that starts with one ("vrouwenophangen")."""
    b = tok.encode()
    if fnv(b) in groups:
        return True
    return len(b) >= 10 and any(fnv(b[:k]) in groups for k in range(6, len(b) - 2))


def abuse_plain(lower: str) -> str:
    return deobfuscate(lower) if may_be_obfuscated(lower) else lower


def abuse_keys(lower: str, groups: set):
    """Hashed features and whether the text names a group (then also the group copies)."""
    toks = abuse_tokens(lower)
    has_group = any(group_hit(t, groups) for t in toks if t != '"')
    keys = []
    gkeys = []
    prev = BOS
    for t in toks:
        b = t.encode()
        h = fnv(b)
        keys.append(h ^ K_UNI)
        bk = bigram_key(prev, h)
        keys.append(bk)
        if has_group:
            gkeys.append(h ^ K_UNI ^ K_GROUP)
            gkeys.append(bk ^ K_GROUP)
        if t != '"' and len(b) >= 3:
            keys.extend(char_keys(b))
        prev = h
    bk = bigram_key(prev, EOS)
    keys.append(bk)
    if has_group:
        gkeys.append(bk ^ K_GROUP)
    return keys + gkeys, has_group


# ---------------------------------------------------------------- own lexicon (mirror of sentiment.rs)

def rust_lexicon():
    src = open(os.path.join(ROOT, "crates", "wederhoor-triage", "src", "sentiment.rs"), encoding="utf-8").read()
    def table(name):
        m = re.search(r"const " + name + r": &\[\(&str, f32\)\] = &\[(.*?)\n\];", src, re.S)
        return {w: float(s) for w, s in re.findall(r'\("([^"]+)", ([0-9.]+)\)', m.group(1))}
    lex = dict(table("POSITIVE"))
    for w, s in table("NEGATIVE").items():
        lex[w] = -s
    def words_of(name):
        m = re.search(r"const " + name + r": &\[&str\] = &\[(.*?)\];", src, re.S)
        return set(re.findall(r'"([^"]+)"', m.group(1)))
    return lex, words_of("NEGATORS"), words_of("INTENSIFIERS")


LEX, LEX_NEG, LEX_INT = rust_lexicon()


def lex_lookup(w):
    if w in LEX:
        return LEX[w]
    if len(w) < 5:
        return None
    for suf in ("e", "en"):
        if w.endswith(suf) and w[: -len(suf)] in LEX:
            return LEX[w[: -len(suf)]]
    return None


def lexicon_total(norm: str) -> float:
    """Word part of SentimentModel::lexicon_total (no emoji, complaint or sarcasm)."""
    ws = [w for w in norm.split(" ") if w]
    total = 0.0
    negate_left = 0
    boost = 1.0
    for i, w in enumerate(ws):
        if w in LEX_NEG:
            negate_left = 3
            continue
        nxt = ws[i + 1] if i + 1 < len(ws) else None
        if w in LEX_INT and nxt is not None and (nxt in LEX or nxt in LEX_INT):
            boost = min(boost * 1.5, 2.5)
            continue
        s = lex_lookup(w)
        if s is not None:
            v = s * boost
            if negate_left > 0:
                v = -v if v > 0 else -v * 0.5
                negate_left = 0
            total += v
            boost = 1.0
            continue
        boost = 1.0
        negate_left = max(negate_left - 1, 0)
    return total


class SentimentScorer:
    """Mirror of SentimentModel::score (without emoji, complaint and sarcasm), read from the
    freshly written sentiment.bin."""

    def __init__(self, path):
        b = open(path, "rb").read()
        _, k, bits, nd, _, scale = struct.unpack_from("<HHIIIf", b, 4)
        o = 24
        self.bias = np.array(struct.unpack_from(f"<{k}f", b, o))
        o += 4 * k
        self.dense = np.array(struct.unpack_from(f"<{nd * k}f", b, o)).reshape(nd, k)
        o += 4 * nd * k
        self.w = np.frombuffer(b, dtype=np.int8, count=(1 << bits) * k, offset=o).reshape(-1, k) * scale
        self.bits = bits

    def score(self, text):
        norm = normalize(text)
        tot = lexicon_total(norm)
        z = self.bias + np.array([max(tot, 0.0), max(-tot, 0.0)]) @ self.dense
        for key in sentiment_keys(norm):
            z = z + self.w[bucket(key, self.bits)]
        e = np.exp(z - z.max())
        p = e / e.sum()
        score = SENT_LEXICON_SHARE * tot / (abs(tot) + 1.5) + (1 - SENT_LEXICON_SHARE) * (p[2] - p[0])
        if abs(score) > 0.15:
            score = float(np.sign(score)) * (0.15 + (abs(score) - 0.15) * SENT_STRONG_SLOPE)
        return round(float(score), 3)


# ---------------------------------------------------------------- data

def read_lines(name):
    with open(os.path.join(TRAINING, name), encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]


def read_slots(name):
    slots = {}
    for l in read_lines(name):
        if l.startswith("@"):
            k, v = l[1:].split(" ", 1)
            slots[k] = v.split("|")
    return slots


def fill(template, slots, rng):
    pair = None
    other = None

    def rep(m):
        nonlocal pair, other
        k = m.group(1)
        if k in ("G", "g"):
            if pair is None:
                pair = rng.choice(slots["GROUP"]).split("/")
            return pair[0] if k == "G" else pair[-1]
        if k in ("O", "o"):
            if other is None:
                other = rng.choice(slots["OTHER"]).split("/")
            return other[0] if k == "O" else other[-1]
        if k in slots:
            return rng.choice(slots[k])
        return m.group(0)
    return re.sub(r"\{(\w+)\}", rep, template)


def surface_variants(s, rng, typo_rate=0.15, space_del_rate=0.04):
    """Capitalisation, punctuation and the odd typo, so that the model does not learn the
    layout of our templates."""
    if rng.random() < 0.5:
        s = s[:1].upper() + s[1:]
    if rng.random() < 0.4 and not s.endswith(("?", ".", "!")):
        s += rng.choice([".", "!", "!!", " ", "."])
    if rng.random() < typo_rate:
        words = s.split(" ")
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 4:
            j = rng.randrange(1, len(w) - 1)
            if rng.random() < 0.5:
                w = w[:j] + w[j + 1:]
            else:
                w = w[:j - 1] + w[j] + w[j - 1] + w[j + 1:]
            words[i] = w
        s = " ".join(words)
    if rng.random() < 0.05:
        s = s.replace("a", "4").replace("o", "0")
    if rng.random() < 0.04:
        words = s.split(" ")
        i = rng.randrange(len(words))
        words[i] = " ".join(words[i])
        s = " ".join(words)
    if rng.random() < space_del_rate and " " in s:
        spaces = [i for i, c in enumerate(s) if c == " "]
        i = rng.choice(spaces)
        s = s[:i] + s[i + 1:]
    return s


def xsid(data):
    out = []
    for f in ("nl.valid.conll", "nl.test.conll"):
        p = os.path.join(data, "xsid-intents-nl", f)
        if os.path.exists(p):
            for l in open(p, encoding="utf-8"):
                if l.startswith("# text = "):
                    out.append(l[len("# text = "):].strip())
    return out


def ibm_customer(data):
    p = os.path.join(data, "ibm-twitter-customer-care-en", "dev.json")
    out = []
    if not os.path.exists(p):
        return out
    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if isinstance(v, str) and k in ("text", "utterance", "url_utterance") and len(v) > 10:
                    out.append(v)
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(json.load(open(p, encoding="utf-8")))
    return out


def xed(data):
    p = os.path.join(data, "xed-emotion-nl", "nl-projections.tsv")
    out = []
    for l in open(p, encoding="utf-8"):
        parts = l.rstrip("\n").split("\t")
        if len(parts) != 2:
            continue
        labels = {int(x) for x in re.findall(r"\d", parts[1])}
        pos = labels & {5, 8}
        neg = labels & {1, 3, 4, 6}
        if pos and not neg:
            out.append((parts[0], 2))
        elif neg and not pos:
            out.append((parts[0], 0))
    return out


def pattern_lexicon(data):
    p = os.path.join(data, "pattern-sentiment-lexicon-nl", "nl-sentiment.xml")
    acc = {}
    for m in re.finditer(r"<word ([^>]*)/>", open(p, encoding="utf-8").read()):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        try:
            pol = float(attrs.get("polarity", "0"))
            subj = float(attrs.get("subjectivity", "0"))
        except ValueError:
            continue
        acc.setdefault(attrs.get("form", "").lower(), []).append((pol, subj))
    out = {}
    for w, v in acc.items():
        pol = sum(x[0] for x in v) / len(v)
        subj = sum(x[1] for x in v) / len(v)
        if pol >= 0.3:
            out[w] = 2
        elif pol <= -0.3:
            out[w] = 0
        elif abs(pol) < 0.05 and subj < 0.2:
            out[w] = 1
    return out


def lupje(data):
    p = os.path.join(data, "lupje-sentiment-lexicon-nl", "LUPJE.txt")
    out = {}
    for l in open(p, encoding="utf-8"):
        parts = l.strip().split("\t")
        if len(parts) != 2:
            continue
        try:
            s = int(parts[1])
        except ValueError:
            continue
        if s >= 2:
            out[parts[0].lower()] = 2
        elif s <= -2:
            out[parts[0].lower()] = 0
    return out


HADES_SKIP = {"moordpartijen", "golfstaten", "bushmen", "mujahideen", "chileen", "christen"}


def hades_groups(data):
    p = os.path.join(data, "hades-racism-lexicon-nl", "cleaned.csv")
    out = []
    for l in open(p, encoding="utf-8"):
        parts = l.strip().split(",")
        if parts[0] not in ("Neutral-Nationality", "Neutral-Migration", "Neutral-Religion"):
            continue
        for w in parts[1:]:
            if re.fullmatch(r"[a-zë]{5,}(?:en|ers|anen|ieten|ten)", w) and w not in HADES_SKIP:
                out.append(w)
    return sorted(set(out))


def ldnoobw(data):
    p = os.path.join(data, "ldnoobw-nl", "ldnoobw_v2_nl.txt")
    out = []
    for l in open(p, encoding="utf-8"):
        w = l.strip().lower()
        if w and " " not in w and len(w) >= 5:
            out.append(w)
    return out


# ---------------------------------------------------------------- training

def train(rows, labels, weights, dense, n_class, bits, l2, epochs, lr=0.05):
    """Full-batch Adam on a hashed multinomial (n_class > 1) or binary logistic regression.
    rows: list of bucket-index lists."""
    d = 1 << bits
    n = len(rows)
    r_idx = np.concatenate([np.full(len(r), i, dtype=np.int64) for i, r in enumerate(rows)])
    c_idx = np.concatenate([np.asarray(r, dtype=np.int64) for r in rows])
    y = np.asarray(labels)
    sw = np.asarray(weights, dtype=np.float64)
    sw = sw / sw.mean()
    k = n_class if n_class > 1 else 1
    w = np.zeros((d, k))
    b = np.zeros(k)
    nd = dense.shape[1]
    v = np.zeros((nd, k))
    params = [w, b, v]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    for t in range(1, epochs + 1):
        z = np.zeros((n, k))
        for c in range(k):
            z[:, c] = np.bincount(r_idx, weights=w[c_idx, c], minlength=n)
        z += b + dense @ v
        if k == 1:
            p = 1.0 / (1.0 + np.exp(-z[:, 0]))
            err = ((p - y) * sw)[:, None]
        else:
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            p = e / e.sum(axis=1, keepdims=True)
            onehot = np.zeros_like(p)
            onehot[np.arange(n), y] = 1.0
            err = (p - onehot) * sw[:, None]
        gw = np.zeros_like(w)
        for c in range(k):
            gw[:, c] = np.bincount(c_idx, weights=err[r_idx, c], minlength=d)
        gw = gw / n + l2 * w
        gb = err.mean(axis=0)
        gv = dense.T @ err / n
        for i, g in enumerate([gw, gb, gv]):
            m1[i] = 0.9 * m1[i] + 0.1 * g
            m2[i] = 0.999 * m2[i] + 0.001 * g * g
            params[i] -= lr * (m1[i] / (1 - 0.9 ** t)) / (np.sqrt(m2[i] / (1 - 0.999 ** t)) + 1e-8)
        if t % 50 == 0 or t == epochs:
            if k == 1:
                acc = float(((p > 0.5) == (y > 0.5)).mean())
            else:
                acc = float((p.argmax(axis=1) == y).mean())
            print(f"    epoch {t}: train accuracy {acc:.3f}", flush=True)
    return w, b, v


def write_model(path, magic, w, b, v, bits, groups=()):
    """Layout (little endian): magic[4], version u16, classes u16, bits u32, dense u32,
    groups u32, scale f32, bias f32[classes], dense weights f32[dense*classes],
    weights i8[(1<<bits)*classes] (bucket-major), group hashes u64[groups]."""
    k = w.shape[1]
    scale = float(np.abs(w).max()) / 127.0 or 1.0
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    with open(path, "wb") as f:
        f.write(magic)
        f.write(struct.pack("<HHIIIf", 1, k, bits, v.shape[0], len(groups), scale))
        f.write(struct.pack(f"<{k}f", *[float(x) for x in b]))
        f.write(struct.pack(f"<{v.size}f", *[float(x) for x in v.reshape(-1)]))
        f.write(q.reshape(-1).tobytes())
        f.write(struct.pack(f"<{len(groups)}Q", *sorted(groups)))
    print(f"  wrote {path} ({os.path.getsize(path)} bytes, scale {scale:.5f})")


# Misspellings in the abuse templates (HateCheck-style spelling games); sentiment uses 0.15/0.04.
TYPO_RATE = 0.3
SPACE_DEL_RATE = 0.1
SENT_BITS = 17
SENT_LEXICON_SHARE = 0.5
SENT_STRONG_SLOPE = 0.7
XED_WEIGHT = 1.0
XSID_WEIGHT = 0.7
SENT_L2 = 2e-3
SENT_EPOCHS = 150
ABUSE_BITS = 16
ABUSE_L2 = 1e-5
ABUSE_EPOCHS = 200


def build_sentiment(data, rng):
    texts, labels, weights = [], [], []

    def add(t, y, wt=1.0):
        texts.append(t)
        labels.append(y)
        weights.append(wt)

    slots = read_slots("sentiment_slots.txt")
    label_of = {"neg": 0, "neu": 1, "pos": 2}
    for l in read_lines("sentiment_nl.txt"):
        if l.startswith("@"):
            continue
        lab, t = l.split("\t", 1)
        reps = 12 if "{" in t else 4
        for _ in range(reps):
            add(surface_variants(fill(t, slots, rng), rng), label_of[lab], 1.0)
    for t, y in xed(data):
        add(t, y, XED_WEIGHT)
    for t in xsid(data):
        add(t, 1, XSID_WEIGHT)
    lex = pattern_lexicon(data)
    lex.update(lupje(data))
    frames_pos = ["{w}", "echt {w}", "heel {w}", "wat {w}", "dat is {w}", "het was {w}", "zo {w}!"]
    frames_neg = ["niet {w}", "helemaal niet {w}", "nooit {w}", "geen {w}"]
    for w, y in lex.items():
        add(w, y, 0.6)
        add(rng.choice(frames_pos).format(w=w), y, 0.5)
        if y != 1:
            add(rng.choice(frames_neg).format(w=w), 0 if y == 2 else 1, 0.3)
    print(f"  sentiment: {len(texts)} training texts")
    rows, dense = [], []
    for t in texts:
        norm = normalize(t)
        rows.append([bucket(k, SENT_BITS) for k in sentiment_keys(norm)])
        tot = lexicon_total(norm)
        dense.append([max(tot, 0.0), max(-tot, 0.0)])
    labels_arr = np.asarray(labels)
    wts = np.asarray(weights)
    for c in range(3):
        share = wts[labels_arr == c].sum() / wts.sum()
        wts[labels_arr == c] *= (1 / 3) / share
    w, b, v = train(rows, labels, wts, np.asarray(dense), 3, SENT_BITS, l2=SENT_L2, epochs=SENT_EPOCHS)
    print(f"  dense (lexicon) weights per class neg/neu/pos: {v.tolist()}")
    write_model(os.path.join(MODELS, "sentiment.bin"), b"WHSM", w, b, v, SENT_BITS)


GROUP_STOP = {"mensen", "personen", "persoon", "man", "mannen", "met", "een",
              "vrouwen", "vrouw"}


def group_tokens(slots, extra):
    toks = set()
    for pair in slots["GROUP"]:
        for form in pair.split("/"):
            ws = abuse_tokens(form.lower())
            keep = [w for w in ws if w not in GROUP_STOP] or ws
            # "zwarte mensen" -> zwarte; "vrouwen" stays a group word on its own
            if len(ws) == 1:
                keep = ws
            toks.update(keep)
    toks.update(extra)
    hashes = set()
    for t in toks:
        hashes.add(fnv(t.encode()))
        if len(t) >= 6:
            # misspellings: one letter dropped or two neighbours swapped (not the first letter)
            for i in range(1, len(t)):
                hashes.add(fnv((t[:i] + t[i + 1:]).encode()))
                if i + 1 < len(t):
                    hashes.add(fnv((t[:i] + t[i + 1] + t[i] + t[i + 2:]).encode()))
    return toks, hashes


def build_abuse(data, rng):
    slots = read_slots("abuse_slots.txt")
    hg = hades_groups(data)
    nat = [w for w in hg if w.endswith(("anen", "ezen", "ieten", "rs", "en"))]
    toks, groups = group_tokens(slots, nat)
    slots["GROUP"] = slots["GROUP"] + [f"{w}/{w}" for w in nat]
    bad = ldnoobw(data)
    texts, labels, weights = [], [], []

    def add(t, y, wt=1.0):
        texts.append(t)
        labels.append(y)
        weights.append(wt)

    for l in read_lines("abuse_templates.txt"):
        if l.startswith("##"):
            continue
        lab, t = l.split("\t", 1)
        n_slots = len(re.findall(r"\{\w+\}", t))
        reps = 4 + 10 * min(n_slots, 2)
        if lab == "0" and re.search(r"\{[Gg]\}", t):
            reps *= 2
        for _ in range(reps):
            add(surface_variants(fill(t, slots, rng), rng, TYPO_RATE, SPACE_DEL_RATE), int(lab), 1.0)
    for w in bad:
        add(rng.choice(["jullie zijn {w}", "wat een {w}", "{w}"]).format(w=w), 1, 0.15)
    for t in read_lines("sentiment_nl.txt"):
        lab, s = t.split("\t", 1)
        for _ in range(3):
            add(surface_variants(fill(s, read_slots("sentiment_slots.txt"), rng), rng), 0, 1.0)
    for t in read_lines("customer_nl.txt"):
        for _ in range(3):
            add(surface_variants(t, rng), 0, 1.0)
    for t in xsid(data):
        add(t, 0, 0.5)
    ibm = ibm_customer(data)
    rng.shuffle(ibm)
    for t in ibm[:3000]:
        add(t, 0, 0.5)
    for t, _ in xed(data):
        add(t, 0, 0.3)
    print(f"  abuse: {len(texts)} training texts, {sum(labels)} abusive; {len(toks)} group words")
    scorer = SentimentScorer(os.path.join(MODELS, "sentiment.bin"))
    rows, dense = [], []
    for t in texts:
        plain = abuse_plain(lower_without_handles(t))
        keys, has_group = abuse_keys(plain, groups)
        rows.append([bucket(k, ABUSE_BITS) for k in keys])
        s = scorer.score(plain) if has_group else 0.0
        dense.append([max(-s, 0.0), max(s, 0.0)])
    w, b, v = train(rows, labels, weights, np.asarray(dense), 1, ABUSE_BITS, l2=ABUSE_L2, epochs=ABUSE_EPOCHS)
    print(f"  dense (group x sentiment) weights: {v.reshape(-1).tolist()}")
    write_model(os.path.join(MODELS, "abuse.bin"), b"WHAB", w, b, v, ABUSE_BITS, groups)
    return groups


def parity(groups):
    """Values the Rust unit tests compare against (update them after retraining)."""
    scorer = SentimentScorer(os.path.join(MODELS, "sentiment.bin"))
    norm = normalize("Ik heb een vraag over mijn rekening")
    z = scorer.bias.copy()
    for key in sentiment_keys(norm):
        z = z + scorer.w[bucket(key, scorer.bits)]
    e = np.exp(z - z.max())
    print(f"  parity sentiment.rs: {np.round(e / e.sum(), 3).tolist()}")
    b = open(os.path.join(MODELS, "abuse.bin"), "rb").read()
    _, k, bits, nd, _, scale = struct.unpack_from("<HHIIIf", b, 4)
    bias = struct.unpack_from("<f", b, 24)[0]
    dense = struct.unpack_from(f"<{nd}f", b, 28)
    w = np.frombuffer(b, dtype=np.int8, count=1 << bits, offset=28 + 4 * nd) * scale
    for t in ("statushouders zijn een plaag voor dit land", "mijn pinpas werkt niet"):
        keys, g = abuse_keys(t, groups)
        z = bias + sum(w[bucket(key, bits)] for key in keys)
        if g:
            s = scorer.score(t)
            z += max(-s, 0.0) * dense[0] + max(s, 0.0) * dense[1]
        print(f"  parity abuse.rs: {t!r}: logit {z:.3f}, group {g}")


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data")
    os.makedirs(MODELS, exist_ok=True)
    which = sys.argv[2] if len(sys.argv) > 2 else "both"
    if which in ("both", "sentiment"):
        build_sentiment(data, random.Random(7))
    if which in ("both", "abuse"):
        parity(build_abuse(data, random.Random(11)))


if __name__ == "__main__":
    main()
