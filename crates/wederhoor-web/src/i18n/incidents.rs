//! Alerts of the live burst detector and the incidents made of them.

/// (key, Dutch, English)
pub(super) const INCIDENTS: &[(&str, &str, &str)] = &[
    ("nav_alerts", "Meldingen", "Alerts"),
    (
        "alerts_title",
        "Meldingen: golven van berichten",
        "Alerts: waves of messages",
    ),
    (
        "alerts_intro",
        "Wederhoor ziet een golf wanneer meer mensen dan gewoonlijk binnen tien minuten bijna hetzelfde schrijven of dezelfde link noemen: een phishingbericht, een storing, een klacht die rondgaat. Maak er in één keer een incident van, of leg de melding naast je.",
        "Wederhoor sees a wave when more people than usual write nearly the same thing or name the same link within ten minutes: a phishing message, an outage, a complaint going round. Turn it into an incident in one action, or set the alert aside.",
    ),
    (
        "alerts_empty",
        "Er zijn nu geen open meldingen.",
        "There are no open alerts now.",
    ),
    (
        "alert_new_live",
        "Nieuwe melding: er gaat een golf van berichten rond",
        "New alert: a wave of messages is going round",
    ),
    ("alert_kind_phishing", "Phishing", "Phishing"),
    ("alert_kind_outage", "Storing", "Outage"),
    ("alert_kind_burst", "Golf", "Wave"),
    ("alert_opened", "Geopend", "Opened"),
    ("alert_last", "Laatste bericht", "Latest message"),
    ("alert_messages", "Berichten", "Messages"),
    ("alert_authors", "Afzenders", "Senders"),
    ("alert_sources", "Bronnen", "Sources"),
    ("alert_growth", "Groei", "Growth"),
    ("alert_samples", "Voorbeelden", "Examples"),
    ("alert_dismiss", "Naast me neerleggen", "Dismiss"),
    (
        "alert_make_incident",
        "Maak er een incident van",
        "Make it an incident",
    ),
    ("incident_label", "Incident", "Incident"),
    ("incidents_title", "Incidenten", "Incidents"),
    ("incident_title", "Titel", "Title"),
    (
        "incident_warning",
        "Waarschuwing voor klanten",
        "Warning for customers",
    ),
    ("incident_reply", "Voorgesteld antwoord", "Suggested reply"),
    (
        "incident_public",
        "Toon de waarschuwing op de publieke feedbackpagina",
        "Show the warning on the public feedback page",
    ),
    ("incident_is_public", "openbaar", "public"),
    ("incident_not_public", "niet openbaar", "not public"),
    ("incident_public_label", "Waarschuwing", "Warning"),
    ("incident_state_open", "open", "open"),
    ("incident_state_closed", "gesloten", "closed"),
    (
        "incident_affected",
        "Getroffen klanten",
        "Affected contacts",
    ),
    ("incident_timeline", "Tijdlijn", "Timeline"),
    ("incident_outcome", "Uitkomst", "Outcome"),
    ("incident_close", "Incident sluiten", "Close the incident"),
    (
        "incident_publish",
        "Waarschuwing publiceren",
        "Publish the warning",
    ),
    (
        "incident_withdraw",
        "Waarschuwing intrekken",
        "Withdraw the warning",
    ),
    (
        "incident_suggested_reply",
        "Voorgesteld antwoord",
        "Suggested reply",
    ),
    (
        "incident_use_reply",
        "Gebruik dit antwoord",
        "Use this reply",
    ),
    (
        "incident_no_outbox",
        "De waarschuwing staat als banner op de feedbackpagina; berichten op onze eigen accounts plaats je (nog) zelf.",
        "The warning is a banner on the feedback page; posts on our own accounts you still make yourself.",
    ),
    (
        "incident_event_opened",
        "Melding geopend met {n} bericht|Melding geopend met {n} berichten",
        "Alert opened with {n} message|Alert opened with {n} messages",
    ),
    (
        "incident_event_made",
        "Incident gemaakt door {who}",
        "Incident made by {who}",
    ),
    (
        "incident_event_published",
        "Waarschuwing gepubliceerd door {who}",
        "Warning published by {who}",
    ),
    (
        "incident_event_withdrawn",
        "Waarschuwing ingetrokken door {who}",
        "Warning withdrawn by {who}",
    ),
    (
        "incident_event_joined",
        "{n} bericht kwam erbij|{n} berichten kwamen erbij",
        "{n} message joined|{n} messages joined",
    ),
    (
        "incident_event_closed",
        "Gesloten door {who}: {detail}",
        "Closed by {who}: {detail}",
    ),
    (
        "incident_title_missing",
        "Geef het incident een titel.",
        "Give the incident a title.",
    ),
    (
        "incident_title_too_long",
        "De titel is te lang (hoogstens 200 tekens).",
        "The title is too long (200 characters at most).",
    ),
    (
        "incident_warning_missing",
        "Schrijf een waarschuwing voor klanten.",
        "Write a warning for customers.",
    ),
    (
        "incident_reply_missing",
        "Schrijf een voorgesteld antwoord.",
        "Write a suggested reply.",
    ),
    (
        "incident_outcome_missing",
        "Schrijf de uitkomst op voordat je sluit.",
        "Write down the outcome before closing.",
    ),
    (
        "incident_text_too_long",
        "De tekst is te lang (hoogstens 2000 tekens).",
        "The text is too long (2000 characters at most).",
    ),
    (
        "incident_no_pii",
        "De waarschuwing bevat persoonlijke gegevens en wordt niet openbaar geplaatst.",
        "The warning contains personal data and is not posted publicly.",
    ),
    (
        "incident_default_title_phishing",
        "Phishing-berichten uit naam van {brand}",
        "Phishing messages in the name of {brand}",
    ),
    (
        "incident_default_warning_phishing",
        "Let op: er gaan valse berichten rond uit naam van {brand}. Wij vragen je nooit om via een link je gegevens, pincode of inlogcodes in te vullen. Klik niet op de link en verwijder het bericht. Heb je toch iets ingevuld? Bel ons dan meteen via het nummer op onze website.",
        "Beware: fake messages are going round in the name of {brand}. We never ask you to enter your details, PIN or login codes through a link. Do not click the link and delete the message. Did you fill something in? Call us at once on the number on our website.",
    ),
    (
        "incident_default_reply_phishing",
        "Dank je wel voor je melding! Dit bericht komt niet van ons: het is phishing. Klik niet op de link en verwijder het. Heb je al gegevens ingevuld, bel ons dan meteen via het nummer op onze website, dan blokkeren we je pas.",
        "Thank you for letting us know! This message is not from us: it is phishing. Do not click the link and delete it. If you already entered your details, call us at once on the number on our website and we will block your card.",
    ),
    (
        "incident_default_title_outage",
        "Storing: veel klanten melden hetzelfde probleem",
        "Outage: many customers report the same problem",
    ),
    (
        "incident_default_warning_outage",
        "We weten van een storing en werken aan een oplossing. Je hoeft het niet bij ons te melden; hier lees je wanneer het weer werkt. Excuses voor het ongemak.",
        "We know about an outage and are working on a fix. You need not report it to us; you will read here when it works again. Sorry for the inconvenience.",
    ),
    (
        "incident_default_reply_outage",
        "Vervelend dat het niet werkt! We weten van de storing en werken aan een oplossing. Zodra het weer werkt, laten we het weten op onze website.",
        "Sorry it does not work! We know about the outage and are working on a fix. As soon as it works again, we will say so on our website.",
    ),
    (
        "incident_default_title_burst",
        "Veel berichten over hetzelfde",
        "Many messages about the same thing",
    ),
    (
        "incident_default_warning_burst",
        "We zien veel berichten over hetzelfde onderwerp en zoeken het uit. Je leest het hier zodra we meer weten.",
        "We see many messages about the same subject and are looking into it. You will read here as soon as we know more.",
    ),
    (
        "incident_default_reply_burst",
        "Dank je wel voor je bericht! We weten ervan en zoeken het uit. Zodra we meer weten, hoor je het van ons.",
        "Thank you for your message! We know about it and are looking into it. As soon as we know more, we will tell you.",
    ),
];
