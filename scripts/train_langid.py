#!/usr/bin/env python3
"""Trains the language-identification model of `crates/wederhoor-triage/src/lang.rs`.

Requires: python3 (3.9+) and numpy (`pip install numpy`). Nothing else.

    python3 scripts/train_langid.py                   # reads ../shared/data, writes the model
    python3 scripts/train_langid.py --data DIR        # another location of the shared data
    python3 scripts/train_langid.py --holdout         # train on 80 %, report on the other 20 %

The model is a multinomial logistic regression over five classes (nl, en, fr, de, und = any
other language) on hashed features of each word of the text: its character 1- to 4-grams
(the word padded with a space on each side) and the whole word. Handles, URLs, `^signatures`,
digits, punctuation, `#` and emoji are dropped; letters are lowercased, accents kept.
`lang.rs` computes exactly the same features (`for_each_word` and `add_word` there, `words`
and `word_features` below; the hash is FNV-1a over Unicode code points followed by a
multiplicative mix).

Training data, open licences only (see crates/wederhoor-triage/src/models/README.md):
lingua-langid-testdata (Apache-2.0; nl/en/fr/de, the other ten languages as `und`),
xsid-intents-nl (CC BY-SA 4.0; Dutch and English texts), xed-emotion-nl (CC BY 4.0),
banking77-en (CC BY 4.0), nlupp-banking-en (CC BY 4.0), ibm-twitter-customer-care-en
(Apache-2.0), and the short informal sentences written for this project below. The
evaluation-only sets (orange-be-webcare-nl and the others) are never read here.

Output: crates/wederhoor-triage/src/models/langid.bin, little-endian:
    b"WLID", u8 version (1), u8 hash bits B, u8 classes (5), u8 reserved (0),
    f32 scale (logit units per weight step), i32 bias[5] (in weight steps),
    i8 weight[2^B][5] (bucket-major).
"""

import argparse
import csv
import json
import os
import random
import struct
import sys

import numpy as np

CLASSES = ["nl", "en", "fr", "de", "und"]
BITS = 16
MAX_WORD = 48
# Prior of each class in a Belgian/Dutch webcare inbox (mostly Dutch, then French and
# English, little German, some other languages), a rough estimate, not fitted to any data.
# Training weighs the classes equally, so log(prior) is added to the biases afterwards. It
# decides texts with little evidence ("Bedankt!", "En meer info?") towards Dutch and keeps
# "und" for texts that clearly look like another language.
PRIOR = {"nl": 0.55, "en": 0.15, "fr": 0.15, "de": 0.05, "und": 0.10}

# --- Sentences written for this project: short, informal customer-service messages. ------

