//! Signals the rules can test: phishing, press, legal, reach, anonymity, question, claim,
//! and whether a message is about the brand at all.

use crate::text::{TermKind, TermSet, cue_set, term_pattern};
use crate::{Brand, RulesError};
use aho_corasick::AhoCorasick;
use regex::Regex;

/// Codes and credentials: a phishing cue only when somebody asks for them or a message wants
/// them typed in somewhere (see `ASKED`); "ik heb een verkeerde pincode ingetoetst" is not.
const CREDENTIALS: &[&str] = &[
    "pincode",
    "pin code",
    "inlogcode",
    "inloggegevens",
    "activatiecode",
    "beveiligingscode",
    "verificatiecode",
    "sms code",
    "smscode",
    "wachtwoord",
    "password",
    "pin",
    "code uit de app",
    "code uit mijn app",
    "appcode",
    "app code",
    "bevestigingscode",
    "toegangscode",
    "identificatiecode",
    "responscode",
    "digipass",
];

/// Somebody asking for a code, or a link to hand it over.
const ASKED: &[&str] = &[
    "vroeg",
    "vroegen",
    "gevraagd",
    "vraagt",
    "vragen om",
    "vragen naar",
    "vroeg om",
    "wilde mijn",
    "wilden mijn",
    "doorgeven",
    "doorgegeven",
    "delen",
    "gedeeld",
    "invullen",
    "ingevuld",
    "opgeven",
    "noemen",
    "voorlezen",
    "link",
    "namens",
    "asked",
    "asking",
    "enter",
    "share",
    "shared",
];

const PHISHING: &[&str] = &[
    "veilige rekening",
    "kluisrekening",
    "iemand belde namens",
    "belde namens",
    "gebeld door iemand van",
    "gebeld namens",
    "sms namens",
    "whatsapp namens",
    "appje namens",
    "mail namens",
    "namens de bank",
    "nepmail",
    "nep mail",
    "nep sms",
    "nepsms",
    "valse mail",
    "valse sms",
    "phishing",
    "spoofing",
    "helpdeskfraude",
    "bankhelpdeskfraude",
    "vriend in nood",
    "fraudeurs",
    "geld overmaken naar een",
    "rekening wordt geblokkeerd",
    "pas wordt geblokkeerd",
    "pas verloopt",
    "nieuwe pas aanvragen via",
    "verify your account",
    "asked for my pin",
    "asked for my code",
    "pretending to be",
    "posing as",
    "fake text",
    "fake email",
    "scam text",
    "scam call",
    "smishing",
    "spam sms",
    "spamsms",
    "sms spam",
    "nepnummer",
    "nepnummers",
    "fake nummer",
    "fake nummers",
    "onbestaande nummers",
    "valse nummers",
    "spoof",
    "spoofs",
    "gespoofd",
    "safeonweb",
    "is dit echt",
    "is dit wel echt",
    "is dit van jullie",
    "komt dit van jullie",
    "echt van jullie",
    "zogezegd van jullie",
    "geven zich uit als",
    "geeft zich uit als",
    "doen zich voor als",
    "doet zich voor als",
    "uitgeven als",
    "hameconnage",
    "faux sms",
    "faux message",
    "faux mail",
    "is this legit",
    "is this real",
    "is this from you",
    "did you send",
    "impersonating",
    // calls, texts and mail that are not from us, reported by the people who got them
    "claiming to be",
    "claimed to be",
    "claims to be",
    "pretended to be",
    "spam",
    "spamcall",
    "spamcalls",
    "spam call",
    "spam calls",
    "spamoproep",
    "spamoproepen",
    "robocall",
    "robocalls",
    "mass calling",
    "massaal gebeld",
    "onbekende nummers",
    "vreemde nummers",
    "zelfde nummers",
    "same numbers",
    "nummers blokkeren",
    "nummer blokkeren",
    "block these numbers",
    "appels frauduleux",
    "faux appels",
    // "is this really you?"
    "actie van jullie",
    "bericht van jullie",
    "berichten van jullie",
    "de bron van",
    "afkomstig van jullie",
    "van jullie afkomstig",
    "echt van",
    "niet betrouwbaar",
    "betrouwbaar is",
    "legitiem",
    "legitieme",
    "legit",
    "really from you",
    "actually from you",
    "really you",
    "vient de vous",
    "venant de vous",
    "vraiment vous",
    // someone using the customer's name, account or data
    "identiteitsfraude",
    "identiteitsdiefstal",
    "identity theft",
    "usurpation",
    "someone using my",
    "somebody using",
    "iemand gebruikt mijn",
    "gehackt",
    "gehacked",
    "hacked",
    "hijacked",
    "pirate",
    "fraudulent",
    "frauduleux",
    "frauduleuse",
    "counterfeit",
    "namaak",
    // code or adverts slipped into the customer's traffic
    "injecten",
    "injecteren",
    "injecting",
];

/// Words for fraud and scams that people also throw at the company itself ("jullie zijn
/// oplichters", "yall scammers"): a phishing cue only when not aimed at us (see
/// `ACCUSATION`).
const WEAK_FRAUD: &[&str] = &[
    "oplichter",
    "oplichters",
    "oplichting",
    "oplichterij",
    "scam",
    "scams",
    "scammer",
    "scammers",
    "scamming",
    "fake",
    "arnaque",
    "arnaques",
    "arnaqueur",
    "arnaqueurs",
    "escroquerie",
    "escroc",
    "escrocs",
];

/// A scam word aimed at the company or its own offer: "jullie zijn oplichters", "you guys are
/// scammers", "is die promo een scam". Matched on normalised text.
const ACCUSATION: &str = r" (?:jullie|you|yall|ya|u|vous|promo|promotie|actie|aanbieding|offer|deal|prijzen|tarieven|prices|factuur|bill|abonnement|contract) (?:\S+ ){0,2}(?:scammers?|scam|scamming|scammen|oplichters?|oplichterij|fraudeurs?|arnaque|arnaqueurs|escrocs?|dieven|voleurs|thieves|crooks) ";

