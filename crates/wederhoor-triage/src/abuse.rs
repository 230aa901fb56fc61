//! Abusive language: Dutch profanity including compounds and spelling games, English basics.
//! A customer who *reports* being scolded ("ik werd uitgescholden voor …") is not abusive.

use crate::RulesError;
use regex::Regex;

/// Profanity, on lowercased raw text (so that `k*nker` and `k@nker` keep their symbols).
const PROFANITY: &str = r"(?x)
  (?-u:\b)(?:
      # kanker and its spelling games: k*nker, k@nker, kanker, kenker, knkr, kkr, kk (as a word)
      k[a@4*.e]?n?k[e3*]?r\w*
    | kk(?-u:\b)
    | \w+kanker\w*
    | t[y*i][e]?[fv][u*]s\w* | \w+tyfus\w*
    | t[e*]r[i*]ng\w* | \w+tering(?:lijer|hond|zooi)\w*
    | k[u*]t(?:bank|zooi|tent|app|organisatie|bedrijf|wijf|kop|jes?|mensen)?\w*
    | \w+lijers?
    | godverdomme | godver | gvd | kolere\w* | pokke\w* | klerezooi | klerebank
    | klootzak\w* | hufter\w* | eikels? | idioten | mongolen | mongool | debielen | tuig
    | zakkenwassers? | lul(?:len)?(?-u:\b) | hoer(?:en|enzoon|enzonen|tje)? | sukkels | oetlul\w* | flikker\w*
    | rotzooi | kl[o0]tebank | klotezooi | tering
    | f[u*@][c*]?k\w* | sh[i*1]t\w* | bitch\w* | asshole\w* | cunt\w* | bastards?
    | morons? | idiots | wankers? | scumbags? | dickheads? | stfu
  )(?-u:\b)";

/// Cues that the writer reports or quotes someone else's words.
const REPORTING: &[&str] = &[
    "uitgescholden",
    "scheldt",
    "schold",
    "scheldde",
    "noemde mij",
    "noemde me",
    "noemt mij",
    "noemt me",
    "genoemd",
    "zei tegen mij",
    "zei tegen me",
    "werd ik",
    "called me",
    "swore at me",
    "sworn at",
    "was called",
];

/// "kanker" as the disease: "longkanker", "aan kanker overleden", "kankerpatiënt".
const DISEASE: &str = r"(?:long|borst|darm|huid|prostaat|bloed|alvleesklier|baarmoeder|slokdarm|hersen|bot|lever|eierstok|keel|blaas|nier|maag|lymfe|schildklier)kanker|kanker(?:patient|patiënt|onderzoek|bestrijding|behandeling|fonds|vereniging|centrum|cel|gezwel)\w*|(?:aan|heeft|had|kreeg|krijgt|met|tegen|door|van) (?:de )?kanker|kanker (?:gehad|overleden|vastgesteld|geconstateerd)|cancer";

pub(crate) struct AbuseModel {
    profanity: Regex,
    disease: Regex,
}

impl AbuseModel {
    pub(crate) fn new() -> Result<AbuseModel, RulesError> {
        Ok(AbuseModel {
            profanity: Regex::new(PROFANITY).map_err(RulesError::build)?,
            disease: Regex::new(DISEASE).map_err(RulesError::build)?,
        })
    }

    /// Whether the text abuses someone. `lower` is the lowercased raw text.
    pub(crate) fn is_abusive(&self, lower: &str) -> bool {
        let first_report = REPORTING.iter().filter_map(|cue| lower.find(cue)).min();
        let disease: Vec<(usize, usize)> = self
            .disease
            .find_iter(lower)
            .map(|m| (m.start(), m.end()))
            .collect();
        self.profanity.find_iter(lower).any(|m| {
            if disease.iter().any(|&(s, e)| m.start() < e && s < m.end()) {
                return false;
            }
            // A word that follows a reporting cue, or stands in quotes, is quoted, not used.
            let reported = first_report.is_some_and(|at| at < m.start());
            !reported && !in_quotes(lower, m.start())
        })
    }
}

/// Whether byte offset `at` lies inside a pair of double quotes (straight or curly).
fn in_quotes(text: &str, at: usize) -> bool {
    let before = text.get(..at).unwrap_or("");
    let after = text.get(at..).unwrap_or("");
    let opens = before.matches(['"', '“', '”', '„']).count();
    opens % 2 == 1 && after.contains(['"', '“', '”'])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn abusive(s: &str) -> bool {
        AbuseModel::new()
            .unwrap()
            .is_abusive(&crate::text::lower_without_handles(s))
    }

    #[test]
    fn handles_and_urls_are_not_words() {
        assert!(!abusive("@kutsaclimadame hallo, kunnen we helpen?"));
        assert!(!abusive("zie https://example.com/kanker-info"));
    }

    #[test]
    fn dutch_profanity_and_compounds() {
        for s in [
            "Kankerbank",
            "kanker zuiderbank",
            "jullie zijn een stelletje tyfuslijers",
            "teringzooi",
            "kutbank met je kutapp",
            "k*nker bank",
            "kkr bank weer",
            "k@nkerzooi",
            "godverdomme zeg",
            "klootzakken",
        ] {
            assert!(abusive(s), "{s}");
        }
    }

    #[test]
    fn english_basics() {
        assert!(abusive("fuck this bank"));
        assert!(abusive("you bunch of idiots"));
        assert!(abusive("f*ck you"));
    }

    #[test]
    fn ordinary_words_are_not_abusive() {
        for s in [
            "Ik heb een kaart gekregen",
            "kunt u mij helpen met mijn kredietkaart",
            "mijn kind heeft een rekening",
            "de kassa was dicht",
            "de stukken kwamen per post",
            "ik heb een vraag over kosten",
            "leerling, lijer is geen woord",
            "mijn pinpas werkt niet",
            "Klanten kunnen niet betalen",
            "Bedankt voor de hulp",
            "Het tarief is te hoog",
            "The kit arrived",
        ] {
            assert!(!abusive(s), "{s}");
        }
    }

    #[test]
    fn the_disease_is_not_abuse() {
        assert!(!abusive(
            "Mijn vader is overleden aan kanker, hoe regel ik zijn rekening?"
        ));
        assert!(!abusive(
            "Mijn moeder heeft longkanker en kan niet naar het kantoor"
        ));
        assert!(!abusive("Hoera, eindelijk geholpen"));
    }

    #[test]
    fn reported_scolding_is_not_abusive() {
        assert!(!abusive(
            "Ik werd door jullie medewerker uitgescholden voor kankerlijer"
        ));
        assert!(!abusive("De medewerker noemde mij een sukkels en hing op"));
        assert!(!abusive("He called me an idiots on the phone"));
        assert!(!abusive("Hij zei letterlijk \"tyfuslijer\" tegen mij"));
    }
}