OWN = {
    "nl": """
al 3 dagen geen internet, wat is er aan de hand?
mijn internet valt de hele tijd weg
waarom is mijn factuur zo hoog deze maand?
ik heb al twee keer gebeld maar niemand helpt me
kunnen jullie me even terugbellen aub
bedankt voor de snelle hulp!
dank je wel
dankjewel
bedankt
merci voor de hulp
alvast bedankt
top, bedankt!
ja dat klopt
nee dat klopt niet
neen, nog altijd niks
nog steeds geen bereik hier
geen bereik in de hele straat
is er een storing in gent?
storing in antwerpen?
het netwerk ligt plat
wanneer wordt dit opgelost?
hoelang gaat dit nog duren?
ik wacht al een week op mijn nieuwe simkaart
mijn simkaart werkt niet meer
de modem knippert rood
modem al herstart, nog altijd niks
ik heb jullie een dm gestuurd
zie dm
stuur me een dm
kijk je dm eens
ik heb een privébericht gestuurd
hoe kan ik mijn abonnement opzeggen?
ik wil opzeggen
ik wil overstappen naar een ander abonnement
hebben jullie een goedkoper abonnement?
mijn mobiele data is op terwijl ik bijna niks gebruikt heb
waarom wordt er geld afgeschreven?
er is twee keer geld afgehaald van mijn rekening
de app werkt niet
ik kan niet inloggen in de app
de website is traag
wat een slechte service zeg
echt belachelijk dit
schandalig hoe jullie klanten behandelen
super service, bedankt!
goed geholpen, merci
oké, dank u
oké bedankt
in orde
alles in orde nu
het werkt weer
het werkt terug, bedankt
nog altijd hetzelfde probleem
is dat normaal?
klopt dat?
waar kan ik dat vinden?
wat moet ik doen?
hoe doe ik dat?
ge moet dat eens nakijken
gij zijt al de derde die dat zegt
ik heb da al gedaan
da's toch niet normaal
amai, wat een gedoe
allez, eindelijk opgelost
zijt ge zeker?
kunt ge dat eens nakijken?
ik ben al een uur aan het wachten aan de telefoon
de wachttijd is veel te lang
heb ik recht op een compensatie?
krijg ik mijn geld terug?
mijn nummer overzetten naar jullie
ik wil mijn nummer behouden
wanneer komt de technieker?
de technieker is niet komen opdagen
de installatie is nog altijd niet gebeurd
ik verhuis volgende maand
mijn pukcode kwijt, help
mijn gsm is gestolen
mijn telefoon is kapot
mijn pincode is geblokkeerd
geen signaal sinds vanmorgen
geen 4g meer sinds gisteren
wifi werkt niet
tv hapert de hele avond
het beeld valt steeds weg
ik krijg rare sms'jes
is dit phishing?
ik kreeg een verdacht berichtje
niet op klikken!
opgepast voor valse sms
goedemorgen, ik heb een vraag
goedemiddag
goedenavond
hallo, ik heb een probleem met mijn factuur
hoi, kan iemand mij helpen?
dag, wie kan mij helpen?
groetjes
met vriendelijke groeten
fijne dag nog
prettig weekend
geen probleem
helemaal goed
dat is jammer
wat jammer
zeer teleurgesteld
ik ben het beu
ik ben het echt kotsbeu
waarom duurt dat zo lang
niks ontvangen
nog niks gekregen
ik heb nog geen antwoord gekregen
wanneer krijg ik antwoord?
iemand?
hallo?
dringend!
help!
nieuwe klant hier
ik ben al tien jaar klant
mijn contract loopt af
welke gsm raden jullie aan?
de prijs is weer gestegen
jullie zijn te duur
waarom betaal ik meer dan vorige maand?
vind het niet terug
het lukt niet
het lukt me niet om te betalen
lukt nog altijd niet
ik snap er niks van
kan je dat eens uitleggen?
ik heb het geprobeerd
ik heb een klacht
hoe dien ik een klacht in?
mijn klantnummer is
herlaadkaart opladen lukt niet
bellen naar het buitenland
roaming in frankrijk werkt niet
in het buitenland geen internet
mijn bundel is op
onbeperkt bellen en surfen
hoeveel kost dat?
is dat gratis?
ik wil een nieuwe simkaart
mijn e-sim activeren
dubbel aangerekend
verkeerd bedrag op mijn factuur
nog eens bedankt
tot later
succes ermee
veel succes!
veel plezier ermee
proficiat!
gefeliciteerd
wat een mooi nieuws
eindelijk!
zalig
straf
goed zo
jammer genoeg niet
ik denk het niet
misschien
zeker
natuurlijk
inderdaad
gelukt!
gedaan
opgelost
vanavond
morgen
gisteren
vandaag nog
""",
    "en": """
no internet for three days, what is going on?
my connection keeps dropping
why is my bill so high this month?
i called twice and nobody helped me
can you call me back please
thanks for the quick help!
thank you
thanks
thx
thanks a lot
thanks so much
many thanks
thank u
tnx
ty
cheers
great, thanks!
yes that's right
no that's wrong
nope, still nothing
still no signal here
no coverage in the whole street
is there an outage in london?
network down?
when will this be fixed?
how long is this going to take?
i've been waiting a week for my new sim card
my sim card stopped working
the router light is blinking red
already restarted the router, still nothing
i sent you a dm
check your dms
dm sent
please dm me
how do i cancel my subscription?
i want to cancel
i want to switch plans
do you have a cheaper plan?
my data is gone although i barely used it
why was money taken from my account?
i was charged twice
the app doesn't work
can't log in to the app
the website is so slow
what a terrible service
this is ridiculous
shameful how you treat your customers
great service, thank you!
got it, thanks
ok thanks
all good now
it works again
same problem again
is that normal?
where can i find that?
what should i do?
how do i do that?
lol
omg
wtf is going on
seriously?
any update?
still waiting
no reply yet
when do i get an answer?
anyone?
hello?
urgent!
help!
new customer here
been a customer for ten years
my contract ends soon
which phone do you recommend?
the price went up again
you guys are too expensive
can't pay my bill
i don't understand
can you explain?
i tried that already
i have a complaint
my phone was stolen
my phone is broken
my pin is blocked
no signal since this morning
no 4g since yesterday
wifi not working
tv keeps freezing
i got a weird text
is this phishing?
don't click on it
good morning, i have a question
hi, can someone help me?
kind regards
have a nice day
no problem
that's a shame
very disappointed
i'm fed up
nothing received
nothing yet
done
done!
sure
of course
indeed
sorted
fixed it
awesome
amazing
love it
nice one
well done
good job
sounds good
not yet
maybe
tonight
tomorrow
yesterday
roaming doesn't work abroad
how much does it cost?
is it free?
wrong amount on my invoice
thanks again
see you
good luck!
have fun
congrats!
finally!
""",
    "fr": """
pas de réseau depuis ce matin
pas d'internet depuis trois jours, que se passe-t-il ?
ma connexion coupe tout le temps
pourquoi ma facture est si élevée ce mois-ci ?
j'ai appelé deux fois et personne ne m'aide
vous pouvez me rappeler svp
merci pour l'aide rapide !
merci
merci beaucoup
merci bien
super, merci !
oui c'est ça
non ce n'est pas correct
toujours rien
toujours pas de signal ici
pas de couverture dans toute la rue
il y a une panne à bruxelles ?
panne réseau ?
quand est-ce que ce sera réparé ?
ça va durer combien de temps ?
j'attends ma nouvelle carte sim depuis une semaine
ma carte sim ne marche plus
le modem clignote en rouge
modem déjà redémarré, toujours rien
je vous ai envoyé un dm
voir mp
envoyez-moi un message privé
comment résilier mon abonnement ?
je veux résilier
je veux changer d'abonnement
vous avez un abonnement moins cher ?
mes données mobiles sont épuisées
pourquoi on m'a prélevé de l'argent ?
on m'a débité deux fois
l'application ne fonctionne pas
je n'arrive pas à me connecter
le site est très lent
quel service nul
c'est ridicule
honteux
service au top, merci !
d'accord, merci
ok merci
c'est bon maintenant
ça marche à nouveau
ça remarche
toujours le même problème
c'est normal ?
où est-ce que je trouve ça ?
je fais quoi ?
comment faire ?
des nouvelles ?
j'attends toujours
pas encore de réponse
quelqu'un ?
allô ?
urgent !
au secours
nouveau client
client depuis dix ans
mon contrat se termine
quel téléphone vous conseillez ?
le prix a encore augmenté
vous êtes trop chers
je ne comprends pas
vous pouvez expliquer ?
j'ai déjà essayé
j'ai une plainte
on m'a volé mon téléphone
mon téléphone est cassé
mon code pin est bloqué
pas de 4g depuis hier
le wifi ne marche pas
la télé bloque toute la soirée
j'ai reçu un sms bizarre
c'est du phishing ?
ne cliquez pas
bonjour, j'ai une question
bonsoir
salut, quelqu'un peut m'aider ?
cordialement
bonne journée
bonne soirée
pas de souci
pas de problème
dommage
très déçu
j'en ai marre
rien reçu
rien pour l'instant
c'est fait
bien sûr
en effet
volontiers
génial
parfait
nickel
trop bien
bravo
pas encore
peut-être
ce soir
demain
hier
le roaming ne marche pas à l'étranger
combien ça coûte ?
c'est gratuit ?
mauvais montant sur ma facture
encore merci
à bientôt
bonne chance
félicitations
enfin !
""",
    "de": """
seit drei tagen kein internet, was ist los?
meine verbindung bricht ständig ab
warum ist meine rechnung diesen monat so hoch?
ich habe zweimal angerufen und niemand hilft mir
können sie mich bitte zurückrufen
danke für die schnelle hilfe!
danke
vielen dank
danke schön
super, danke!
ja das stimmt
nein das stimmt nicht
immer noch nichts
hier immer noch kein empfang
kein netz in der ganzen straße
gibt es eine störung in köln?
netz ausgefallen?
wann wird das behoben?
wie lange dauert das noch?
ich warte seit einer woche auf meine neue sim-karte
meine sim-karte funktioniert nicht mehr
der router blinkt rot
router schon neu gestartet, immer noch nichts
ich habe euch eine dm geschickt
schreibt mir bitte privat
wie kann ich meinen vertrag kündigen?
ich will kündigen
ich möchte den tarif wechseln
habt ihr einen günstigeren tarif?
mein datenvolumen ist aufgebraucht
warum wurde geld abgebucht?
mir wurde doppelt abgebucht
die app funktioniert nicht
ich kann mich nicht anmelden
die webseite ist langsam
was für ein schlechter service
das ist lächerlich
eine frechheit
toller service, danke!
alles klar, danke
ok danke
jetzt geht es wieder
es funktioniert wieder
immer noch dasselbe problem
ist das normal?
wo finde ich das?
was soll ich tun?
wie mache ich das?
gibt es neuigkeiten?
ich warte immer noch
noch keine antwort
hallo?
dringend!
hilfe!
neukunde hier
seit zehn jahren kunde
mein vertrag läuft aus
welches handy empfehlt ihr?
der preis ist schon wieder gestiegen
ihr seid zu teuer
ich verstehe das nicht
könnt ihr das erklären?
habe ich schon versucht
ich habe eine beschwerde
mein handy wurde gestohlen
mein handy ist kaputt
meine pin ist gesperrt
seit gestern kein 4g
wlan geht nicht
ich habe eine komische sms bekommen
ist das phishing?
nicht draufklicken
guten morgen, ich habe eine frage
guten tag
guten abend
hallo, kann mir jemand helfen?
mit freundlichen grüßen
schönen tag noch
kein problem
schade
sehr enttäuscht
ich habe die nase voll
nichts bekommen
noch nichts
erledigt
natürlich
genau
klar
gerne
prima
toll
spitze
noch nicht
vielleicht
heute abend
morgen früh
gestern
roaming im ausland geht nicht
was kostet das?
ist das kostenlos?
falscher betrag auf der rechnung
nochmals danke
bis bald
viel glück
herzlichen glückwunsch
endlich!
""",
}