/// A prize the customer "won": a scam cue when it comes with a request for payment details or
/// the customer asks what it is (see `PRIZE_CHECK`).
const PRIZE: &[&str] = &[
    "gewonnen",
    "prijs gehad",
    "prijs gewonnen",
    "winnaar",
    "you won",
    "you have won",
    "i won",
    "winner",
    "gagne",
    "gagnant",
];

const PRIZE_CHECK: &[&str] = &[
    "verzendkosten",
    "betaalgegevens",
    "kaartgegevens",
    "shipping",
    "frais de port",
    "frais d envoi",
    "wat is dit",
    "wat dit is",
    "what is this",
    "qu est ce que c est",
    "echt",
    "really",
];

const PRESS: &[&str] = &[
    "journalist",
    "redactie",
    "verslaggever",
    "persvraag",
    "voor een artikel",
    "voor ons artikel",
    "voor een reportage",
    "wederhoor",
    "reactie voor publicatie",
    "persvoorlichting",
    "woordvoerder",
    "reporter",
    "for a story",
    "for an article",
    "press inquiry",
    "newsroom",
    "comment for publication",
];

/// Parts of the handles of newsrooms and media: a message that tags them is meant for the press.
const PRESS_HANDLE: &str = r"@[a-z0-9_]*(?:nieuws|news|krant|redactie|journaal|press|presse|hln|standaard|nos|rtl|vrt|vtm|telegraaf|volkskrant|nrc|parool|demorgen|lesoir|rtbf|gva|nieuwsblad|tijd)[a-z0-9_]*";

const LEGAL: &[&str] = &[
    "advocaat",
    "mijn advocaat",
    "aansprakelijk",
    "aansprakelijkheid",
    "namens mijn client",
    "namens mijn clienten",
    "rechtszaak",
    "rechter",
    "dagvaarding",
    "dagvaarden",
    "ingebrekestelling",
    "in gebreke",
    "juridische stappen",
    "kifid",
    "schadeclaim",
    "lawyer",
    "attorney",
    "lawsuit",
    "sue you",
    "legal action",
    "liable",
    "ombudsman",
    "ombudsdienst",
    "test aankoop",
    "testaankoop",
    "consumentenbond",
    "geschillencommissie",
    "bipt",
    "toezichthouder",
    "class action",
    "massaclaim",
    "avocat",
    "plainte officielle",
    "mediateur",
    "regulator",
    "small claims",
    // police, consumer bodies and regulators called in
    "politie",
    "police",
    "aangifte",
    "porter plainte",
    "plainte",
    "bbb",
    "better business bureau",
    "ftc",
    "fcc",
    "attorney general",
    "consumer protection",
    "trading standards",
    "consumentenorganisatie",
    "reporting you",
    "report you",
    "file a complaint",
    "formal complaint",
    "formele klacht",
    "officiele klacht",
    "klacht indienen bij",
    "misleidend",
    "misleidende",
    "misleading",
    "publicite mensongere",
    "wettelijk recht",
    "wettelijke recht",
    "legal right",
    "my rights",
    "mijn rechten",
];

/// Handles of consumer organisations, ombudsmen and regulators: a message that tags them
/// takes the matter outside (escalate like a legal threat).
const WATCHDOG_HANDLE: &str = r"@[a-z0-9_]*(?:testaankoop|testachats|consumentenbond|consumer|ombuds|bipt|ibpt|fsma|kifid|acm_|ftc|bbb)[a-z0-9_]*";

/// Scolding with nothing the team can act on: insults and verdicts on the company as a whole
/// ("worst service ever", "waardeloos", "bande de nuls"). Together with a concrete problem the
/// message is still a complaint; see `Inner::decide`.
const SCOLDING: &[&str] = &[
    // nl
    "slechtste",
    "waardeloos",
    "waardeloze",
    "prutsers",
    "prutsen",
    "klootzakken",
    "klootzak",
    "criminelen",
    "dieven",
    "zakkenvullers",
    "lossers",
    "losers",
    "clowns",
    "clown",
    "dikke ma",
    "je moeder",
    "uw moeder",
    "hangt mijn voeten uit",
    "hangt mn voeten uit",
    "hangt mijn keel uit",
    // fr
    "nique",
    "de merde",
    "pourri",
    "pourris",
    "bande de",
    "nuls",
    "minables",
    "voleurs",
    "ta mere",
    // en
    "the worst",
    "worst service",
    "worst customer service",
    "worst company",
    "worst provider",
    "criminals",
    "crooks",
    "thieves",
    "trash",
    "pathetic",
    "useless",
    "incompetent",
    "gfy",
    "stfu",
    "your mom",
    "yo mama",
    "chew glass",
    "hate you",
];

/// The customer speaking about their own case: first person singular or plural.
const FIRST_PERSON: &[&str] = &[
    "ik", "mijn", "mn", "me", "mij", "we", "wij", "ons", "onze", "i", "im", "ive", "my", "our",
    "us", "jai", "mon", "mes", "moi", "nous", "notre", "nos",
];

/// Opinion and taste ("ik vind", "i love"): a view, not a case to answer.
const OPINION: &[&str] = &[
    "ik vind",
    "vind ik",
    "i think",
    "i love",
    "i hate",
    "i like",
    "je trouve",
    "jadore",
    "j adore",
];

/// Second person plural or polite (the company, not a friend in the thread): "jullie", "u",
/// "vous", "you".
const PLURAL_YOU: &[&str] = &[
    "jullie", "u", "uw", "vous", "votre", "vos", "you", "your", "yall", "uwe",
];

const QUESTION_WORDS: &[&str] = &[
    "hoe", "wat", "waarom", "wanneer", "waar", "wie", "welke", "welk", "kan", "kunnen", "kunt",
    "klopt", "mag", "moet", "heeft", "hebben", "is", "zijn", "weet", "hoelang", "hoeveel", "how",
    "what", "why", "when", "where", "who", "which", "can", "could", "does", "do", "is", "are",
    "will", "would", "should", "pourquoi", "comment", "quand", "combien", "quel", "quelle",
    "quels", "quelles", "pouvez", "puis", "peut", "est", "wanneer", "vanaf", "hoezo",
];

