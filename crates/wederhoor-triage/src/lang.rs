//! Language identification: nl, en, fr, de or "und", for short social-media messages.
//!
//! The main model is a multinomial logistic regression over hashed features of each word
//! (character 1- to 4-grams of the word padded with spaces, and the whole word), trained by
//! `scripts/train_langid.py` on open-licence text only and embedded from `models/langid.bin`
//! (see `models/README.md`). Handles, URLs, `^signatures`, digits, punctuation, `#` and emoji
//! carry no language and are skipped. Should the embedded weights ever fail to parse, the
//! older stopword and trigram heuristics below take over.

use std::collections::HashMap;

pub(crate) const LANGS: [&str; 4] = ["nl", "en", "fr", "de"];

const NL: &str = "de het een en van ik je jij niet dat die is op te in met voor zijn er maar om wat \
nog al ook als bij of mijn jullie we wij geen naar heb heeft hebben kan kunnen waarom hoe wel dit \
deze ben was werd nu dan toch zo ze u uw graag weer moet mij me wordt hij zij ons onze hun uit \
wanneer waar welke kunt zou zal omdat sinds bedankt dank alvast echt heel erg hier daar niks niets";
const EN: &str = "the a an and of to i you it is not that this on in with for are was my your we \
have has can cant why how what just but be at from they me no so do does dont still been will \
would please get our us its im ive when where which thanks thank there their been any very really \
again after about should could";
const FR: &str = "le la les un une et de des du je tu il elle est pas que qui ne sur avec pour mon \
ma mes vous nous au aux ce cette mais ou tres bonjour merci sont ai votre vos mon ton son ca \
comment pourquoi quand toujours depuis jai cest nai";
const DE: &str = "der die das und ist nicht ich du sie es ein eine mit fur auf zu den dem von mein \
meine wir ihr sind war haben hat kann warum wie was aber auch noch bitte danke schon keine kein \
mir mich uns euch wann immer seit ihre bei nach";

/// Languages we do not label but must not mistake for one of the four: a message whose
/// best match is one of these is "und".
const OTHER: &[&str] = &[
    // es
    "el los las y que por con para una del al lo como pero muy sin sobre tambien hasta hay donde \
     desde todo nos yo esta este esto cuando porque",
    // it
    "il di che e per non una sono della delle gli lo nel nella con si anche come piu ma io questo \
     questa ho hai ha sei molto perche quando",
    // pt
    "o os da do das dos em um uma para com nao por mais se na no como mas ao ele ela isso muito \
     voce tambem quando",
    // af
    "nie ek jy hy sy hulle sal baie vir wees gewees hierdie",
    // da, nb, sv
    "og det at den til som pa med af ikke der jeg han hun vi men och att inte jag ett av ar hon \
     sig fra eller",
    // tr
    "bir ve bu da de ne icin ile ben sen o cok ama gibi var yok daha",
    // pl
    "i w nie na sie z to jest ze do jak co tak za od po ale czy juz tylko jego",
];

/// The weights written by `scripts/train_langid.py`.
static MODEL_BYTES: &[u8] = include_bytes!("models/langid.bin");

/// Classes of the learned model: `LANGS` then "und" (any other language).
const CLASSES: usize = 5;
/// The longest word prefix (in characters) that features are taken from.
const MAX_WORD: usize = 48;
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
/// The margin (in logits) by which the best class must win when the text has one word.
const SINGLE_WORD_MARGIN: f32 = 3.0;
/// Hash seed of the whole-word feature (n-grams start from the plain FNV offset).
const WORD_SEED: u64 = 0xff;

/// The learned model: per hash bucket one i8 weight per class, and a bias per class, both in
/// units of `scale` logits.
struct Learned {
    bits: u32,
    scale: f32,
    bias: [i32; CLASSES],
    weights: Vec<[i8; CLASSES]>,
}

impl Learned {
    /// Parses the embedded weights; `None` when they are malformed.
    fn parse(bytes: &[u8]) -> Option<Learned> {
        const HEADER: usize = 8 + 4 + 4 * CLASSES;
        let head = bytes.get(..8)?;
        if head.get(..4)? != b"WLID" || head.get(4) != Some(&1) {
            return None;
        }
        let bits = u32::from(*head.get(5)?);
        if !(8..=24).contains(&bits) || usize::from(*head.get(6)?) != CLASSES {
            return None;
        }
        let le4 = |at: usize| -> Option<[u8; 4]> { bytes.get(at..at + 4)?.try_into().ok() };
        let scale = f32::from_le_bytes(le4(8)?);
        if !scale.is_finite() || scale <= 0.0 {
            return None;
        }
        let mut bias = [0i32; CLASSES];
        for (k, b) in bias.iter_mut().enumerate() {
            *b = i32::from_le_bytes(le4(12 + 4 * k)?);
        }
        let body = bytes.get(HEADER..)?;
        if body.len() != (1usize << bits) * CLASSES {
            return None;
        }
        let weights = body
            .chunks_exact(CLASSES)
            .map(|c| {
                let mut w = [0i8; CLASSES];
                for (w, b) in w.iter_mut().zip(c) {
                    *w = i8::from_le_bytes([*b]);
                }
                w
            })
            .collect();
        Some(Learned {
            bits,
            scale,
            bias,
            weights,
        })
    }