# --- Features: must match lang.rs exactly. ------------------------------------------------

M64 = (1 << 64) - 1
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MIX = 0x9E3779B97F4A7C15
APOSTROPHES = "'’‘`"
WORD_SEED = 0xFF


def mix(h, bits):
    h ^= h >> 32
    h = (h * MIX) & M64
    return h >> (64 - bits)


def word_features(w, bits):
    """The n-grams (1 to 4 characters) of " w ", then the whole word."""
    cps = [0x20] + [ord(c) for c in w] + [0x20]
    out = []
    for i in range(len(cps)):
        h = FNV_OFFSET
        for j in range(i, min(i + 4, len(cps))):
            h = ((h ^ cps[j]) * FNV_PRIME) & M64
            if j == i and cps[i] == 0x20:
                continue
            out.append(mix(h, bits))
    h = FNV_OFFSET ^ WORD_SEED
    for c in cps[1:-1]:
        h = ((h ^ c) * FNV_PRIME) & M64
    out.append(mix(h, bits))
    return out


def words(text):
    """The words of a text as lang.rs sees them: lowercase letters and inner apostrophes."""
    out = []
    for tok in text.split():
        low = tok.lower()
        if tok[0] in "@^" or low.startswith(("http://", "https://", "www.")):
            continue
        cur = []
        for c in tok + " ":
            if c.isalpha():
                cur.extend(c.lower())
            elif c in APOSTROPHES:
                cur.append("'")
            else:
                w = "".join(cur).lstrip("'")[:MAX_WORD].rstrip("'")
                if w:
                    out.append(w)
                cur = []
    return out


