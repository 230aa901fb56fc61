//! The customer's journey (#12): the composer's counter and refusals, signatures and manual
//! delivery, status updates to social authors, reach and the earlier contacts of an author.
//!
//! `customer_fr` holds the few texts customers receive in French (the catalogue of the team's
//! pages is Dutch and English).

/// (key, Dutch, English)
pub(super) const JOURNEY: &[(&str, &str, &str)] = &[
    // ----- composer
    ("channel_whatsapp", "WhatsApp", "WhatsApp"),
    ("channel_facebook", "Facebook", "Facebook"),
    ("channel_instagram", "Instagram", "Instagram"),
    ("channel_bluesky", "Bluesky", "Bluesky"),
    ("channel_mastodon", "Mastodon", "Mastodon"),
    ("channel_x", "X", "X"),
    ("channel_email", "e-mail", "e-mail"),
    ("channel_other", "dit kanaal", "this channel"),
    (
        "reply_counter_graphemes",
        "tekens (zoals {channel} ze telt, met ondertekening)",
        "characters (as {channel} counts them, signature included)",
    ),
    (
        "reply_counter_chars",
        "tekens op {channel} (met ondertekening)",
        "characters on {channel} (signature included)",
    ),
    ("reply_counter_over", "te lang", "too long"),
    (
        "reply_over_channel_limit",
        "Dit antwoord is te lang voor {channel}: {length} van de {max} tekens, met ondertekening. Er is niets verstuurd en niets afgekapt; kort je tekst in.",
        "This reply is too long for {channel}: {length} of {max} characters, signature included. Nothing was sent and nothing was cut; shorten your text.",
    ),
    (
        "pii_in_public_reply",
        "Dit antwoord wordt openbaar geplaatst en bevat persoonsgegevens (hieronder gemarkeerd). Er is niets verstuurd. Haal ze weg en nodig de klant uit voor een privékanaal.",
        "This reply is posted in public and contains personal data (marked below). Nothing was sent. Remove it and invite the customer to a private channel.",
    ),
    ("refused_part", "Wat is geweigerd:", "What was refused:"),
    ("pii_kind_iban", "IBAN", "IBAN"),
    ("pii_kind_bsn", "BSN", "citizen service number"),
    ("pii_kind_card", "kaartnummer", "card number"),
    ("pii_kind_phone", "telefoonnummer", "phone number"),
    ("pii_kind_email", "e-mailadres", "e-mail address"),
    ("pii_kind_address", "adres", "address"),
    ("pii_kind_postcode", "postcode", "postcode"),
    ("pii_kind_customer_number", "klantnummer", "customer number"),
    (
        "colleague_answered",
        "Een collega heeft deze zaak al beantwoord sinds je hem opende. Lees dat antwoord eerst; er is niets verstuurd.",
        "A colleague already answered this case since you opened it. Read that answer first; nothing was sent.",
    ),
    (
        "colleague_answer_line",
        "{name} antwoordde om {at}",
        "{name} answered at {at}",
    ),
    (
        "send_anyway",
        "Toch versturen: mijn antwoord voegt iets toe",
        "Send anyway: my reply adds something",
    ),
    (
        "signed_as_channel",
        "Ondertekend op {channel} als:",
        "Signed on {channel} as:",
    ),
    // ----- manual delivery
    ("copy_text", "Tekst kopiëren", "Copy text"),
    ("copied", "Gekopieerd", "Copied"),
    (
        "copy_failed",
        "Kopiëren lukte niet; selecteer de tekst en kopieer hem zelf.",
        "Copying failed; select the text and copy it yourself.",
    ),
    (
        "manual_text_label",
        "Te plaatsen tekst (met ondertekening)",
        "Text to post (signature included)",
    ),
    (
        "hist_sent_by_hand",
        "plaatste een antwoord met de hand en markeerde het als verstuurd",
        "posted a reply by hand and marked it as sent",
    ),
    // ----- status updates to social authors
    (
        "hist_reply_skipped",
        "Statusupdate niet verstuurd: {reason}",
        "Status update not sent: {reason}",
    ),
    (
        "skip_whatsapp_window",
        "het WhatsApp-venster van 24 uur is gesloten (een vrij bericht mag dan niet)",
        "the WhatsApp 24-hour window is closed (a free-form message is not allowed then)",
    ),
    // ----- reach
    ("reach", "Bereik", "Reach"),
    ("reposts", "gedeeld", "reposts"),
    ("likes", "vind-ik-leuks", "likes"),
    ("lead_flag", "Voor een teamleider", "For a lead"),
    (
        "lead_flag_viral",
        "bereik groeit snel: {before} → {after} keer gedeeld",
        "reach grows fast: {before} → {after} reposts",
    ),
    (
        "hist_lead_flag",
        "Gemarkeerd voor een teamleider: {reason}",
        "Flagged for a lead: {reason}",
    ),
    (
        "hist_metrics",
        "Bereik bijgewerkt: {reposts} keer gedeeld, {likes} vind-ik-leuks",
        "Reach updated: {reposts} reposts, {likes} likes",
    ),
    // ----- earlier contacts
    ("earlier_contacts", "Eerdere contacten", "Earlier contacts"),
    (
        "earlier_contacts_none",
        "Geen andere gesprekken van deze afzender.",
        "No other conversations from this author.",
    ),
    (
        "earlier_contacts_hint",
        "Andere gesprekken van dezelfde naam op deze bron en op andere bronnen.",
        "Other conversations of the same handle on this source and on other sources.",
    ),
];

/// The French texts customers receive, by key (the same keys as the catalogue's customer texts).
pub(super) const CUSTOMER_FR: &[(&str, &str)] = &[(
    "feedback_social_update",
    "Mise à jour de l’idée « {title} » : {status}. Pourquoi : {url}",
)];
