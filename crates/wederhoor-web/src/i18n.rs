//! The one message catalogue: every user-facing string, in Dutch (default) and English.
//! Templates read it as `tr.key`; an unknown key is a template error, caught by the tests.

use std::collections::BTreeMap;

mod accounts;
mod feedback;
mod journey;
mod learning;
mod surface;

/// Every part of the catalogue: the team's pages, the feedback page, customer accounts.
const PARTS: &[&[(&str, &str, &str)]] = &[
    CATALOGUE,
    feedback::FEEDBACK,
    accounts::ACCOUNTS,
    learning::LEARNING,
    surface::SURFACE,
    journey::JOURNEY,
];

fn entries() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    PARTS.iter().flat_map(|part| part.iter())
}

/// The languages of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
}

/// (key, Dutch, English)
const CATALOGUE: &[(&str, &str, &str)] = &[
    ("app_name", "Wederhoor", "Wederhoor"),
    ("login_title", "Inloggen", "Log in"),
    ("username", "Gebruikersnaam", "Username"),
    ("password", "Wachtwoord", "Password"),
    ("login_button", "Inloggen", "Log in"),
    (
        "login_failed",
        "Onbekende gebruikersnaam of verkeerd wachtwoord.",
        "Unknown username or wrong password.",
    ),
    ("logout", "Uitloggen", "Log out"),
    ("inbox", "Inbox", "Inbox"),
    ("admin", "Beheer", "Admin"),
    ("all", "Alles", "All"),
    ("filters", "Filters", "Filters"),
    ("apply", "Toepassen", "Apply"),
    ("source", "Bron", "Source"),
    ("language", "Taal", "Language"),
    ("topic", "Onderwerp", "Topic"),
    ("state", "Status", "State"),
    ("verdict", "Oordeel", "Verdict"),
    ("assigned_to_me", "Aan mij toegewezen", "Assigned to me"),
    ("unassigned", "Niet toegewezen", "Unassigned"),
    ("owner", "Eigenaar", "Owner"),
    ("nobody", "niemand", "nobody"),
    ("messages", "berichten", "messages"),
    (
        "empty_inbox",
        "Geen gesprekken die aan deze filters voldoen.",
        "No conversations match these filters.",
    ),
    ("previous", "Vorige", "Previous"),
    ("next", "Volgende", "Next"),
    ("page", "Pagina", "Page"),
    (
        "shortcuts",
        "Sneltoetsen: j/k volgende/vorige, o openen, r antwoorden, a mij toewijzen, e sluiten",
        "Shortcuts: j/k next/previous, o open, r reply, a assign to me, e close",
    ),
    ("back_to_inbox", "Terug naar de inbox", "Back to the inbox"),
    ("rule", "Regel", "Rule"),
    ("reason", "Reden", "Reason"),
    ("rules_version", "regelversie", "rules version"),
    ("sentiment", "Sentiment", "Sentiment"),
    ("abusive", "scheldend", "abusive"),
    ("priority", "Prioriteit", "Priority"),
    ("priority_urgent", "urgent", "urgent"),
    ("priority_high", "hoog", "high"),
    ("priority_normal", "normaal", "normal"),
    ("priority_low", "laag", "low"),
    ("sort", "Volgorde", "Order"),
    ("sort_newest", "nieuwste eerst", "newest first"),
    (
        "sort_priority",
        "hoogste prioriteit eerst",
        "highest priority first",
    ),
    (
        "sort_waiting",
        "langst wachtend eerst",
        "waiting longest first",
    ),
    ("personal_data", "Persoonsgegevens", "Personal data"),
    ("evidence", "Gevonden", "Matched"),
    ("followers", "volgers", "followers"),
    ("reply", "Antwoorden", "Reply"),
    (
        "reply_placeholder",
        "Schrijf je antwoord…",
        "Write your reply…",
    ),
    (
        "signed_as",
        "Ondertekend met je eigen naam:",
        "Signed with your own name:",
    ),
    ("send_reply", "Antwoord versturen", "Send reply"),
    ("note", "Interne notitie", "Internal note"),
    (
        "note_placeholder",
        "Alleen zichtbaar voor het team…",
        "Only visible to the team…",
    ),
    ("add_note", "Notitie toevoegen", "Add note"),
    ("notes", "Notities", "Notes"),
    ("attachments", "Bijlagen", "Attachments"),
    ("download", "Downloaden", "Download"),
    (
        "attachment_not_kept",
        "te groot, niet bewaard",
        "too big, not kept",
    ),
    ("assign_to_me", "Mij toewijzen", "Assign to me"),
    ("unassign", "Toewijzing opheffen", "Unassign"),
    ("set_state", "Status wijzigen", "Change state"),
    ("replies", "Antwoorden", "Replies"),
    ("delivery_queued", "in de wachtrij", "queued"),
    ("delivery_sent", "verstuurd", "sent"),
    ("delivery_failed", "mislukt", "failed"),
    ("delivery_retrying", "opnieuw proberen", "retrying"),
    ("attempts", "pogingen", "attempts"),
    ("mark_sent", "Handmatig verstuurd", "Mark as sent"),
    (
        "manual_hint",
        "Kopieer de tekst en plaats hem zelf; markeer hem daarna als verstuurd.",
        "Copy the text, post it yourself, then mark it as sent.",
    ),
    ("retry", "Opnieuw proberen", "Retry"),
    (
        "also_here",
        "Ook in dit gesprek:",
        "Also in this conversation:",
    ),
    ("typing", "typt…", "typing…"),
    ("viewing", "kijkt mee", "viewing"),
    ("new_activity", "Nieuwe activiteit", "New activity"),
    ("history", "Geschiedenis", "History"),
    ("agents", "Medewerkers", "Agents"),
    ("sources", "Bronnen", "Sources"),
    ("role", "Rol", "Role"),
    ("display_name", "Weergavenaam", "Display name"),
    ("add_agent", "Medewerker toevoegen", "Add agent"),
    ("add_source", "Bron toevoegen", "Add source"),
    ("name", "Naam", "Name"),
    ("kind", "Soort", "Kind"),
    ("delivery", "Bezorging", "Delivery"),
    ("webhook_url", "Webhook-URL", "Webhook URL"),
    (
        "webhook_secret",
        "Webhook-geheim (HMAC)",
        "Webhook secret (HMAC)",
    ),
    (
        "token_once",
        "Ingest-token (wordt maar één keer getoond):",
        "Ingest token (shown only once):",
    ),
    ("rules", "Spelregels", "Rules of engagement"),
    (
        "active_rules_version",
        "Actieve regelversie",
        "Active rules version",
    ),
    (
        "retriage",
        "Alle berichten opnieuw beoordelen",
        "Re-triage all messages",
    ),
    ("retriage_done", "Opnieuw beoordeeld:", "Re-triaged:"),
    ("error_title", "Er ging iets mis", "Something went wrong"),
    ("error_ref", "Referentie", "Reference"),
    (
        "forbidden",
        "Je rol geeft geen toegang tot deze pagina.",
        "Your role does not give access to this page.",
    ),
    ("not_found", "Niet gevonden.", "Not found."),
    (
        "csrf_failed",
        "Het formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens.",
        "The form has expired. Reload the page and try again.",
    ),
    (
        "empty_text",
        "Tekst mag niet leeg zijn.",
        "Text must not be empty.",
    ),
    (
        "text_too_long",
        "Tekst is te lang (maximaal 10.000 tekens).",
        "Text is too long (at most 10,000 characters).",
    ),
    (
        "src_err_meta_settings",
        "Een WhatsApp-, Facebook- of Instagram-bron heeft als geheim JSON nodig: {\"verify_token\", \"app_secret\", \"access_token\", \"phone_number_id\"} (het laatste alleen voor WhatsApp).",
        "A WhatsApp, Facebook or Instagram source needs JSON as its secret: {\"verify_token\", \"app_secret\", \"access_token\", \"phone_number_id\"} (the last for WhatsApp only).",
    ),
    (
        "whatsapp_window_closed",
        "Het WhatsApp-servicevenster is gesloten: het laatste bericht van de klant is ouder dan 24 uur. WhatsApp staat dan geen vrij antwoord meer toe; wacht tot de klant opnieuw schrijft.",
        "The WhatsApp service window is closed: the customer's last message is more than 24 hours old. WhatsApp no longer allows a free-form reply; wait until the customer writes again.",
    ),
    (
        "whatsapp_window_until",
        "WhatsApp-servicevenster open tot",
        "WhatsApp service window open until",
    ),
    (
        "whatsapp_window_closed_at",
        "WhatsApp-servicevenster gesloten sinds",
        "WhatsApp service window closed since",
    ),
    (
        "pii_in_reply",
        "Je antwoord bevat persoonsgegevens. Herhaal die nooit in het openbaar; nodig de klant uit voor een privékanaal.",
        "Your reply contains personal data. Never repeat it in public; invite the customer to a private channel.",
    ),
    ("state_new", "nieuw", "new"),
    ("state_open", "open", "open"),
    ("state_waiting", "wacht", "waiting"),
    ("state_private", "privé", "private"),
    ("state_closed", "gesloten", "closed"),
    ("action_respond", "reageren", "respond"),
    ("action_ignore", "negeren", "ignore"),
    ("action_no_engage", "niet ingaan", "don't engage"),
    ("action_private", "privé", "private"),
    ("action_alert", "alarm", "alert"),
    ("action_escalate", "escaleren", "escalate"),
    ("action_review", "beoordelen", "review"),
    ("role_agent", "medewerker", "agent"),
    ("role_specialist", "specialist", "specialist"),
    ("role_lead", "teamleider", "team lead"),
    ("role_admin", "beheerder", "admin"),
    ("sentiment_negative", "negatief", "negative"),
    ("sentiment_neutral", "neutraal", "neutral"),
    ("sentiment_positive", "positief", "positive"),
    ("nav_rules", "Regels", "Rules"),
    ("nav_review", "Review", "Review"),
    ("review", "Te beoordelen", "Review queue"),
    (
        "review_intro",
        "Bij twijfel acteer je niet: hier beslist een teamleider. Elk besluit wordt bewaard als precedent.",
        "When in doubt, don't act: a team lead decides here. Every decision is kept as a precedent.",
    ),
    (
        "review_empty",
        "Niets te beoordelen.",
        "Nothing waiting for review.",
    ),
    ("decision", "Besluit", "Decision"),
    ("decide", "Besluiten", "Decide"),
    (
        "decision_stored",
        "Besluit bewaard als precedent",
        "Decision kept as precedent",
    ),
    (
        "decision_action",
        "Kies een actie: reageren, negeren, niet ingaan, privé, alarm of escaleren.",
        "Choose an action: respond, ignore, don't engage, private, alert or escalate.",
    ),
    (
        "reason_required",
        "Geef een reden voor je besluit.",
        "Give a reason for your decision.",
    ),
    ("make_rule", "Maak hier een regel van", "Make this a rule"),
    (
        "rule_from_precedent",
        "Regel uit precedent",
        "Rule from precedent",
    ),
    (
        "draft_decides",
        "De conceptregel beslist dit precedent: met deze regels krijgt het bericht van het precedent via",
        "The draft rule decides this precedent: with these rules the precedent's message gets, through",
    ),
    ("draft_decides_gets", "het oordeel", "the verdict"),
    (
        "draft_decides_next",
        "Controleer de voorwaarde en sla op; de terugtest laat zien welke oordelen veranderen.",
        "Check the condition and save; the backtest shows which verdicts change.",
    ),
    (
        "draft_not_decides",
        "Let op: de conceptregel beslist dit precedent niet.",
        "Note: the draft rule does not decide this precedent.",
    ),
    (
        "draft_not_decides_gets",
        "Met deze regels krijgt het bericht van het precedent nog steeds",
        "With these rules the precedent's message still gets",
    ),
    (
        "draft_not_decides_hint",
        "Pas de regel aan (of de regel die voorgaat) voordat je opslaat, anders verandert er niets.",
        "Change the rule (or the rule that wins) before you save, or nothing will change.",
    ),
    (
        "draft_invalid",
        "Let op: voor deze conceptregel was geen voorwaarde op te stellen.",
        "Note: no condition could be drafted for this draft rule.",
    ),
    ("precedent", "Precedent", "Precedent"),
    ("precedents", "Precedenten", "Precedents"),
    (
        "precedents_without_rule",
        "Precedenten zonder regel",
        "Precedents without a rule",
    ),
    ("rules_editor", "Regels bewerken", "Edit the rules"),
    ("rules_comment", "Toelichting", "Comment"),
    (
        "rules_save",
        "Opslaan als nieuwe versie",
        "Save as a new version",
    ),
    ("rules_history", "Versies", "Versions"),
    (
        "rules_saved",
        "Opgeslagen en actief: versie",
        "Saved and active: version",
    ),
    (
        "rules_invalid",
        "Niet opgeslagen; de vorige versie blijft actief",
        "Not saved; the previous version stays active",
    ),
    (
        "rules_too_long",
        "Het regelbestand is te groot (maximaal 1 MB).",
        "The rules file is too large (at most 1 MB).",
    ),
    (
        "comment_required",
        "Geef een toelichting bij deze versie.",
        "Give a comment for this version.",
    ),
    ("author", "Auteur", "Author"),
    ("time", "Tijd", "Time"),
    ("active", "actief", "active"),
    ("message", "Bericht", "Message"),
    ("before", "Was", "Was"),
    ("after", "Wordt", "Becomes"),
    ("backtest", "Terugtest", "Backtest"),
    (
        "backtest_intro",
        "De nieuwe regels zijn getest op de opgeslagen berichten:",
        "The new rules were tested on the stored messages:",
    ),
    (
        "backtest_capped",
        "de nieuwste, hoogstens",
        "the newest, at most",
    ),
    (
        "backtest_more",
        "oudere berichten zijn niet getest",
        "older messages were not tested",
    ),
    ("backtest_changed", "oordelen veranderen", "verdicts change"),
    (
        "backtest_none",
        "Geen enkel oordeel verandert.",
        "No verdict changes.",
    ),
    ("nav_sources", "Bronnen", "Sources"),
    ("nav_capture", "Vastleggen", "Capture"),
    ("kind_rss", "RSS-feed", "RSS feed"),
    ("kind_mastodon", "Mastodon", "Mastodon"),
    ("kind_bluesky", "Bluesky", "Bluesky"),
    ("kind_email", "E-mail", "E-mail"),
    (
        "kind_webhook",
        "Koppeling (webhook)",
        "Integration (webhook)",
    ),
    ("kind_whatsapp", "WhatsApp", "WhatsApp"),
    ("kind_facebook", "Facebook", "Facebook"),
    ("kind_instagram", "Instagram", "Instagram"),
    ("kind_forum", "Forum", "Forum"),
    ("kind_consumer_site", "Consumentensite", "Consumer site"),
    ("kind_manual", "Handmatig", "Manual"),
    ("kind_import", "Import", "Import"),
    ("url", "URL", "URL"),
    ("listening_query", "Zoekvraag", "Listening query"),
    ("query_none", "alles", "everything"),
    ("poll_interval", "Pollinterval (s)", "Poll interval (s)"),
    ("enabled", "Actief", "Enabled"),
    ("retention", "Bewaartermijn (dagen)", "Retention (days)"),
    ("retention_forever", "onbeperkt", "kept"),
    ("days", "dagen", "days"),
    ("ownership", "Account", "Account"),
    ("owned_own", "Eigen account", "Own account"),
    (
        "owned_other",
        "Van anderen (alleen luisteren)",
        "Others' (listen only)",
    ),
    ("health", "Gezondheid", "Health"),
    ("health_none", "nog geen meldingen", "no reports yet"),
    ("degraded", "verstoord", "degraded"),
    ("last_success", "Laatst gelukt", "Last success"),
    ("last_error", "Laatste fout", "Last error"),
    ("never", "nog nooit", "never"),
    ("consecutive_failures", "fouten op rij", "failures in a row"),
    ("messages_total", "berichten", "messages"),
    ("skipped", "overgeslagen", "skipped"),
    ("yes", "ja", "yes"),
    ("no", "nee", "no"),
    ("off", "uit", "off"),
    ("save", "Opslaan", "Save"),
    ("edit_sources", "Bronnen bewerken", "Edit sources"),
    ("manage_sources", "Bronnen beheren", "Manage sources"),
    (
        "src_page_intro",
        "Alle bronnen met hun instellingen en hoe hun koppeling ervoor staat. De actieve bronnen staan openbaar op",
        "Every source with its settings and how its connector is doing. The enabled sources are published at",
    ),
    (
        "src_rules_hint",
        "Naam 1–100 tekens; URL begint met http:// of https:// (verplicht voor RSS); pollinterval 30 s tot 1 dag; bewaartermijn 1–3650 dagen of leeg. Zoekvraag: woorden met AND, OR, NOT, haakjes, \"zinnen\" en pinpas*.",
        "Name 1–100 characters; URL starts with http:// or https:// (required for RSS); poll interval 30 s to 1 day; retention 1–3650 days or empty. Listening query: words with AND, OR, NOT, parentheses, \"phrases\" and pinpas*.",
    ),
    ("src_empty", "Nog geen bronnen.", "No sources yet."),
    ("src_saved", "Bron opgeslagen.", "Source saved."),
    ("src_deleted", "Bron verwijderd.", "Source deleted."),
    (
        "src_retired",
        "Bron uitgeschakeld en verborgen: haar berichten blijven bewaard.",
        "Source disabled and hidden: its messages are kept.",
    ),
    ("src_rotate_token", "Nieuw token", "New token"),
    ("src_delete", "Verwijderen", "Delete"),
    (
        "src_delete_hint",
        "Een bron zonder berichten wordt verwijderd; een bron met berichten wordt uitgeschakeld en verborgen.",
        "A source without messages is deleted; a source with messages is disabled and hidden.",
    ),
    (
        "src_err_name",
        "Naam: 1 tot 100 tekens.",
        "Name: 1 to 100 characters.",
    ),
    (
        "src_err_kind",
        "Onbekende soort; kies uit:",
        "Unknown kind; choose one of:",
    ),
    (
        "src_err_url",
        "De URL moet met http:// of https:// beginnen (en geen spaties bevatten).",
        "The URL must start with http:// or https:// (and contain no spaces).",
    ),
    (
        "src_err_url_required",
        "Een RSS-bron heeft een URL nodig.",
        "An RSS source needs a URL.",
    ),
    (
        "src_err_webhook_url",
        "De webhook-URL moet met http:// of https:// beginnen.",
        "The webhook URL must start with http:// or https://.",
    ),
    (
        "src_err_query",
        "De zoekvraag klopt niet:",
        "The listening query is not valid:",
    ),
    (
        "src_err_query_long",
        "De zoekvraag is te lang (maximaal 4096 tekens).",
        "The listening query is too long (at most 4096 characters).",
    ),
    (
        "src_err_poll",
        "Pollinterval: een heel aantal seconden van 30 tot 86400 (1 dag).",
        "Poll interval: a whole number of seconds from 30 to 86400 (1 day).",
    ),
    (
        "src_err_retention",
        "Bewaartermijn: 1 tot 3650 dagen, of leeg om alles te bewaren.",
        "Retention: 1 to 3650 days, or empty to keep everything.",
    ),
    (
        "public_title",
        "Bronnen die we volgen",
        "Sources we monitor",
    ),
    (
        "public_intro",
        "Ons webcareteam luistert naar wat er over ons gezegd wordt: op sociale netwerken, blogs, fora en consumentensites. Hieronder staan de bronnen die we volgen en waar we primair actief zijn. We publiceren deze lijst zodat je weet waar we meelezen.",
        "Our webcare team listens to what is said about us: on social networks, blogs, forums and consumer sites. Below are the sources we monitor and where we are primarily active. We publish this list so you know where we are listening.",
    ),
    ("since", "sinds", "since"),
    ("public_own", "ons eigen account", "our own account"),
    (
        "public_empty",
        "We volgen op dit moment geen bronnen.",
        "We are not monitoring any sources at the moment.",
    ),
    (
        "public_note",
        "Deze lijst dekt niet het hele internet; ook elders gesignaleerde berichten kunnen we oppakken.",
        "This list does not cover the whole internet; we may also pick up messages we come across elsewhere.",
    ),
    ("capture_title", "Bericht vastleggen", "Capture a post"),
    (
        "capture_intro",
        "Voor bronnen zonder koppeling (consumentensites, besloten fora): leg een bericht vast; het wordt beoordeeld en komt in de inbox zoals elk ander bericht.",
        "For sources without a connector (consumer sites, closed forums): capture a post; it is triaged and lands in the inbox like any other message.",
    ),
    (
        "cap_new_site",
        "Nieuwe consumentensite…",
        "New consumer site…",
    ),
    (
        "cap_new_name",
        "Naam van de nieuwe site",
        "Name of the new site",
    ),
    ("cap_url", "URL van het bericht", "URL of the post"),
    (
        "cap_author",
        "Auteur (naam of @handle, optioneel)",
        "Author (name or @handle, optional)",
    ),
    ("cap_text", "Tekst", "Text"),
    (
        "cap_time",
        "Tijd (Amsterdam; leeg is nu)",
        "Time (Amsterdam; empty is now)",
    ),
    ("cap_submit", "Vastleggen", "Capture"),
    (
        "cap_open_existing",
        "Open het gesprek",
        "Open the conversation",
    ),
    (
        "cap_err_url_required",
        "Geef de URL van het bericht.",
        "Give the URL of the post.",
    ),
    (
        "cap_err_url",
        "De URL van het bericht moet met http:// of https:// beginnen (maximaal 512 tekens, geen spaties).",
        "The URL of the post must start with http:// or https:// (at most 512 characters, no spaces).",
    ),
    (
        "cap_err_text",
        "Neem de tekst van het bericht over.",
        "Copy the text of the post.",
    ),
    (
        "cap_err_text_long",
        "De tekst is te lang (maximaal 64 KiB).",
        "The text is too long (at most 64 KiB).",
    ),
    (
        "cap_err_author",
        "De auteur is te lang (maximaal 512 tekens).",
        "The author is too long (at most 512 characters).",
    ),
    (
        "cap_err_time",
        "Onbekende tijd; gebruik bijvoorbeeld 2026-11-25T14:30.",
        "Unknown time; use for example 2026-11-25T14:30.",
    ),
    (
        "cap_err_new_name",
        "Geef de nieuwe site een naam van 1 tot 100 tekens.",
        "Give the new site a name of 1 to 100 characters.",
    ),
    ("cap_err_source", "Kies een bron.", "Choose a source."),
    (
        "cap_duplicate",
        "Dit bericht is al vastgelegd; er is geen tweede bericht gemaakt. Bron:",
        "This post was already captured; no second message was made. Source:",
    ),
    ("nav_privacy", "Privacy", "Privacy"),
    (
        "privacy_title",
        "Privacy: gegevens per persoon",
        "Privacy: data per person",
    ),
    (
        "privacy_intro",
        "Zoek een persoon op (bron en handle) om te zien wat er over hem of haar is opgeslagen, het te downloaden of te wissen. Elke export en elke wissing komt in het auditlog.",
        "Look up a person (source and handle) to see what is stored about them, download it or erase it. Every export and every erasure is written to the audit log.",
    ),
    ("privacy_handle", "Handle", "Handle"),
    ("privacy_lookup", "Opzoeken", "Look up"),
    (
        "privacy_nothing",
        "Er is niets opgeslagen over deze persoon.",
        "Nothing is stored about this person.",
    ),
    ("privacy_authors", "Auteursprofielen", "Author profiles"),
    ("privacy_messages", "Berichten", "Messages"),
    ("privacy_conversations", "Gesprekken", "Conversations"),
    (
        "privacy_download",
        "Export downloaden (JSON)",
        "Download the export (JSON)",
    ),
    ("privacy_erase_title", "Wissen", "Erase"),
    (
        "privacy_erase_intro",
        "Wist de berichten van deze persoon met hun triage, gesprekken die daardoor leeg raken (met onze antwoorden en notities) en precedenten op die berichten; het auteursprofiel wordt geanonimiseerd. Dit kan niet ongedaan worden gemaakt.",
        "Erases this person's messages with their triage, conversations left empty by that (with our replies and notes) and precedents on those messages; the author profile is anonymised. This cannot be undone.",
    ),
    (
        "privacy_confirm",
        "Typ de handle nogmaals ter bevestiging",
        "Type the handle again to confirm",
    ),
    (
        "privacy_erase_button",
        "Definitief wissen",
        "Erase for good",
    ),
    ("privacy_erased", "Gewist.", "Erased."),
    (
        "privacy_nothing_erased",
        "Er was niets (meer) te wissen.",
        "There was nothing (left) to erase.",
    ),
    (
        "privacy_messages_deleted",
        "Berichten gewist",
        "Messages erased",
    ),
    (
        "privacy_conversations_deleted",
        "Gesprekken gewist",
        "Conversations erased",
    ),
    (
        "privacy_conversations_updated",
        "Gesprekken bijgewerkt",
        "Conversations updated",
    ),
    (
        "privacy_authors_anonymised",
        "Auteursprofielen geanonimiseerd",
        "Author profiles anonymised",
    ),
    (
        "privacy_err_handle",
        "Geef een handle op.",
        "Give a handle.",
    ),
    (
        "privacy_err_confirm",
        "De bevestiging komt niet overeen met de handle; er is niets gewist.",
        "The confirmation does not match the handle; nothing was erased.",
    ),
    (
        "privacy_err_reason",
        "Geef een reden op; er is niets gewist.",
        "Give a reason; nothing was erased.",
    ),
    ("privacy_err_source", "Kies een bron.", "Choose a source."),
    ("switch_language", "English", "Nederlands"),
];