_cache = {}  # word -> features, for one value of bits


def features(text, bits=BITS):
    """Bucket ids (with repeats) of a text's features."""
    feats = []
    for w in words(text):
        f = _cache.get(w)
        if f is None:
            f = word_features(w, bits)
            _cache[w] = f
        feats.extend(f)
    return feats


# --- Data. -------------------------------------------------------------------------------

LINGUA = ["nl", "en", "fr", "de", "af", "da", "sv", "nb", "es", "it", "pt", "pl", "tr", "ar"]


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip()]


def load(data):
    """(text, class, source, index within the source) tuples."""
    out = []
    for lang in LINGUA:
        label = lang if lang in CLASSES else "und"
        for name in ["sentences", "word-pairs", "single-words"]:
            for i, t in enumerate(lines(os.path.join(data, "lingua-langid-testdata", lang, name + ".txt"))):
                out.append((t, label, f"lingua-{name}", i))
    for name in ["nl.valid.conll", "nl.test.conll"]:
        for i, l in enumerate(lines(os.path.join(data, "xsid-intents-nl", name))):
            if l.startswith("# text = "):
                out.append((l[len("# text = "):], "nl", "xsid", i))
            elif l.startswith("# text-en = "):
                out.append((l[len("# text-en = "):], "en", "xsid", i))
    for i, l in enumerate(lines(os.path.join(data, "xed-emotion-nl", "nl-projections.tsv"))):
        out.append((l.split("\t")[0], "nl", "xed", i))
    with open(os.path.join(data, "banking77-en", "train.csv"), encoding="utf-8") as f:
        for i, row in enumerate(csv.reader(f)):
            if i > 0 and row:
                out.append((row[0], "en", "banking77", i))
    for k in range(20):
        with open(os.path.join(data, "nlupp-banking-en", f"fold{k}.json"), encoding="utf-8") as f:
            for i, r in enumerate(json.load(f)):
                out.append((r["text"], "en", "nlupp", k * 1000 + i))
    with open(os.path.join(data, "ibm-twitter-customer-care-en", "dev.json"), encoding="utf-8") as f:
        i = 0
        for conv in json.load(f):
            msgs = [t.get("message", "") for t in conv.get("dialogContent", [])]
            msgs.append(conv.get("agentURL", {}).get("url_utterance", ""))
            for m in msgs:
                if m:
                    out.append((m, "en", "ibm", i))
                    i += 1
    for lang, text in OWN.items():
        for i, l in enumerate(x.strip() for x in text.strip().splitlines()):
            if l:
                out.append((l, lang, "own", i))
    return out