    /// The hash bucket of a feature from its FNV-1a state: a multiplicative mix.
    fn bucket(&self, mut h: u64) -> usize {
        h ^= h >> 32;
        h = h.wrapping_mul(MIX);
        (h >> (64 - self.bits)) as usize
    }

    /// Adds the weights of one word's features (`padded` = space, the word, space): its
    /// character 1- to 4-grams, hashed with FNV-1a over code points, and the whole word.
    fn add_word(&self, padded: &[u32], scores: &mut [i32; CLASSES]) {
        let mut add = |h: u64| {
            if let Some(w) = self.weights.get(self.bucket(h)) {
                for (s, w) in scores.iter_mut().zip(w) {
                    *s += i32::from(*w);
                }
            }
        };
        for (i, &first) in padded.iter().enumerate() {
            let mut h = FNV_OFFSET;
            for (j, &c) in padded.iter().skip(i).take(4).enumerate() {
                h = (h ^ u64::from(c)).wrapping_mul(FNV_PRIME);
                if j > 0 || first != 0x20 {
                    add(h);
                }
            }
        }
        let mut h = FNV_OFFSET ^ WORD_SEED;
        for &c in padded.get(1..padded.len().saturating_sub(1)).unwrap_or(&[]) {
            h = (h ^ u64::from(c)).wrapping_mul(FNV_PRIME);
        }
        add(h);
    }

    /// Class scores (in `scale` units) of a raw text, and the number of words seen.
    fn scores(&self, raw: &str) -> ([i32; CLASSES], usize) {
        let mut scores = self.bias;
        let mut words = 0usize;
        for_each_word(raw, |padded| {
            words += 1;
            self.add_word(padded, &mut scores);
        });
        (scores, words)
    }
}

/// Calls `f` with each word of a raw text, as code points padded with a space on each side:
/// lowercase letters and inner apostrophes (as `'`), at most `MAX_WORD` characters. Tokens
/// that are handles, URLs or `^signatures` are skipped; digits, punctuation, `#` and emoji
/// separate words. `scripts/train_langid.py` (`words`) does exactly the same.
fn for_each_word(raw: &str, mut f: impl FnMut(&[u32])) {
    let mut buf = [0x20u32; MAX_WORD + 2];
    for tok in raw.split_whitespace() {
        if tok.starts_with(['@', '^']) {
            continue;
        }
        let url = ["http://", "https://", "www."].iter().any(|p| {
            tok.as_bytes()
                .get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p.as_bytes()))
        });
        if url {
            continue;
        }
        let mut len = 0usize;
        for c in tok.chars().chain(std::iter::once(' ')) {
            if c.is_ascii_alphabetic() {
                if len < MAX_WORD
                    && let Some(slot) = buf.get_mut(len + 1)
                {
                    *slot = u32::from(c.to_ascii_lowercase());
                    len += 1;
                }
            } else if c.is_alphabetic() {
                for l in c.to_lowercase() {
                    if len < MAX_WORD
                        && let Some(slot) = buf.get_mut(len + 1)
                    {
                        *slot = u32::from(l);
                        len += 1;
                    }
                }
            } else if matches!(c, '\'' | '’' | '‘' | '`') {
                if len > 0
                    && len < MAX_WORD
                    && let Some(slot) = buf.get_mut(len + 1)
                {
                    *slot = u32::from('\'');
                    len += 1;
                }
            } else if len > 0 {
                while len > 0 && buf.get(len) == Some(&u32::from('\'')) {
                    len -= 1;
                }
                if len > 0 {
                    if let Some(slot) = buf.get_mut(len + 1) {
                        *slot = 0x20;
                    }
                    if let Some(padded) = buf.get(..len + 2) {
                        f(padded);
                    }
                }
                len = 0;
            }
        }
    }
}

/// The learned model, and the older heuristics as a fallback: a stopword table (folded word
/// → bit set of languages, bit i = LANGS[i]), stopwords of other languages, and trigrams.
pub(crate) struct LangModel {
    learned: Option<Learned>,
    stop: HashMap<&'static str, u8>,
    other: HashMap<&'static str, f32>,
    trigrams: crate::ngram::TrigramModel,
}