/// The catalogue for one language, as the templates see it.
pub fn catalogue(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    entries()
        .map(|(k, nl, en)| (*k, if lang == Lang::Nl { *nl } else { *en }))
        .collect()
}

/// A text a customer receives, in the language their message was written in (`nl`, `en`,
/// `fr`); anything else is Dutch.
pub fn customer_text(language: &str, key: &str) -> &'static str {
    match language {
        "en" => text(Lang::En, key),
        "fr" => journey::CUSTOMER_FR
            .iter()
            .find(|(k, _)| *k == key)
            .map_or_else(|| text(Lang::Nl, key), |(_, fr)| *fr),
        _ => text(Lang::Nl, key),
    }
}

/// One string, for code outside templates (flash messages, errors).
pub fn text(lang: Lang, key: &str) -> &'static str {
    entries()
        .find(|(k, _, _)| *k == key)
        .map_or("", |(_, nl, en)| if lang == Lang::Nl { nl } else { en })
}

/// A count in words: the entry `key` holds the forms `one|other` (see `i18n/surface.rs`), and
/// `{n}` in the chosen form becomes the number. Dutch and English use "one" for exactly 1.
pub fn plural(lang: Lang, key: &str, n: i64) -> String {
    let forms = text(lang, key);
    let mut parts = forms.split('|');
    let one = parts.next().unwrap_or_default();
    let other = parts.next().unwrap_or(one);
    let form = if plural_is_one(lang, n) { one } else { other };
    form.replace("{n}", &n.to_string())
}