def augment(samples, rng):
    """Short spans of longer texts (1 to 4 words), as in tweets."""
    extra = []
    for t, y, src, i in samples:
        ws = t.split()
        if len(ws) >= 4:
            for _ in range(2):
                n = rng.randint(1, 4)
                s = rng.randint(0, len(ws) - n)
                extra.append((" ".join(ws[s:s + n]), y, src + "-span", i))
    return samples + extra


# --- Training. ---------------------------------------------------------------------------


def matrix(samples, bits):
    idx, ptr, ys = [], [0], []
    for t, y, _, _ in samples:
        f = features(t, bits)
        idx.extend(f)
        ptr.append(len(idx))
        ys.append(CLASSES.index(y))
    return np.array(idx, dtype=np.int64), np.array(ptr, dtype=np.int64), np.array(ys, dtype=np.int64)


def train(samples, bits, epochs, l2, seed):
    rng = np.random.default_rng(seed)
    idx, ptr, ys = matrix(samples, bits)
    n, K, B = len(ys), len(CLASSES), 1 << bits
    counts = np.bincount(ys, minlength=K).astype(np.float64)
    cw = counts.sum() / (K * np.maximum(counts, 1))  # balanced classes
    W = np.zeros((B, K))
    b = np.zeros(K)
    mW, vW, mb, vb = np.zeros_like(W), np.zeros_like(W), np.zeros_like(b), np.zeros_like(b)
    lr, beta1, beta2, eps, step = 0.02, 0.9, 0.999, 1e-8, 0
    batch = 512
    lens = np.diff(ptr)
    for ep in range(epochs):
        order = rng.permutation(n)
        loss = 0.0
        for s in range(0, n, batch):
            rows_ = order[s:s + batch]
            starts, ls = ptr[rows_], lens[rows_]
            tot = ls.sum()
            r = np.repeat(np.arange(len(rows_)), ls)
            off = np.arange(tot) - np.repeat(np.cumsum(ls) - ls, ls)
            fi = idx[np.repeat(starts, ls) + off]
            z = np.zeros((len(rows_), K))
            for k in range(K):
                z[:, k] = np.bincount(r, weights=W[fi, k], minlength=len(rows_))
            z += b
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            y = ys[rows_]
            sw = cw[y]
            loss += float(-(np.log(p[np.arange(len(y)), y] + 1e-12) * sw).sum())
            g = p
            g[np.arange(len(y)), y] -= 1.0
            g *= sw[:, None] / len(rows_)
            uniq, inv = np.unique(fi, return_inverse=True)
            gW = np.zeros((len(uniq), K))
            for k in range(K):
                gW[:, k] = np.bincount(inv, weights=g[r, k], minlength=len(uniq))
            gW += l2 * W[uniq]
            gb = g.sum(axis=0)
            step += 1
            # Lazy Adam: only the rows touched by this batch.
            mW[uniq] = beta1 * mW[uniq] + (1 - beta1) * gW
            vW[uniq] = beta2 * vW[uniq] + (1 - beta2) * gW * gW
            mb[:] = beta1 * mb + (1 - beta1) * gb
            vb[:] = beta2 * vb + (1 - beta2) * gb * gb
            c1, c2 = 1 - beta1 ** step, 1 - beta2 ** step
            W[uniq] -= lr * (mW[uniq] / c1) / (np.sqrt(vW[uniq] / c2) + eps)
            b -= lr * (mb / c1) / (np.sqrt(vb / c2) + eps)
        print(f"  epoch {ep + 1}: loss {loss / n:.4f}", file=sys.stderr)
    return W, b


