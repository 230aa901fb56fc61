//! Customer accounts: register, verify, log in (password or OIDC), profile, delete.

/// (key, Dutch, English)
pub(super) const ACCOUNTS: &[(&str, &str, &str)] = &[
    (
        "account_unverified",
        "Bevestig eerst je e-mailadres; we hebben je een link gestuurd.",
        "Please confirm your e-mail address first; we sent you a link.",
    ),
    ("account_login", "Inloggen", "Log in"),
    ("account_register", "Account maken", "Create an account"),
    ("account_title", "Je account", "Your account"),
    (
        "account_display_name",
        "Naam op de ideeënpagina",
        "Name on the ideas page",
    ),
    (
        "account_display_name_hint",
        "2 tot 60 tekens; iedereen ziet deze naam bij je ideeën en reacties.",
        "2 to 60 characters; everyone sees this name with your ideas and reactions.",
    ),
    ("account_email", "E-mailadres", "E-mail address"),
    ("account_password", "Wachtwoord", "Password"),
    (
        "account_password_hint",
        "Minstens 10 tekens.",
        "At least 10 characters.",
    ),
    (
        "account_website",
        "Laat dit veld leeg",
        "Leave this field empty",
    ),
    ("account_register_button", "Account maken", "Create account"),
    ("account_login_button", "Inloggen", "Log in"),
    ("account_login_with", "Inloggen met", "Log in with"),
    ("account_or", "of", "or"),
    ("account_no_account", "Nog geen account?", "No account yet?"),
    (
        "account_have_account",
        "Heb je al een account?",
        "Already have an account?",
    ),
    (
        "account_login_failed",
        "Dit e-mailadres en wachtwoord horen niet bij elkaar.",
        "This e-mail address and password do not match.",
    ),
    (
        "account_err_display_name",
        "Kies een naam van 2 tot 60 tekens, op één regel.",
        "Choose a name of 2 to 60 characters, on one line.",
    ),
    (
        "account_err_email",
        "Dit is geen geldig e-mailadres.",
        "This is not a valid e-mail address.",
    ),
    (
        "account_err_password",
        "Kies een wachtwoord van 10 tot 200 tekens.",
        "Choose a password of 10 to 200 characters.",
    ),
    (
        "account_err_language",
        "Kies Nederlands of Engels.",
        "Choose Dutch or English.",
    ),
    (
        "account_err_confirm",
        "Typ het woord precies zoals gevraagd.",
        "Type the word exactly as asked.",
    ),
    (
        "account_check_mail_title",
        "Kijk in je mail",
        "Check your mail",
    ),
    (
        "account_check_mail",
        "Als dit e-mailadres nieuw is, krijg je zo een mail met een link om het te bevestigen. De link werkt twee dagen.",
        "If this e-mail address is new, you will get a mail with a link to confirm it shortly. The link works for two days.",
    ),
    (
        "account_mail_verify_subject",
        "Bevestig je e-mailadres",
        "Confirm your e-mail address",
    ),
    (
        "account_mail_verify_body",
        "Hallo {name},\n\nBevestig je e-mailadres voor de ideeënpagina van {brand} met deze link:\n\n{link}\n\nDe link werkt twee dagen. Heb je geen account gemaakt? Dan kun je deze mail negeren.\n",
        "Hello {name},\n\nConfirm your e-mail address for the ideas page of {brand} with this link:\n\n{link}\n\nThe link works for two days. Did you not create an account? Then you can ignore this mail.\n",
    ),
    (
        "account_mail_exists_subject",
        "Je hebt al een account",
        "You already have an account",
    ),
    (
        "account_mail_exists_body",
        "Hallo,\n\nIemand probeerde met dit e-mailadres een account te maken op de ideeënpagina van {brand}, maar er is al een account met dit adres. Log in via:\n\n{link}\n\nWas jij dit niet? Dan kun je deze mail negeren.\n",
        "Hello,\n\nSomeone tried to create an account with this e-mail address on the ideas page of {brand}, but there already is an account with this address. Log in at:\n\n{link}\n\nWas this not you? Then you can ignore this mail.\n",
    ),
    (
        "account_verify_failed_title",
        "Deze link werkt niet",
        "This link does not work",
    ),
    (
        "account_verify_failed",
        "De bevestigingslink is onbekend, al gebruikt of verlopen.",
        "The confirmation link is unknown, already used or expired.",
    ),
    (
        "account_verify_login_hint",
        "Log in om een nieuwe link te vragen.",
        "Log in to ask for a new link.",
    ),
    (
        "account_resend_button",
        "Stuur een nieuwe link",
        "Send a new link",
    ),
    (
        "account_resent_title",
        "Nieuwe link verstuurd",
        "New link sent",
    ),
    (
        "account_resent",
        "We hebben een nieuwe bevestigingslink naar je e-mailadres gestuurd.",
        "We sent a new confirmation link to your e-mail address.",
    ),
    ("account_verified", "bevestigd", "confirmed"),
    (
        "account_not_verified",
        "nog niet bevestigd",
        "not confirmed yet",
    ),
    ("account_no_email", "geen e-mailadres", "no e-mail address"),
    ("account_language", "Taal", "Language"),
    ("account_lang_nl", "Nederlands", "Dutch"),
    ("account_lang_en", "Engels", "English"),
    (
        "account_notifications",
        "Meldingen per mail",
        "Notifications by mail",
    ),
    (
        "account_notify_status",
        "Mail me als de status van een idee dat ik volg verandert",
        "Mail me when the status of an idea I follow changes",
    ),
    (
        "account_notify_reactions",
        "Mail me bij nieuwe reacties op ideeën die ik volg",
        "Mail me about new reactions to ideas I follow",
    ),
    ("account_save", "Opslaan", "Save"),
    (
        "account_saved",
        "Je gegevens zijn opgeslagen.",
        "Your details were saved.",
    ),
    (
        "account_delete_title",
        "Account verwijderen",
        "Delete account",
    ),
    (
        "account_delete_explain",
        "Je ideeën en reacties blijven staan, maar zonder je naam. Je e-mailadres, wachtwoord en inloggegevens worden gewist. Dit kan niet ongedaan worden gemaakt.",
        "Your ideas and reactions stay, but without your name. Your e-mail address, password and login details are erased. This cannot be undone.",
    ),
    (
        "account_delete_confirm",
        "Typ ter bevestiging het woord",
        "To confirm, type the word",
    ),
    ("account_delete_word", "verwijderen", "delete"),
    (
        "account_delete_button",
        "Account definitief verwijderen",
        "Delete account for good",
    ),
    (
        "account_deleted_title",
        "Account verwijderd",
        "Account deleted",
    ),
    (
        "account_deleted",
        "Je account is verwijderd. Wat je schreef blijft staan, zonder je naam.",
        "Your account was deleted. What you wrote stays, without your name.",
    ),
    ("account_to_ideas", "Naar de ideeën", "To the ideas"),
    (
        "account_oidc_failed_title",
        "Inloggen is niet gelukt",
        "Logging in failed",
    ),
    (
        "account_oidc_failed",
        "Inloggen via de externe dienst is niet gelukt. Probeer het opnieuw.",
        "Logging in through the external service failed. Please try again.",
    ),
    ("account_default_name", "Klant", "Customer"),
];