const QUESTION_PHRASES: &[&str] = &[
    "kan ik",
    "kunnen jullie",
    "kunt u",
    "weet iemand",
    "iemand een idee",
    "graag uitleg",
    "ik vraag me af",
    "vraagje",
    "i wonder",
    "anyone know",
    "can you",
    "hoe kan dit",
    "hoe komt dit",
    "hoe komt het",
    "hoe zit het",
    "wat nu",
    "wat moet ik",
    "wat is er aan de hand",
    "wat gebeurt er",
    "is er een storing",
    "is er iets",
    "iemand anders",
    "waar kan ik",
    "weet u",
    "weten jullie",
    "est ce que",
    "est ce qu",
    "qu est ce",
    "savez vous",
    "que faire",
    "does anyone",
    "is there",
    "any update",
    "any news",
    "ik snap niet waarom",
    "ik begrijp niet waarom",
    "ik zie niet waarom",
    "je ne vois pas pourquoi",
    "je ne comprends pas",
    "i dont understand why",
    "i dont see why",
];

const CLAIM_SUBJECT: &[&str] = &[
    "rente",
    "spaarrente",
    "hypotheekrente",
    "tarief",
    "tarieven",
    "kosten",
    "prijs",
    "prijzen",
    "provisie",
    "boete",
    "beleid",
    "voorwaarden",
    "pakketkosten",
    "rekeningkosten",
    "euro",
    "filialen",
    "kantoren",
    "geldautomaten",
    "pinautomaten",
    "contant geld",
    "interest",
    "rate",
    "rates",
    "fee",
    "fees",
    "charges",
    "price",
    "prices",
    "policy",
    "branches",
    "negatieve rente",
];

const CLAIM_CUE: &[&str] = &[
    "rekent",
    "rekenen",
    "verhoogt",
    "verhoogd",
    "verlaagt",
    "verlaagd",
    "gaat",
    "stopt",
    "stoppen",
    "schaft",
    "afgeschaft",
    "sluit",
    "sluiten",
    "heeft besloten",
    "vraagt nu",
    "kost nu",
    "is nu",
    "wordt",
    "charges",
    "charging",
    "raised",
    "raising",
    "cuts",
    "closing",
    "closes",
    "scrapping",
    "now costs",
    "is now",
    "will",
];

/// A problem reported in the customer's own words, whatever the industry: something that does
/// not work, is missing, late, wrong or blocked (Dutch, Flemish, French, English). Matched on
/// normalised text (accents folded, punctuation removed).
const PROBLEM: &[&str] = &[
    // nl
    "werkt niet",
    "werkt nog steeds niet",
    "werkt nog altijd niet",
    "werkt al",
    "werken niet",
    "werkte niet",
    "doet het niet",
    "doet niets",
    "lukt niet",
    "lukt het niet",
    "lukt me niet",
    "lukt mij niet",
    "kan niet",
    "kan ik niet",
    "kunnen niet",
    "kan geen",
    "kunnen geen",
    "krijg geen",
    "krijg ik geen",
    "krijgen geen",
    "ontvang geen",
    "heb geen",
    "hebben geen",
    "geen internet",
    "geen bereik",
    "geen verbinding",
    "geen signaal",
    "geen netwerk",
    "geen wifi",
    "geen tv",
    "geen beeld",
    "geen antwoord",
    "geen reactie",
    "geen toegang",
    "geen stroom",
    "geen water",
    "geen gas",
    "geen post",
    "geen levering",
    "niet geleverd",
    "niet ontvangen",
    "niet aangekomen",
    "niet bereikbaar",
    "onbereikbaar",
    "nog steeds niet",
    "nog altijd niet",
    "nog steeds geen",
    "nog altijd geen",
    "nog niets",
    "nog niks",
    "storing",
    "storingen",
    "onderbreking",
    "panne",
    "probleem",
    "problemen",
    "defect",
    "kapot",
    "stuk",
    "valt weg",
    "valt steeds weg",
    "valt uit",
    "uitgevallen",
    "traag",
    "trage",
    "foutmelding",
    "fout",
    "foutje",
    "error",
    "vastgelopen",
    "loopt vast",
    "hangt",
    "crasht",
    "crashen",
    "crash",
    "hapert",
    "laadt niet",
    "gaat niet",
    "niet mogelijk",
    "onmogelijk",
    "klopt niet",
    "onterecht",
    "te veel",
    "teveel",
    "dubbel",
    "aangerekend",
    "kon geen",
    "kon ik geen",
    "kon niet",
    "kon ik niet",
    "konden niet",
    "geen oplossing",
    "weigerde",
    "weigeren",
    "afgeschreven",
    "wacht al",
    "wachten al",
    "sta al",
    "zit al",
    "al dagen",
    "al weken",
    "al maanden",
    "al uren",
    "al een week",
    "al een maand",
    "al twee",
    "al drie",
    "al vier",
    "al vijf",
    "al een paar",
    "sinds gisteren",
    "sinds vanochtend",
    "sinds vanmorgen",
    "sinds vandaag",
    "sinds vorige",
    "sinds maandag",
    "sinds dinsdag",
    "sinds woensdag",
    "sinds donderdag",
    "sinds vrijdag",
    "sinds zaterdag",
    "sinds zondag",
    "sinds een",
    "geblokkeerd",
    "kwijt",
    "verdwenen",
    "vergeten",
    "beloofd",
    "beloofde",
    "opgezegd",
    "opzeggen",
    "afgesloten",
    "zonder internet",
    "zonder tv",
    "zonder bereik",
    "zonder verbinding",
    "zonder stroom",
    "ingeslikt",
    "weigert",
    "geweigerd",
    // fr
    "ne fonctionne pas",
    "ne fonctionne plus",
    "fonctionne pas",
    "ne marche pas",
    "ne marche plus",
    "marche pas",
    "pas de reseau",
    "pas de connexion",
    "pas d internet",
    "pas de 4g",
    "pas de tele",
    "pas de tv",
    "plus de reseau",
    "plus d internet",
    "aucun reseau",
    "aucune connexion",
    "aucune reponse",
    "pas de reponse",
    "toujours pas",
    "toujours rien",
    "toujours aucun",
    "probleme",
    "problemes",
    "bug",
    "impossible",
    "je n arrive pas",
    "n arrive pas",
    "je ne peux pas",
    "ne peux pas",
    "ne peut pas",
    "bloque",
    "bloquee",
    "coupure",
    "coupe",
    "pas recu",
    "jamais recu",
    "en attente",
    "j attends",
    "depuis hier",
    "depuis ce matin",
    "depuis des jours",
    "depuis une semaine",
    "depuis plusieurs",
    "factures en double",
    "trop paye",
    "facture",
    "erreur",
    "ne prend pas",
    "pas pris en compte",
    "refuse",
    // en
    "not working",
    "doesnt work",
    "does not work",
    "dont work",
    "didnt work",
    "stopped working",
    "trying to",
    "ik probeer",
    "j essaie",
    "jessaie",
    "arent working",
    "wasnt working",
    "werent working",
    "still says",
    "refused",
    "didnt",
    "did not",
    "never got",
    "not delivered",
    "isnt working",
    "wont work",
    "wont let me",
    "cant",
    "cannot",
    "can not",
    "couldnt",
    "unable to",
    "no signal",
    "no internet",
    "no service",
    "no connection",
    "no wifi",
    "no reply",
    "no response",
    "no answer",
    "outage",
    "is down",
    "are down",
    "broken",
    "issue",
    "issues",
    "problem",
    "problems",
    "still not",
    "still no",
    "still waiting",
    "havent received",
    "never received",
    "not received",
    "never arrived",
    "charged twice",
    "double charged",
    "overcharged",
    "wrong",
    "stuck",
    "keeps crashing",
    "crashes",
    "for days",
    "for weeks",
    "days now",
    "weeks now",
    "since yesterday",
    "since this morning",
    "locked out",
    "blocked",
    "missing",
    "lost",
    "cancelled",
    "refund",
    "delayed",
];

