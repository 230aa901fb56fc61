//! The staff member's own account page (second factor) and the audit log page.

/// (key, Dutch, English)
pub(super) const STAFF: &[(&str, &str, &str)] = &[
    ("nav_me", "Mijn account", "My account"),
    ("me_title", "Mijn account", "My account"),
    ("me_role", "Rol", "Role"),
    ("totp_title", "Tweede factor (TOTP)", "Second factor (TOTP)"),
    (
        "totp_intro",
        "Met een tweede factor vraagt het inloggen met wachtwoord ook om een code van zes cijfers uit een authenticator-app.",
        "With a second factor, logging in with a password also asks for a six-digit code from an authenticator app.",
    ),
    (
        "totp_is_on",
        "De tweede factor staat aan.",
        "The second factor is on.",
    ),
    (
        "totp_is_off",
        "De tweede factor staat uit.",
        "The second factor is off.",
    ),
    (
        "totp_begin",
        "Tweede factor instellen",
        "Set up a second factor",
    ),
    (
        "totp_scan",
        "Voeg deze sleutel toe aan je authenticator-app (als URI of als tekst) en vul daarna de code in die de app toont.",
        "Add this key to your authenticator app (as a URI or as text), then enter the code the app shows.",
    ),
    ("totp_secret", "Sleutel (base32)", "Key (base32)"),
    ("totp_uri", "URI", "URI"),
    ("totp_code", "Code", "Code"),
    ("totp_confirm", "Bevestigen", "Confirm"),
    (
        "totp_now_on",
        "De tweede factor staat nu aan.",
        "The second factor is now on.",
    ),
    (
        "totp_wrong_code",
        "Deze code klopt niet of is al gebruikt.",
        "This code is wrong or has been used already.",
    ),
    (
        "totp_reset_hint",
        "Telefoon kwijt? Een beheerder kan de tweede factor uitzetten.",
        "Lost your phone? An administrator can switch the second factor off.",
    ),
    ("login_code_title", "Code invoeren", "Enter code"),
    (
        "login_code_intro",
        "Vul de code van zes cijfers uit je authenticator-app in.",
        "Enter the six-digit code from your authenticator app.",
    ),
    ("nav_audit", "Auditlog", "Audit log"),
    ("audit_title", "Auditlog", "Audit log"),
    (
        "audit_intro",
        "Elke wijziging in Wederhoor laat hier een regel na. De regels vormen een hashketen: een gewijzigde of verwijderde regel breekt de keten.",
        "Every change in Wederhoor leaves an entry here. The entries form a hash chain: a changed or removed entry breaks the chain.",
    ),
    (
        "audit_chain_intact",
        "De hashketen is intact.",
        "The hash chain is intact.",
    ),
    (
        "audit_chain_checked",
        "Gecontroleerde regels",
        "Entries checked",
    ),
    (
        "audit_chain_unchained",
        "regels van vóór de keten",
        "entries from before the chain",
    ),
    (
        "audit_chain_broken",
        "De hashketen is gebroken vanaf regel",
        "The hash chain is broken from entry",
    ),
    ("audit_actor", "Wie", "Who"),
    ("audit_system", "systeem", "system"),
    ("audit_action", "Actie", "Action"),
    ("audit_from", "Vanaf", "From"),
    ("audit_until", "Tot en met", "Up to and including"),
    ("audit_when", "Wanneer", "When"),
    ("audit_object", "Object", "Object"),
    ("audit_detail", "Details", "Details"),
    ("audit_entries", "regels", "entries"),
    ("audit_export", "Exporteren als CSV", "Export as CSV"),
    (
        "audit_none",
        "Geen regels die aan deze filters voldoen.",
        "No entries match these filters.",
    ),
    (
        "audit_bad_date",
        "{date} is geen datum als 2026-12-07.",
        "{date} is not a date like 2026-12-07.",
    ),
    ("login_sso", "Inloggen met", "Log in with"),
    (
        "login_sso_failed",
        "Inloggen via de identiteitsprovider is niet gelukt, of deze identiteit hoort bij geen medewerker.",
        "Logging in through the identity provider failed, or this identity belongs to no staff member.",
    ),
];