def quantise(W, b):
    scale = float(np.abs(W).max()) / 127.0 or 1.0
    Wq = np.clip(np.round(W / scale), -127, 127).astype(np.int8)
    bq = np.round(b / scale).astype(np.int32)
    return scale, Wq, bq


SINGLE_WORD_MARGIN = 3.0  # as in lang.rs


def predict_q(scale, Wq, bq, text, bits, rule=True):
    """As lang.rs: the class with the highest quantised score (None without features;
    "und" for one word won by less than SINGLE_WORD_MARGIN logits), and the scores."""
    f = features(text, bits)
    if not f:
        return None, None
    s = bq.astype(np.int64) + Wq[f].astype(np.int64).sum(axis=0)
    top2 = np.sort(s)[::-1][:2]
    if rule and len(words(text)) == 1 and (top2[0] - top2[1]) * scale < SINGLE_WORD_MARGIN:
        return CLASSES.index("und"), s * scale
    return int(np.argmax(s)), s * scale


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(here, "..", "crates", "wederhoor-triage", "src", "models", "langid.bin"))
    ap.add_argument("--holdout", action="store_true", help="train on 80%%, report on 20%%, write nothing")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--l2", type=float, default=1e-6)
    ap.add_argument("--bits", type=int, default=BITS)
    a = ap.parse_args()
    rng = random.Random(7)
    samples = load(a.data)
    print(f"{len(samples)} texts", file=sys.stderr)
    test = []
    if a.holdout:
        test = [s for s in samples if s[3] % 5 == 0]
        samples = [s for s in samples if s[3] % 5 != 0]
    samples = augment(samples, rng)
    W, b = train(samples, a.bits, a.epochs, a.l2, 7)
    b = b + np.log([PRIOR[c] for c in CLASSES])
    scale, Wq, bq = quantise(W, b)
    if a.holdout:
        per = {}
        for t, y, src, _ in test:
            k, _ = predict_q(scale, Wq, bq, t, a.bits)
            got = CLASSES[k] if k is not None else "und"
            key = (src, y)
            r, n = per.get(key, (0, 0))
            per[key] = (r + (got == y), n + 1)
        for (src, y), (r, n) in sorted(per.items()):
            print(f"  held out {src:24} {y:4} {100.0 * r / n:6.2f}% ({r}/{n})")
        return
    with open(a.out, "wb") as f:
        f.write(b"WLID" + bytes([1, a.bits, len(CLASSES), 0]))
        f.write(struct.pack("<f", scale))
        f.write(struct.pack("<5i", *[int(x) for x in bq]))
        f.write(Wq.tobytes())
    print(f"wrote {a.out} ({os.path.getsize(a.out)} bytes), scale {scale:.5f}", file=sys.stderr)


if __name__ == "__main__":
    main()