/// Asking for something: requests and imperatives aimed at the company.
const REQUEST: &[&str] = &[
    // nl
    "graag",
    "zou graag",
    "wil graag",
    "willen graag",
    "kunnen jullie",
    "kunt u",
    "kun je",
    "kunnen jullie",
    "kan iemand",
    "kan er iemand",
    "kan je",
    "kan u",
    "help",
    "helpen",
    "hulp",
    "gelieve",
    "aub",
    "a u b",
    "alstublieft",
    "alsjeblieft",
    "svp",
    "los dit op",
    "los het op",
    "bel me",
    "bel mij",
    "bellen",
    "contacteer",
    "neem contact",
    "stuur",
    "stuur me",
    "zorg dat",
    "zorg ervoor",
    "wil weten",
    "wil ik weten",
    "laat weten",
    "laat me weten",
    "ik wil",
    "ik wens",
    "terugbetal",
    "terugstort",
    "compensatie",
    "schadevergoeding",
    // fr
    "s il vous plait",
    "s il te plait",
    "pouvez vous",
    "pourriez vous",
    "merci de",
    "aidez",
    "aide",
    "aidez moi",
    "contactez",
    "rappelez",
    "je voudrais",
    "je souhaite",
    "rembourse",
    "remboursement",
    // en
    "please",
    "pls",
    "plz",
    "can you",
    "could you",
    "would you",
    "help me",
    "fix this",
    "fix it",
    "dm me",
    "contact me",
    "call me",
    "i want",
    "i need",
    "i would like",
    "let me know",
    "sort this out",
    "sort it out",
];

/// Thanks and praise words (any language we read).
const THANKS: &[&str] = &[
    "bedankt",
    "dank je",
    "dank u",
    "dankje",
    "dankjewel",
    "dankuwel",
    "dank voor",
    "merci",
    "thanks",
    "thank you",
    "thx",
    "top service",
    "goed geholpen",
    "snel geholpen",
    "super geholpen",
    "fijn geholpen",
    "vriendelijk geholpen",
    "merci beaucoup",
    "great service",
];

const G_REQUEST: usize = 0;
const G_THANKS: usize = 1;
const G_PHISHING: usize = 2;
const G_WEAK_FRAUD: usize = 3;
const G_PRIZE: usize = 4;
const G_PRIZE_CHECK: usize = 5;
const G_SCOLDING: usize = 6;
const G_PLURAL_YOU: usize = 7;
const G_FIRST_PERSON: usize = 8;
const G_OPINION: usize = 9;
const G_CREDENTIALS: usize = 10;
const G_ASKED: usize = 11;
const G_PRESS: usize = 12;
const G_LEGAL: usize = 13;
const G_QUESTION_PHRASES: usize = 14;
const G_CLAIM_SUBJECT: usize = 15;
const G_CLAIM_CUE: usize = 16;
const GROUPS: usize = 17;