impl LangModel {
    pub(crate) fn new() -> LangModel {
        let mut stop: HashMap<&'static str, u8> = HashMap::new();
        for (i, list) in [NL, EN, FR, DE].iter().enumerate() {
            for w in list.split_whitespace() {
                *stop.entry(w).or_insert(0) |= 1 << i;
            }
        }
        let mut count: HashMap<&'static str, f32> = HashMap::new();
        for list in OTHER {
            for w in list.split_whitespace() {
                *count.entry(w).or_insert(0.0) += 1.0;
            }
        }
        LangModel {
            learned: Learned::parse(MODEL_BYTES),
            stop,
            other: count,
            trigrams: crate::ngram::TrigramModel::new(),
        }
    }

    /// Detects the language of a message, given its normalised form and its raw text.
    pub(crate) fn detect(&self, norm: &str, raw: &str) -> &'static str {
        let Some(model) = &self.learned else {
            return self.detect_by_stopwords(norm, raw);
        };
        let (scores, words) = model.scores(raw);
        if words == 0 {
            return "und";
        }
        let (mut best, mut top, mut second) = (CLASSES, i32::MIN, i32::MIN);
        for (k, &s) in scores.iter().enumerate() {
            if s > top {
                (best, top, second) = (k, s, top);
            } else if s > second {
                second = s;
            }
        }
        // One word is weak evidence: a name ("Zuiderbank!") looks like some language too.
        let margin = (i64::from(top) - i64::from(second)) as f32 * model.scale;
        if words == 1 && margin < SINGLE_WORD_MARGIN {
            return "und";
        }
        LANGS.get(best).copied().unwrap_or("und")
    }

    /// The older heuristic: stopwords, a few character sequences, then trigrams. Used only
    /// when the learned weights cannot be read.
    fn detect_by_stopwords(&self, norm: &str, raw: &str) -> &'static str {
        let mut score = [0f32; 4];
        let mut other = 0f32;
        let mut words = 0usize;
        for w in crate::text::words(norm) {
            if w.chars().all(|c| c.is_numeric()) {
                continue;
            }
            words += 1;
            let shared = self.other.get(w).copied().unwrap_or(0.0);
            if let Some(&bits) = self.stop.get(w) {
                let n = bits.count_ones() as f32 + shared;
                for (i, s) in score.iter_mut().enumerate() {
                    if bits & (1 << i) != 0 {
                        *s += 1.0 / n;
                    }
                }
                other += shared / n;
            } else if shared > 0.0 {
                other += 1.0;
            }
            // Character sequences typical of one language.
            if w.len() > 2 {
                if w.contains("ij") || w.contains("oe") || w.contains("aa") || w.contains("uu") {
                    score[0] += 0.4;
                }
                if w.starts_with("th") || w.starts_with("wh") || w.ends_with("ly") {
                    score[1] += 0.4;
                }
                if w.contains("eau") || w.contains("oux") || w.ends_with("ment") || w.contains("qu")
                {
                    score[2] += 0.4;
                }
                if w.contains("tsch")
                    || w.ends_with("ung")
                    || w.ends_with("lich")
                    || w.contains("ei") && w.contains("ch")
                {
                    score[3] += 0.4;
                }
            }
        }
        for c in raw.chars() {
            match c {
                'é' | 'è' | 'ê' | 'à' | 'ç' | 'ù' | 'â' | 'ô' | 'î' => score[2] += 0.5,
                'ä' | 'ö' | 'ü' | 'ß' => score[3] += 0.7,
                'ë' | 'ï' => score[0] += 0.5,
                _ => {}
            }
        }
        if words < 2 {
            return "und";
        }
        let mut best = 0usize;
        let mut second = 0f32;
        for i in 1..4 {
            if score.get(i) > score.get(best) {
                best = i;
            }
        }
        let top = score.get(best).copied().unwrap_or(0.0);
        for (i, s) in score.iter().enumerate() {
            if i != best && *s > second {
                second = *s;
            }
        }
        if top >= 1.0 && top - second >= 0.25 && other <= top {
            return LANGS.get(best).copied().unwrap_or("und");
        }
        // Too few stopwords to decide: fall back on character trigrams, unless the words
        // point to a language we do not label.
        if other >= 1.0 || other > top {
            return "und";
        }
        self.by_trigrams(norm)
    }

    /// The language whose trigram statistics fit clearly best, or "und".
    fn by_trigrams(&self, norm: &str) -> &'static str {
        let (scores, n) = self.trigrams.score(norm);
        if n < 8 {
            return "und";
        }
        let mut order = [0usize, 1, 2, 3];
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let [best, second, ..] = order;
        // Mean log-likelihood margin per trigram; longer texts need less.
        let margin = scores[best] - scores[second];
        let needed = if n >= 20 { 0.25 } else { 0.4 };
        if margin >= needed {
            LANGS.get(best).copied().unwrap_or("und")
        } else {
            "und"
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn lang(s: &str) -> &'static str {
        LangModel::new().detect(&normalize(s), s)
    }

    #[test]
    fn detects_the_four_languages() {
        assert_eq!(
            lang("@zuiderbank waarom werkt de app niet? Ik kan al twee dagen niet inloggen"),
            "nl"
        );
        assert_eq!(
            lang("@zuiderbank why is the app down again? I can't log in"),
            "en"
        );
        assert_eq!(
            lang("Pourquoi est-ce que je ne peux pas payer avec ma carte?"),
            "fr"
        );
        assert_eq!(
            lang("Warum kann ich mit meiner Karte nicht bezahlen? Das ist ärgerlich"),
            "de"
        );
    }

    #[test]
    fn noisy_tweets() {
        // Handles, URLs, hashtags, emoji, digits and signatures carry no language.
        assert_eq!(
            lang("@acme_be al 2 weken prutst mijn wifi 😡 #storing https://t.co/AbC123 ^JD"),
            "nl"
        );
        assert_eq!(
            lang("@acme_be @acme_fr wtf, my data ran out after 3 days?? 🙄 https://t.co/x"),
            "en"
        );
        assert_eq!(
            lang("@acme_fr toujours aucune connexion chez moi 😤😤"),
            "fr"
        );
        assert_eq!(lang("@acme_de seit heute Morgen kein Netz mehr 😡"), "de");
        assert_eq!(lang("#Fail @acme_be"), "und");
    }

    #[test]
    fn flemish_and_informal_dutch() {
        assert_eq!(
            lang("@acme_be zijt ge nu echt nog altijd aan 't prutsen?"),
            "nl"
        );
        assert_eq!(lang("amai, da's nu al de derde keer dees week"), "nl");
        assert_eq!(
            lang("@acme_be kheb gisteren gebeld maar niemand die iets weet"),
            "nl"
        );
        assert_eq!(lang("@acme_be allez, eindelijk terug bereik 🙌"), "nl");
    }

    #[test]
    fn short_replies() {
        assert_eq!(lang("@acme_be Bedankt!"), "nl");
        assert_eq!(lang("@acme_fr Merci !"), "fr");
        assert_eq!(lang("@acme_de Danke!"), "de");
        assert_eq!(lang("@acme_be nog steeds niks"), "nl");
        assert_eq!(lang("@acme still nothing"), "en");
    }

    #[test]
    fn other_languages_are_und() {
        assert_eq!(lang("¿Por qué no funciona mi tarjeta desde ayer?"), "und");
        assert_eq!(lang("Perché la mia carta non funziona da ieri?"), "und");
        assert_eq!(lang("Neden kartım dünden beri çalışmıyor?"), "und");
    }

    #[test]
    fn malformed_weights_fall_back_without_panicking() {
        assert!(Learned::parse(MODEL_BYTES).is_some());
        assert!(Learned::parse(b"").is_none());
        assert!(Learned::parse(b"WLID").is_none());
        assert!(Learned::parse(MODEL_BYTES.get(..MODEL_BYTES.len() - 1).unwrap()).is_none());
        let mut bad = MODEL_BYTES.to_vec();
        bad[0] = b'X';
        assert!(Learned::parse(&bad).is_none());
        let mut bad = MODEL_BYTES.to_vec();
        bad[5] = 60;
        assert!(Learned::parse(&bad).is_none());
        let mut model = LangModel::new();
        model.learned = None;
        let s = "Warum kann ich mit meiner Karte nicht bezahlen? Das ist ärgerlich";
        assert_eq!(model.detect(&normalize(s), s), "de");
    }

    #[test]
    fn words_drop_handles_urls_signatures_and_noise() {
        let mut got = Vec::new();
        for_each_word(
            "@Acme Wéér #Storing!! 😡 12u https://x.nl/a ^^MY l’heure 'quoted' don't",
            |w| {
                got.push(
                    w.iter()
                        .filter_map(|&c| char::from_u32(c))
                        .collect::<String>(),
                )
            },
        );
        assert_eq!(
            got,
            [
                " wéér ",
                " storing ",
                " u ",
                " l'heure ",
                " quoted ",
                " don't "
            ]
        );
    }

    #[test]
    fn too_short_or_unknown_is_und() {
        assert_eq!(lang("👍"), "und");
        assert_eq!(lang("@zuiderbank https://x.nl"), "und");
        assert_eq!(lang("Zuiderbank!"), "und");
    }
}
