//! Language identification: nl, en, fr, de or "und", from stopwords and a few character
//! sequences typical of each language. Written for short social-media messages.

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

/// Stopword table: folded word → bit set of languages (bit i = LANGS[i]).
pub(crate) struct LangModel {
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
            stop,
            other: count,
            trigrams: crate::ngram::TrigramModel::new(),
        }
    }

    /// Detects the language of a message, given its normalised form and its raw text
    /// (for accents, which normalisation folds away).
    pub(crate) fn detect(&self, norm: &str, raw: &str) -> &'static str {
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
    fn too_short_or_unknown_is_und() {
        assert_eq!(lang("👍"), "und");
        assert_eq!(lang("@zuiderbank https://x.nl"), "und");
        assert_eq!(lang("Zuiderbank!"), "und");
    }
}