/// Bit set of signals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Signals {
    pub(crate) phishing: bool,
    pub(crate) press: bool,
    pub(crate) legal: bool,
    pub(crate) high_reach: bool,
    pub(crate) anonymous: bool,
    pub(crate) question: bool,
    pub(crate) claim: bool,
    pub(crate) about_brand: bool,
    pub(crate) lookalike_domain: bool,
    /// Addressed to us: a brand handle among the message's leading handles, the message sent to
    /// us directly (DM, e-mail, WhatsApp, a reply in our thread), or the brand's name first.
    pub(crate) addressed: bool,
    /// Handles other than ours at the start of the message (a conversation with others).
    pub(crate) others: u8,
    /// The message's first handle is ours.
    pub(crate) first_ours: bool,
    /// One of our handles appears anywhere.
    pub(crate) mentions_ours: bool,
    /// Reports a problem in the customer's own words ("werkt niet", "al drie dagen").
    pub(crate) problem: bool,
    /// Asks for something: a request or an imperative ("graag", "kunnen jullie", "please").
    pub(crate) request: bool,
    /// Thanks or praise words.
    pub(crate) thanks: bool,
    /// Set by the engine: a topic of substance (not praise or press), complaint phrasing or a
    /// problem report.
    pub(crate) substance: bool,
    /// Set by the engine from the sentiment model.
    pub(crate) complaint: bool,
    pub(crate) sarcasm: bool,
    /// Scolding or insults ("slechtste provider ooit", "bande de nuls", "you're the worst").
    pub(crate) scolding: bool,
    /// The customer tells about their own case (first person) without it being mere opinion.
    pub(crate) experience: bool,
    /// Our handle is tagged in a conversation between others (their handles lead, ours is not
    /// first) and nothing is put to us: no "jullie/u/vous/you", no request, no problem.
    pub(crate) aside: bool,
}

pub(crate) struct SignalModel {
    /// Every fixed cue list in one automaton: one scan of the text gives all of them.
    cues: TermSet,
    accusation: Regex,
    /// Somebody calling, texting or mailing "on behalf of" a company ("belde me namens").
    impersonation: Regex,
    watchdog_handle: Regex,
    fed_up: Regex,
    brand_words: TermSet,
    brand_raw: Option<AhoCorasick>,
    problem: TermSet,
    problem_re: Regex,
    problem_near: Regex,
    press_handle: Regex,
    /// The brand's handles, lowercase, with the `@`.
    brand_handles: Vec<String>,
    /// The brand's name and aliases as normalised phrases (" orange ").
    brand_names: Vec<String>,
    domain: Regex,
    money: Regex,
    anon_handle: Regex,
    /// The second-level labels of the brand's domains ("zuiderbank").
    brand_labels: Vec<String>,
    brand_domains: Vec<String>,
}

pub(crate) struct SignalInput<'a> {
    pub(crate) norm: &'a str,
    pub(crate) lower: &'a str,
    pub(crate) handle: &'a str,
    pub(crate) name: Option<&'a str>,
    pub(crate) followers: i64,
    pub(crate) reposts: i64,
    pub(crate) direct: bool,
}

fn b(e: aho_corasick::BuildError) -> RulesError {
    RulesError::build(e)
}

