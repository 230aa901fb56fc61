//! The working surface: counts with their plural forms, error pages, the case history in words,
//! delivery problems, source and delivery kinds, and the keyboard shortcut map.
//!
//! A plural entry holds its forms separated by `|` (one|other); `{n}` is the count. Read them
//! with `i18n::plural` (Rust) or `plural(n, "key")` (templates), never as plain text.

/// (key, Dutch, English)
pub(super) const SURFACE: &[(&str, &str, &str)] = &[
    // ----- counts (one|other)
    (
        "n_messages",
        "{n} bericht|{n} berichten",
        "{n} message|{n} messages",
    ),
    (
        "n_attempts",
        "{n} poging|{n} pogingen",
        "{n} attempt|{n} attempts",
    ),
    (
        "n_reactions",
        "{n} reactie|{n} reacties",
        "{n} reaction|{n} reactions",
    ),
    (
        "n_followers",
        "{n} volger|{n} volgers",
        "{n} follower|{n} followers",
    ),
    ("n_votes_word", "stem|stemmen", "vote|votes"),
    ("n_days", "{n} dag|{n} dagen", "{n} day|{n} days"),
    ("n_ideas", "{n} idee|{n} ideeën", "{n} idea|{n} ideas"),
    ("n_bytes", "{n} byte|{n} bytes", "{n} byte|{n} bytes"),
    (
        "n_verdicts_change",
        "{n} oordeel verandert|{n} oordelen veranderen",
        "{n} verdict changes|{n} verdicts change",
    ),
    // ----- error pages
    ("error_400", "Dit verzoek klopt niet", "Bad request"),
    (
        "error_400_text",
        "Het verzoek kon niet worden verwerkt: een veld of adres klopt niet.",
        "The request could not be processed: a field or address is not valid.",
    ),
    ("error_401", "Niet ingelogd", "Not logged in"),
    (
        "error_401_text",
        "Log in om deze pagina te zien.",
        "Log in to see this page.",
    ),
    ("error_403", "Geen toegang", "No access"),
    ("error_404", "Pagina niet gevonden", "Page not found"),
    (
        "error_404_text",
        "Deze pagina bestaat niet (meer). Controleer het adres, of ga terug naar het begin.",
        "This page does not exist (any more). Check the address, or go back to the start.",
    ),
    (
        "error_404_conversation",
        "Dit gesprek bestaat niet (meer). Het kan gewist zijn op verzoek van de klant.",
        "This conversation does not exist (any more). It may have been erased at the customer's request.",
    ),
    (
        "error_404_idea",
        "Dit idee bestaat niet (meer).",
        "This idea does not exist (any more).",
    ),
    ("error_405", "Dat kan hier niet", "Not allowed here"),
    (
        "error_405_text",
        "Deze pagina kan niet op deze manier worden opgevraagd.",
        "This page cannot be requested this way.",
    ),
    ("error_409", "Conflict", "Conflict"),
    (
        "error_409_text",
        "Dit botst met iets wat al is opgeslagen.",
        "This conflicts with something already stored.",
    ),
    ("error_413", "Te groot", "Too large"),
    (
        "error_413_text",
        "Wat je stuurde is groter dan Wederhoor aanneemt.",
        "What you sent is larger than Wederhoor accepts.",
    ),
    ("error_415", "Onbekend formaat", "Unsupported format"),
    (
        "error_415_text",
        "Dit formaat wordt hier niet aangenomen.",
        "This format is not accepted here.",
    ),
    ("error_422", "Niet verwerkt", "Not processed"),
    (
        "error_422_text",
        "De invoer klopt niet; er is niets opgeslagen.",
        "The input is not valid; nothing was stored.",
    ),
    ("error_429", "Even rustig aan", "Slow down"),
    ("error_500", "Er ging iets mis", "Something went wrong"),
    (
        "error_500_text",
        "Er ging aan onze kant iets mis. Probeer het zo nog eens; blijft het misgaan, geef dan de referentie door.",
        "Something went wrong on our side. Try again in a moment; if it keeps failing, pass on the reference.",
    ),
    (
        "error_503",
        "Even niet beschikbaar",
        "Unavailable for a moment",
    ),
    (
        "error_503_text",
        "Wederhoor is even niet beschikbaar. Probeer het zo nog eens.",
        "Wederhoor is unavailable for a moment. Try again shortly.",
    ),
    ("error_other", "Dat lukte niet", "That did not work"),
    ("error_code", "Foutcode", "Error code"),
    ("error_details", "Details", "Details"),
    ("error_to_inbox", "Naar de inbox", "To the inbox"),
    ("error_to_ideas", "Naar de ideeën", "To the ideas"),
    // ----- the case history in words (the actor's name goes before)
    (
        "hist_assign",
        "wees het gesprek toe aan {name}",
        "assigned the conversation to {name}",
    ),
    (
        "hist_unassign",
        "hief de toewijzing op",
        "removed the assignment",
    ),
    (
        "hist_state",
        "zette de status op {state}",
        "set the state to {state}",
    ),
    (
        "hist_reply",
        "zette een antwoord klaar voor verzending",
        "queued a reply for delivery",
    ),
    (
        "hist_note",
        "schreef een interne notitie",
        "wrote an internal note",
    ),
    (
        "hist_review",
        "besliste bij de beoordeling: {action}",
        "decided in review: {action}",
    ),
    (
        "hist_edited",
        "De klant bewerkte een bericht",
        "The customer edited a message",
    ),
    (
        "hist_deleted",
        "De klant verwijderde een bericht",
        "The customer deleted a message",
    ),
    ("hist_other", "andere wijziging", "other change"),
    ("hist_system", "Wederhoor", "Wederhoor"),
    ("hist_someone", "een medewerker", "an agent"),
    // ----- delivery problems and kinds
    (
        "delivery_err_unreachable",
        "De ontvanger was niet bereikbaar.",
        "The receiver could not be reached.",
    ),
    (
        "delivery_err_http",
        "De ontvanger weigerde het antwoord (HTTP {code}).",
        "The receiver refused the reply (HTTP {code}).",
    ),
    (
        "delivery_err_no_url",
        "Deze bron heeft geen webhook-adres om antwoorden naar te sturen.",
        "This source has no webhook address to send replies to.",
    ),
    (
        "delivery_err_other",
        "De bezorging is mislukt.",
        "The delivery failed.",
    ),
    (
        "delivery_err_details",
        "Technische details",
        "Technical details",
    ),
    ("dk_webhook", "webhook", "webhook"),
    ("dk_manual", "handmatig", "by hand"),
    ("dk_mastodon", "Mastodon", "Mastodon"),
    ("dk_whatsapp", "WhatsApp", "WhatsApp"),
    ("dk_facebook", "Facebook", "Facebook"),
    ("dk_instagram", "Instagram", "Instagram"),
    ("dk_bluesky", "Bluesky", "Bluesky"),
    ("dk_email", "e-mail", "e-mail"),
    ("kind_twitter", "Twitter", "Twitter"),
    ("kind_x", "X", "X"),
    ("kind_reddit", "Reddit", "Reddit"),
    ("kind_linkedin", "LinkedIn", "LinkedIn"),
    ("kind_tiktok", "TikTok", "TikTok"),
    ("kind_youtube", "YouTube", "YouTube"),
    ("kind_threads", "Threads", "Threads"),
    ("kind_trustpilot", "Trustpilot", "Trustpilot"),
    // ----- keyboard
    ("keys_title", "Sneltoetsen", "Keyboard shortcuts"),
    (
        "keys_hint_inbox",
        "Sneltoetsen: j/k volgende/vorige, o of Enter openen, r antwoorden, a mij toewijzen, e sluiten, ? alle sneltoetsen",
        "Shortcuts: j/k next/previous, o or Enter open, r reply, a assign to me, e close, ? all shortcuts",
    ),
    (
        "keys_hint_case",
        "Sneltoetsen: r antwoorden, Ctrl+Enter versturen, a mij toewijzen, e sluiten, u of Esc terug, ? alle sneltoetsen",
        "Shortcuts: r reply, Ctrl+Enter send, a assign to me, e close, u or Esc back, ? all shortcuts",
    ),
    ("keys_close", "Sluiten", "Close"),
    ("keys_next", "volgende gesprek", "next conversation"),
    ("keys_prev", "vorige gesprek", "previous conversation"),
    ("keys_open", "gesprek openen", "open the conversation"),
    (
        "keys_reply_selected",
        "gesprek openen en antwoorden",
        "open the conversation and reply",
    ),
    ("keys_assign", "aan mij toewijzen", "assign to me"),
    (
        "keys_close_case",
        "gesprek sluiten",
        "close the conversation",
    ),
    ("keys_reply", "naar het antwoordveld", "go to the reply box"),
    ("keys_send", "antwoord versturen", "send the reply"),
    ("keys_back", "terug naar de inbox", "back to the inbox"),
    ("keys_help", "deze lijst tonen", "show this list"),
    (
        "keys_command",
        "opdrachtbalk: ga naar een gesprek of pagina",
        "command bar: go to a conversation or page",
    ),
    ("command_label", "Ga naar", "Go to"),
    ("command_case", "Gesprek", "Conversation"),
    (
        "command_placeholder",
        "Gespreksnummer, of: inbox, review, regels, ideeën…",
        "Conversation number, or: inbox, review, rules, ideas…",
    ),
    // ----- topics of the default taxonomy (others are shown with spaces for underscores)
    ("topic_payments", "betalingen", "payments"),
    ("topic_cards", "passen", "cards"),
    ("topic_app_login", "app en inloggen", "app and login"),
    ("topic_mortgage", "hypotheek", "mortgage"),
    ("topic_savings_interest", "spaarrente", "savings interest"),
    ("topic_fees", "kosten", "fees"),
    (
        "topic_account_blocked",
        "rekening geblokkeerd",
        "account blocked",
    ),
    (
        "topic_fraud_phishing",
        "fraude en phishing",
        "fraud and phishing",
    ),
    (
        "topic_service_reachability",
        "bereikbaarheid",
        "reachability",
    ),
    (
        "topic_death_estate",
        "overlijden en nalatenschap",
        "death and estate",
    ),
    (
        "topic_business_banking",
        "zakelijk bankieren",
        "business banking",
    ),
    ("topic_praise", "compliment", "praise"),
    ("topic_press_legal", "pers en juridisch", "press and legal"),
];