/// The plural rule of a language: does `n` take the "one" form?
fn plural_is_one(lang: Lang, n: i64) -> bool {
    match lang {
        Lang::Nl | Lang::En => n == 1,
    }
}

/// Fills `{name}` placeholders of a catalogue text.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_right_plural_form() {
        assert_eq!(plural(Lang::Nl, "n_messages", 1), "1 bericht");
        assert_eq!(plural(Lang::Nl, "n_messages", 2), "2 berichten");
        assert_eq!(plural(Lang::Nl, "n_messages", 0), "0 berichten");
        assert_eq!(plural(Lang::En, "n_attempts", 1), "1 attempt");
        assert_eq!(plural(Lang::En, "n_attempts", 3), "3 attempts");
        assert_eq!(plural(Lang::Nl, "n_reactions", 1), "1 reactie");
        assert_eq!(plural(Lang::Nl, "n_votes_word", 1), "stem");
        // A key without forms reads the same for every count.
        assert_eq!(plural(Lang::Nl, "logout", 2), "Uitloggen");
    }

    #[test]
    fn every_plural_entry_has_two_forms_in_both_languages() {
        for (k, nl, en) in entries().filter(|(k, _, _)| k.starts_with("n_")) {
            assert_eq!(nl.matches('|').count(), 1, "{k} (nl)");
            assert_eq!(en.matches('|').count(), 1, "{k} (en)");
        }
    }

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        let mut seen = std::collections::HashSet::new();
        for (k, nl, en) in entries() {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!nl.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(text(Lang::En, "logout"), "Log out");
        assert_eq!(text(Lang::Nl, "logout"), "Uitloggen");
    }
}