impl SignalModel {
    pub(crate) fn new(brand: &Brand) -> Result<SignalModel, RulesError> {
        let mut brand_terms = Vec::new();
        for w in std::iter::once(&brand.name)
            .chain(&brand.aliases)
            .chain(&brand.products)
        {
            if let Some(p) = term_pattern(w, TermKind::Phrase) {
                brand_terms.push((p, 0));
            }
        }
        let raw_terms: Vec<String> = brand
            .handles
            .iter()
            .chain(&brand.domains)
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        let brand_raw = if raw_terms.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&raw_terms).map_err(b)?)
        };
        let brand_domains: Vec<String> = brand
            .domains
            .iter()
            .map(|d| d.trim().trim_start_matches("www.").to_lowercase())
            .collect();
        let brand_labels = brand_domains
            .iter()
            .filter_map(|d| d.split('.').next())
            .filter(|l| l.len() >= 4)
            .map(str::to_owned)
            .collect();
        let brand_handles = brand
            .handles
            .iter()
            .map(|h| {
                let h = h.trim().to_lowercase();
                if h.starts_with('@') {
                    h
                } else {
                    format!("@{h}")
                }
            })
            .filter(|h| h.len() > 1)
            .collect();
        let brand_names = std::iter::once(&brand.name)
            .chain(&brand.aliases)
            .filter_map(|n| term_pattern(n, TermKind::Phrase))
            .collect();
        Ok(SignalModel {
            cues: {
                let lists: &[(&[&str], &[&str], usize)] = &[
            (REQUEST, &["terugbetal", "terugstort"], G_REQUEST),
            (THANKS, &["bedank"], G_THANKS),
            (PHISHING, &[], G_PHISHING),
            (WEAK_FRAUD, &[], G_WEAK_FRAUD),
            (PRIZE, &[], G_PRIZE),
            (PRIZE_CHECK, &[], G_PRIZE_CHECK),
            (SCOLDING, &[], G_SCOLDING),
            (PLURAL_YOU, &[], G_PLURAL_YOU),
            (FIRST_PERSON, &[], G_FIRST_PERSON),
            (OPINION, &[], G_OPINION),
            (CREDENTIALS, &[], G_CREDENTIALS),
            (ASKED, &[], G_ASKED),
            (PRESS, &[], G_PRESS),
            (LEGAL, &[
                    "dagvaard",
                    "advoca",
                    "ombudsman",
                    "testaankoop",
                    "schadevergoedingseis",
                ], G_LEGAL),
            (QUESTION_PHRASES, &[], G_QUESTION_PHRASES),
            (CLAIM_SUBJECT, &[], G_CLAIM_SUBJECT),
            (CLAIM_CUE, &[], G_CLAIM_CUE),
                ];
                let mut terms = Vec::new();
                for (phrases, stems, group) in lists {
                    for p in *phrases {
                        if let Some(t) = term_pattern(p, TermKind::Phrase) {
                            terms.push((t, *group));
                        }
                    }
                    for st in *stems {
                        if let Some(t) = term_pattern(st, TermKind::Stem) {
                            terms.push((t, *group));
                        }
                    }
                }
                TermSet::build(terms, GROUPS).map_err(b)?
            },
            problem: cue_set(PROBLEM, &[]).map_err(b)?,
            problem_re: Regex::new(
                r"(?-u:\b)(?:al|since|depuis|for|sinds|voor de)\s+(?:\d+|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|tweede|derde|vierde|vijfde|zesde|a|two|three|four|five|several|deux|trois|quatre|plusieurs)\s+(?:dag|dagen|week|weken|maand|maanden|uur|uren|keer|jaar|days?|weeks?|months?|hours?|times|jours?|semaines?|mois|heures?|fois)(?-u:\b)",
            )
            .map_err(RulesError::build)?,
            problem_near: Regex::new(
                r" (?:werkt|werken|werkte|lukt|lukte|gaat|ging|doet|komt|kwam|laadt|start|opent|verschijnt|verschijnen|gebeurt|gebeurd|reageert|reageren) (?:\S+ ){0,4}(?:niet|niets|niks|nie|geen) | (?:kaduuk|nul reactie|laten wachten|geen nieuws|zelfde probleem|hetzelfde probleem|jammer genoeg niet) ",
            )
            .map_err(RulesError::build)?,
            press_handle: Regex::new(PRESS_HANDLE).map_err(RulesError::build)?,
            brand_handles,
            brand_names,
            accusation: Regex::new(ACCUSATION).map_err(RulesError::build)?,
            impersonation: Regex::new(
                r" (?:belde|belden|gebeld|belt|bellen|sms|smsje|sms te|appje|appte|mailde|mailtje|whatsappje|called|texted|emailed|appelle|appele|appel) (?:[^ ]+ ){0,3}(?:namens|zogenaamd van|on behalf of|claiming to be from|de la part de) ",
            )
            .map_err(RulesError::build)?,
            watchdog_handle: Regex::new(WATCHDOG_HANDLE).map_err(RulesError::build)?,
            fed_up: Regex::new(r" hangt (?:\S+ ){0,3}(?:voeten|keel|strot|oren) uit ")
                .map_err(RulesError::build)?,
            brand_words: TermSet::build(brand_terms, 1).map_err(b)?,
            brand_raw,
            domain: Regex::new(r"(?i)(?-u:\b)(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+(?:nl|com|net|org|eu|be|de|info|online|app|site|xyz|top|io|co|biz|shop|live|support|help|link|click)(?-u:\b)")
                .map_err(RulesError::build)?,
            money: Regex::new(r"€|(?-u:\b)eur(?-u:\b)").map_err(RulesError::build)?,
            anon_handle: Regex::new(
                r"(?i)^@?(?:(?:user|anon|anoniem|guest|gebruiker|account)[a-z_]*[0-9]+|[a-z_]{0,15}[0-9]{5,}|[a-z]{1,3}[0-9]{3,}|[0-9]+)$",
            )
            .map_err(RulesError::build)?,
            brand_labels,
            brand_domains,
        })
    }

    pub(crate) fn detect(&self, i: &SignalInput<'_>) -> Signals {
        let hits = self.cues.hits(i.norm);
        let hit = |g: usize| hits.get(g).copied().unwrap_or(false);
        let mut s = Signals {
            about_brand: self.brand_words.any(i.norm)
                || self
                    .brand_raw
                    .as_ref()
                    .is_some_and(|ac| ac.is_match(i.lower)),
            ..Signals::default()
        };
        s.lookalike_domain = self
            .domain
            .find_iter(i.lower)
            .any(|m| self.is_lookalike(m.as_str()));
        s.phishing = s.lookalike_domain
            || hit(G_PHISHING)
            || (hit(G_CREDENTIALS) && hit(G_ASKED))
            || (hit(G_WEAK_FRAUD) && !self.accusation.is_match(i.norm))
            || (hit(G_PRIZE) && hit(G_PRIZE_CHECK))
            || self.impersonation.is_match(i.norm);
        // A newsroom's handle counts when the author chose it: named in the text, or put to
        // directly. In a reply to a thread of three or more, the leading handles are the thread's
        // participants, added by the platform, not a call on the press.
        let (lead_end, lead_count) = leading_block(i.lower);
        s.press = hit(G_PRESS)
            || self
                .press_handle
                .find_iter(i.lower)
                .any(|m| m.start() >= lead_end || lead_count <= 2);
        s.legal = hit(G_LEGAL) || self.watchdog_handle.is_match(i.lower);
        s.scolding = hit(G_SCOLDING) || self.fed_up.is_match(i.norm);
        s.experience = hit(G_FIRST_PERSON) && !hit(G_OPINION);
        s.high_reach = i.followers >= 10_000 || i.reposts >= 100;
        let no_name = i.name.is_none_or(|n| n.trim().is_empty());
        let handle = i.handle.trim();
        s.anonymous = no_name && (handle.is_empty() || self.anon_handle.is_match(handle));
        let first = crate::text::words(i.norm).next().unwrap_or("");
        s.question = i.lower.contains('?')
            || (QUESTION_WORDS.contains(&first) && !i.lower.trim_end().ends_with('!'))
            || hit(G_QUESTION_PHRASES);
        // "Het hangt mijn voeten uit" (I am fed up) is not something that hangs.
        let fed_up = self.fed_up.replace_all(i.norm, " ");
        s.problem = self.problem.any(&fed_up)
            || self.problem_re.is_match(&fed_up)
            || self.problem_near.is_match(&fed_up);
        s.request = hit(G_REQUEST);
        s.thanks = hit(G_THANKS);
        let (addressed, others) = self.addressing(i.lower, i.norm);
        s.addressed = i.direct || addressed;
        s.others = others;
        let mut first = true;
        for h in i
            .lower
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '@'))
        {
            if !h.starts_with('@') || h.len() < 2 {
                continue;
            }
            if self.brand_handles.iter().any(|b| b == h) {
                s.mentions_ours = true;
                s.first_ours |= first;
            }
            first = false;
        }
        // Tagged in a thread between others: only put to us when the text speaks to a company
        // ("jullie", "vous", "you"), asks for something or reports a problem.
        s.aside = s.others > 0
            && !s.first_ours
            && !i.direct
            && !hit(G_PLURAL_YOU)
            && !s.request
            && !s.problem;
        if s.aside {
            s.addressed = false;
        }
        s.about_brand |= s.addressed || s.mentions_ours;
        let has_digit = i.norm.bytes().any(|c| c.is_ascii_digit());
        s.claim = (hit(G_CLAIM_SUBJECT) || self.money.is_match(i.lower))
            && (hit(G_CLAIM_CUE) || has_digit);
        s
    }

    /// Whether the message is put to us (a brand handle among its leading handles, or the
    /// brand's name as its first word), and how many other handles lead it.
    fn addressing(&self, lower: &str, norm: &str) -> (bool, u8) {
        let mut ours = false;
        let mut others: u8 = 0;
        for word in lower.split_whitespace() {
            let w = word
                .trim_start_matches(|c: char| !c.is_alphanumeric() && c != '@')
                .trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_');
            if !w.starts_with('@') {
                // "Hey @brand", "Hallo @brand", "Dear @brand": greetings before the handle.
                if matches!(
                    w,
                    "hey"
                        | "hallo"
                        | "hoi"
                        | "beste"
                        | "dag"
                        | "bonjour"
                        | "hello"
                        | "hi"
                        | "dear"
                        | "goedemorgen"
                        | "goedemiddag"
                        | "goedenavond"
                        | "salut"
                        | "cc"
                        | "beste,"
                        | "ok"
                ) {
                    continue;
                }
                break;
            }
            if self.brand_handles.iter().any(|h| h == w) {
                ours = true;
            } else {
                others = others.saturating_add(1);
            }
        }
        if !ours {
            // A brand handle anywhere that is followed by a question or a request ("@brand?",
            // "vraag aan @brand"), or the brand's name as the first word.
            ours = self
                .brand_names
                .iter()
                .any(|n| norm.starts_with(n.as_str()))
                || self
                    .brand_handles
                    .iter()
                    .any(|h| lower.contains(h.as_str()) && others == 0);
        }
        (ours, others)
    }

    /// Whether a domain imitates one of the brand's domains: contains its name
    /// (zuiderbank-veilig.nl, zuiderbank.login-check.com) or is one or two edits away from
    /// it (zuiderbannk.nl), without being the brand's own domain or a subdomain of it.
    fn is_lookalike(&self, domain: &str) -> bool {
        let domain = domain.trim_start_matches("www.");
        if self
            .brand_domains
            .iter()
            .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
        {
            return false;
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let Some((_tld, names)) = labels.split_last() else {
            return false;
        };
        self.brand_labels.iter().any(|brand| {
            names.iter().any(|label| {
                label.contains(brand.as_str())
                    || label.replace('-', "").contains(brand.as_str())
                    || edit_distance(label, brand) <= 2
            })
        })
    }
}

/// Levenshtein distance over bytes (domains are ASCII), bounded for speed.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        if let Some(c0) = cur.get_mut(0) {
            *c0 = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(c) = cur.get_mut(j + 1) {
                *c = sub.min(del).min(ins);
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.get(b.len()).copied().unwrap_or(usize::MAX)
}

/// The end (byte offset) of the `@handles` a message starts with, and how many there are.
fn leading_block(lower: &str) -> (usize, usize) {
    let mut count = 0;
    let mut end = 0;
    let mut at = 0;
    for word in lower.split_inclusive(char::is_whitespace) {
        let w = word.trim();
        if w.is_empty() {
            at += word.len();
            continue;
        }
        if w.starts_with('@') && w.len() > 1 {
            count += 1;
            at += word.len();
            end = at;
        } else {
            break;
        }
    }
    (end, count)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn sig(text: &str, handle: &str, name: Option<&str>, followers: i64) -> Signals {
        let m = SignalModel::new(&Brand::demo()).unwrap();
        let norm = normalize(text);
        let lower = text.to_lowercase();
        m.detect(&SignalInput {
            norm: &norm,
            lower: &lower,
            handle,
            name,
            followers,
            reposts: 0,
            direct: false,
        })
    }

    fn plain(text: &str) -> Signals {
        sig(text, "@janjansen", Some("Jan Jansen"), 100)
    }

    #[test]
    fn lookalike_domains() {
        assert!(plain("Inloggen via zuiderbank-veilig.nl?").lookalike_domain);
        assert!(plain("kreeg mail van https://zuiderbannk.nl/login").lookalike_domain);
        assert!(plain("zie www.zuiderbank.login-check.com").lookalike_domain);
        assert!(!plain("zie https://www.zuiderbank.nl/hulp").lookalike_domain);
        assert!(!plain("zie mijn.zuiderbank.nl").lookalike_domain);
        assert!(!plain("zie www.rabobank.nl").lookalike_domain);
    }

    #[test]
    fn phishing_press_legal() {
        assert!(plain("Iemand belde namens Zuiderbank en vroeg mijn pincode").phishing);
        assert!(plain("Ze wilden dat ik mijn geld naar een veilige rekening overmaakte").phishing);
        assert!(!plain("Mijn pas is kapot").phishing);
        // A code alone is not phishing; a code somebody asks for is.
        assert!(
            !plain("Ik had bij de kassa een verkeerde pincode ingetoetst, pas nu geblokkeerd")
                .phishing
        );
        assert!(plain("Ik kreeg een sms met een link om mijn inlogcode in te vullen").phishing);
        assert!(plain("Someone asked for my pin over the phone").phishing);
        assert!(!plain("Kunnen jullie bevestigen dat mijn nieuwe pincode onderweg is?").phishing);
        assert!(plain("Ik ben journalist bij de Volkskrant").press);
        assert!(plain("Namens mijn cliënt stel ik Zuiderbank aansprakelijk").legal);
        assert!(plain("Mijn advocaat neemt contact op").legal);
        assert!(!plain("Mijn pas is kapot").legal);
    }

    #[test]
    fn reach_anonymity_question_claim() {
        assert!(sig("hoi", "@x", Some("X"), 10_000).high_reach);
        assert!(!sig("hoi", "@x", Some("X"), 9_999).high_reach);
        assert!(sig("hoi", "@user84721", None, 3).anonymous);
        assert!(sig("hoi", "@qwe123456", None, 3).anonymous);
        assert!(!sig("hoi", "@user84721", Some("Piet"), 3).anonymous);
        assert!(!sig("hoi", "@pietjansen", None, 3).anonymous);
        assert!(plain("Hoe zet ik een betaalverzoek klaar").question);
        assert!(plain("werkt de app weer?").question);
        assert!(!plain("De app werkt weer").question);
        assert!(plain("Zuiderbank rekent nu 5 euro voor een pinpas").claim);
        assert!(plain("Zuiderbank verlaagt de spaarrente naar 0,1%").claim);
        assert!(!plain("Mijn pas is kapot").claim);
    }

    #[test]
    fn problems_requests_and_addressing_in_any_industry() {
        assert!(plain("al een paar dagen 's avonds geen internet meer, hoe kan dat?").problem);
        assert!(plain("Heb ik reeds gedaan, maar werkt jammer genoeg niet").problem);
        assert!(plain("Ik heb herladen maar er gebeurt niets").problem);
        assert!(plain("pas de réseau depuis ce matin").problem);
        assert!(plain("my order never arrived").problem);
        assert!(!plain("Mooie reclame gisteren op tv").problem);
        assert!(plain("kunnen jullie dit even nakijken").request);
        assert!(plain("pouvez-vous me rappeler").request);
        assert!(plain("Bedankt voor de snelle hulp!").thanks);
        assert!(plain("@zuiderbank mijn app doet raar").addressed);
        assert!(plain("Hey @zuiderbank, mijn app doet raar").addressed);
        // Tagged along in a thread between others, nothing put to us: an aside.
        let s = plain("@buurman @zuiderbank haha ja");
        assert!(s.aside && !s.addressed && s.others == 1 && !s.first_ours && s.mentions_ours);
        // The same thread, but the text speaks to the company or reports a problem.
        assert!(plain("@buurman @zuiderbank kunnen jullie mij terugbellen").addressed);
        assert!(!plain("@buurman @zuiderbank bij mij werkt de app al twee dagen niet").aside);
        assert!(!plain("@buurman ik ga naar de winkel").addressed);
        assert!(plain("@OrangeBENL @HLN_BE dit moet iedereen weten").press);
        // The thread's participants lead a reply; a newsroom among them is not called upon.
        assert!(!plain("@piet @klaas @OrangeBENL @vrtnws bestaat Base nog?").press);
        assert!(plain("@piet @klaas @OrangeBENL dit moet in de krant @vrtnws").press);
    }

    #[test]
    fn spoofed_calls_fake_prizes_and_accusations() {
        assert!(
            plain("Weer drie keer gebeld door onbekende nummers die zeggen dat ze van jullie zijn")
                .phishing
        );
        assert!(plain("Got a call from someone claiming to be your support desk").phishing);
        assert!(plain("Is die sms over mijn pakket echt van jullie?").phishing);
        assert!(
            plain("Ik heb een telefoon gewonnen, moet enkel de verzendkosten betalen. Echt?")
                .phishing
        );
        assert!(plain("They are scamming elderly people with letters in your name").phishing);
        // A scam word thrown at the company's own prices is a complaint, not an alert.
        assert!(!plain("Jullie zijn gewoon oplichters met die nieuwe prijzen").phishing);
        assert!(!plain("you guys are scamming me with these fees").phishing);
        assert!(!plain("Mijn zoon heeft een wedstrijd gewonnen bij de voetbal").phishing);
    }

    #[test]
    fn watchdogs_police_and_press_offices() {
        assert!(plain("Ik stap hiermee naar de ombudsman").legal);
        assert!(plain("Zie #ombudsmanenergie voor mijn dossier").legal);
        assert!(plain("@zuiderbank @Consumentenbond hoe kan dit?").legal);
        assert!(plain("I will report you to the Better Business Bureau").legal);
        assert!(plain("Ik ga aangifte doen bij de politie").legal);
        assert!(plain("Dit is misleidende reclame").legal);
        assert!(plain("@zuiderbank @PressZuider dit is al de derde keer").press);
        assert!(!plain("Ik ga morgen naar de winkel").legal);
    }

    #[test]
    fn scolding_experience_and_implied_questions() {
        assert!(plain("slechtste klantendienst ooit").scolding);
        assert!(plain("you are honestly the worst").scolding);
        assert!(plain("bande de nuls").scolding);
        assert!(!plain("de app werkt weer prima").scolding);
        assert!(!plain("het hangt me echt de keel uit").problem);
        assert!(plain("het hangt me echt de keel uit").scolding);
        assert!(plain("de app hangt al de hele dag").problem);
        assert!(plain("Ik heb jullie net mijn gegevens gestuurd").experience);
        assert!(!plain("ik vind dat logo lelijk").experience);
        assert!(plain("je ne vois pas pourquoi je dois payer ce supplément").question);
        assert!(plain("my headphones arent working since the update").problem);
        assert!(plain("trying to log in for an hour now").problem);
    }

    #[test]
    fn somebody_calling_on_our_behalf_is_phishing() {
        assert!(plain("iemand belde me namens de bank en wist mijn adres").phishing);
        assert!(plain("someone called me on behalf of the company asking for details").phishing);
        assert!(plain("Hij vroeg me een code uit de app voor te lezen").phishing);
        assert!(!plain("ik heb gisteren gebeld met de klantenservice").phishing);
        assert!(!plain("namens mijn moeder wil ik vragen hoe het zit").phishing);
    }

    #[test]
    fn about_brand() {
        assert!(plain("@zuiderbank help").about_brand);
        assert!(plain("Ik bankier bij Zuider Bank").about_brand);
        assert!(plain("De ZuiderApp is traag").about_brand);
        assert!(!plain("Mijn buurman heeft een nieuwe auto").about_brand);
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("zuiderbannk", "zuiderbank"), 1);
        assert_eq!(edit_distance("zuiderbank", "zuiderbank"), 0);
        assert!(edit_distance("rabobank", "zuiderbank") > 2);
    }
}
