# Wederhoor: the public pages (feedback page, idea pages, source list, customer accounts, their mails, error pages) in Nederlands (de standaardtaal).
# Format: Fluent (https://projectfluent.org), the subset described in crates/wederhoor-web/src/i18n/fluent.rs:
# `key = text`, `{ $name }` for a value the program fills in, `{ $n -> [one] … *[other] … }` for counts.

## The team's pages: login, inbox, cases, admin, rules, sources, capture, privacy

app_name = Wederhoor
password = Wachtwoord
logout = Uitloggen
all = Alles
apply = Toepassen
language = Taal
state = Status
previous = Vorige
next = Volgende
page = Pagina
evidence = Gevonden
display_name = Weergavenaam
name = Naam
error_title = Er ging iets mis
error_ref = Referentie
forbidden = Je rol geeft geen toegang tot deze pagina.
csrf_failed = Het formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens.
kind_rss = RSS-feed
kind_mastodon = Mastodon
kind_bluesky = Bluesky
kind_email = E-mail
kind_webhook = Koppeling (webhook)
kind_whatsapp = WhatsApp
kind_facebook = Facebook
kind_instagram = Instagram
kind_forum = Forum
kind_consumer_site = Consumentensite
kind_manual = Handmatig
kind_import = Import
url = URL
save = Opslaan
public_title = Bronnen die we volgen
public_intro = Ons webcareteam luistert naar wat er over ons gezegd wordt: op sociale netwerken, blogs, fora en consumentensites. Hieronder staan de bronnen die we volgen en waar we primair actief zijn. We publiceren deze lijst zodat je weet waar we meelezen.
since = sinds
public_own = ons eigen account
public_empty = We volgen op dit moment geen bronnen.
public_note = Deze lijst dekt niet het hele internet; ook elders gesignaleerde berichten kunnen we oppakken.

## The feedback page (ideas, reactions, statuses, the staff desk) and its mails

too_many_requests = Even rustig aan: je hebt dit te vaak gedaan. Probeer het later nog eens.
skip_to_content = Naar de inhoud
message_edited = bewerkt door de auteur
message_deleted = verwijderd door de auteur: niet meer openbaar, niet meer op reageren
feedback_title = Ideeën
feedback_heading = Jouw ideeën, onze antwoorden
feedback_intro = Hier komen alle ideeën en reacties samen: van deze pagina, van sociale media en van consumentensites. Iedereen kan meelezen; met een account kun je zelf ideeën plaatsen, stemmen en reageren. Bij elk idee zie je wat ermee gebeurt en waarom.
feedback_nav = Ideeën
feedback_all_ideas = Alle ideeën
feedback_all_boards = Alle panels
feedback_boards = Panels
feedback_board = Panel
feedback_new_idea = Nieuw idee
feedback_staff_desk = Ideeën beheren
feedback_staff_as = Je bent ingelogd als medewerker
feedback_feed = Atom-feed met nieuwe ideeën en statussen
feedback_feed_new = Nieuw idee
colour_grey = Nieuw
colour_green = Gaat door
colour_orange = In behandeling
colour_red = Gaat niet door
colour_done = Gerealiseerd
department_product = Product
department_marketing = Marketing
department_customer_service = Klantenservice
feedback_search = Zoeken
feedback_search_hint = bijv. betalen met horloge
feedback_status = Status
feedback_sort = Sorteren
feedback_sort_trending = Populair nu
feedback_sort_newest = Nieuwste
feedback_sort_votes = Meeste stemmen
feedback_sort_updated = Laatst bijgewerkt
feedback_pinned = Uitgelicht
feedback_empty = Nog geen ideeën hier.
feedback_no_results = Geen ideeën gevonden.
feedback_page = Pagina
feedback_pages = Pagina's
feedback_vote = Stem op dit idee
feedback_unvote = Stem intrekken
feedback_votes = stemmen
feedback_reactions_n = reacties
feedback_via_social = via sociale media
feedback_via = via
feedback_deleted_account = verwijderd account
feedback_hidden_because = Verborgen wegens:
feedback_pending_note = Dit bericht wacht op beoordeling door een medewerker.
feedback_follow = Volgen
feedback_hidden_title = Verborgen idee
feedback_unfollow = Niet meer volgen
feedback_share = Delen
feedback_link = Link
feedback_share_mail = E-mail
feedback_history = Wat er met dit idee gebeurt
feedback_no_history = Nog geen besluit: een medewerker kijkt ernaar.
feedback_staff_tools = Voor medewerkers
feedback_new_status = Nieuwe status
feedback_explanation = Uitleg (openbaar, verplicht)
feedback_set_status = Status opslaan
feedback_status_hint = Volgers krijgen een e-mail; gekoppelde berichten van sociale media krijgen een antwoord via de outbox.
feedback_answer_as = Antwoorden als
feedback_answer = Antwoord plaatsen
feedback_pin = Uitlichten
feedback_unpin = Niet meer uitlichten
feedback_merge_into = Dubbel idee; samenvoegen met nummer
feedback_merge = Samenvoegen
feedback_hide_reason = Reden (openbaar)
feedback_hide = Verbergen
feedback_show = Weer tonen
feedback_reactions = Reacties
feedback_staff = Medewerker
feedback_report = Melden
feedback_report_idea = Dit idee melden
feedback_report_reason = Waarom?
feedback_report_send = Melding versturen
feedback_reply = Reageren
feedback_send = Plaatsen
feedback_no_reactions = Nog geen reacties.
feedback_your_reaction = Jouw reactie
feedback_login_to_take_part = Log in om te stemmen, te reageren of dit idee te volgen.
feedback_login_to_post = Om een idee te plaatsen heb je een account nodig.
feedback_new_intro = Beschrijf je idee zo concreet mogelijk. Het verschijnt meteen; medewerkers reageren onder eigen naam.
feedback_similar = Lijkt je idee op een van deze? Stem dan daar.
feedback_check_similar = Zoek vergelijkbare ideeën
feedback_markdown_hint = **vet**, *schuin*, lijstjes en links mogen
feedback_public_note = Zet geen persoonlijke gegevens (rekeningnummer, telefoon, adres) in je idee: deze pagina is openbaar.
feedback_post = Idee plaatsen
feedback_pick_board = Kies een panel.
field_title = Titel
field_body = Toelichting
field_reaction = Reactie
field_explanation = Uitleg
field_reason = Reden
field_display_name = Naam
field_email = E-mailadres
field_key = Sleutel
input_too_short = te kort (minstens { $n } tekens)
input_too_long = te lang (hoogstens { $n } tekens)
input_invalid = ongeldig
feedback_held_abuse = Je bericht is opgeslagen, maar wacht op beoordeling: het bevat woorden die we eerst laten bekijken.
feedback_held_pii = Je bericht is opgeslagen, maar nog niet openbaar: het lijkt persoonlijke gegevens te bevatten. Een medewerker kijkt ernaar.
feedback_vote_closed = Dit idee is verborgen: stemmen en reageren kan niet meer.
feedback_reported = Dank je, we kijken ernaar.
feedback_status_saved = Status opgeslagen; volgers krijgen bericht.
feedback_explanation_needed = Een statuswijziging heeft een uitleg van minstens tien tekens nodig.
feedback_no_pii = Deze tekst bevat persoonlijke gegevens en wordt niet openbaar geplaatst.
feedback_answer_empty = Een antwoord mag niet leeg zijn.
feedback_merge_target = Dat idee bestaat niet of kan niet samengevoegd worden.
feedback_merged = Samengevoegd: stemmen en volgers staan nu hier.
feedback_attach_unknown = Dat idee bestaat niet.
feedback_mail_subject = Nieuwe status voor “{ $title }”: { $status }
feedback_mail_body =
    Het idee “{ $title }” heeft een nieuwe status: { $status }.

    { $explanation }
    — { $who }

    Bekijk het idee: { $url }

    Je krijgt deze e-mail omdat je dit idee volgt. Instellingen: { $settings }

feedback_social_update = Update over het idee “{ $title }”: { $status }. Lees waarom: { $url }
feedback_reaction_mail_subject = Nieuwe reactie op “{ $title }”
feedback_reaction_mail_body =
    { $who } reageerde op het idee “{ $title }”:

    { $text }

    Bekijk het idee: { $url }

    Je krijgt deze e-mail omdat je dit idee volgt en reacties per mail wilt ontvangen. Instellingen: { $settings }

feedback_figures = Cijfers
feedback_decision_subject = Je bericht bij “{ $title }” is beoordeeld
feedback_decision_shown =
    Een medewerker heeft je bericht bij “{ $title }” bekeken: het staat nu voor iedereen op de ideeënpagina.

    { $url }

feedback_decision_hidden =
    Een medewerker heeft je bericht bij “{ $title }” bekeken: het blijft verborgen, wegens: { $reason }

    { $url }

feedback_missing_title = Idee niet gevonden
feedback_missing = Dit idee bestaat niet (meer). Misschien is de link verkeerd overgenomen.
feedback_mail_outbox = Verstuurde en wachtende e-mail
feedback_mail_to = Aan
feedback_mail_subject_h = Onderwerp
feedback_mail_attempts = Pogingen
feedback_mail_error = Laatste fout
feedback_mail_none = Nog geen e-mail.
mail_state_queued = wacht
mail_state_sent = verstuurd
mail_state_failed = mislukt
feedback_ideas_n = ideeën
feedback_first_answer = Tijd tot het eerste antwoord van een medewerker
feedback_median = mediaan
feedback_hours = uur
feedback_no_answers_yet = nog geen antwoorden
feedback_waiting = Wachten op een status
feedback_none_waiting = Alle ideeën hebben een status.
feedback_reports = Meldingen
feedback_reaction = reactie
feedback_dismiss = In orde, sluiten
feedback_no_reports = Geen open meldingen.
feedback_pending = Wacht op beoordeling (triage)
feedback_approve = Goedkeuren en tonen
feedback_no_pending = Niets wacht op beoordeling.
feedback_my_department = Mijn afdeling (badge bij antwoorden)
feedback_add_board = Panel toevoegen
feedback_board_slug = Adres (bijv. zakelijk)
feedback_board_name_nl = Naam (Nederlands)
feedback_board_name_en = Naam (Engels)
feedback_board_description_nl = Omschrijving (Nederlands)
feedback_board_description_en = Omschrijving (Engels)
feedback_status_key = Sleutel
feedback_label_nl = Label (Nederlands)
feedback_label_en = Label (Engels)
feedback_colour = Kleur
feedback_save_status = Status toevoegen of wijzigen
feedback_attach = Koppel aan idee (nummer of link)
feedback_attach_button = Koppelen
feedback_via_source = Via { $kind }
feedback_idea_from_inbox = Of maak er een nieuw idee van
feedback_idea_from_inbox_hint = In je eigen woorden, zonder persoonlijke gegevens: het idee staat openbaar op de ideeënpagina, als ‘Via’ de bron, en het bericht wordt eraan gekoppeld.
feedback_idea_from_inbox_invalid = Een idee heeft een titel van 8 tot 140 tekens nodig.
feedback_create_idea = Idee plaatsen
privacy_accounts_title = Accounts van de ideeënpagina
privacy_accounts_intro = Exporteer alles wat de ideeënpagina over een klant bewaart, of verwijder het account: wat de klant schreef blijft staan zonder naam, stemmen blijven anoniem meetellen.
privacy_account_export = Exporteren (JSON)
privacy_account_confirm = Typ het adres nog eens
privacy_account_erase = Account verwijderen
privacy_account_erased = Het account is verwijderd.
account_download_data = Download al mijn gegevens (JSON)
feedback_attached = Gekoppeld aan ideeën

# The shipped panels and statuses (a team's own panels and statuses keep the names it gave them;
# in French these stand in for the shipped ones, other names read in English)
board_name_particulier = Particulier
board_description_particulier = Ideeën voor je betaalrekening, sparen, de app en het kantoor.
board_name_zakelijk = Zakelijk
board_description_zakelijk = Ideeën van ondernemers: zakelijk betalen, boekhouden, krediet.
status_new = Nieuw
status_under_review = Wordt bekeken
status_planned = Gaat door
status_declined = Gaat niet door
status_done = Gerealiseerd

## Customer accounts: register, log in, profile, their mails

account_unverified = Bevestig eerst je e-mailadres; we hebben je een link gestuurd.
account_login = Inloggen
account_register = Account maken
account_title = Je account
account_display_name = Naam op de ideeënpagina
account_display_name_hint = 2 tot 60 tekens; iedereen ziet deze naam bij je ideeën en reacties.
account_email = E-mailadres
account_password = Wachtwoord
account_password_hint = Minstens 10 tekens.
account_website = Laat dit veld leeg
account_register_button = Account maken
account_login_button = Inloggen
account_login_with = Inloggen met
account_or = of
account_no_account = Nog geen account?
account_have_account = Heb je al een account?
account_login_failed = Dit e-mailadres en wachtwoord horen niet bij elkaar.
account_err_display_name = Kies een naam van 2 tot 60 tekens, op één regel.
account_err_email = Dit is geen geldig e-mailadres.
account_err_password = Kies een wachtwoord van 10 tot 200 tekens.
account_err_language = Kies Nederlands, Engels of Frans.
account_err_confirm = Typ het woord precies zoals gevraagd.
account_check_mail_title = Kijk in je mail
account_check_mail = Als dit e-mailadres nieuw is, krijg je zo een mail met een link om het te bevestigen. De link werkt twee dagen.
account_mail_verify_subject = Bevestig je e-mailadres
account_mail_verify_body =
    Hallo { $name },

    Bevestig je e-mailadres voor de ideeënpagina van { $brand } met deze link:

    { $link }

    De link werkt twee dagen. Heb je geen account gemaakt? Dan kun je deze mail negeren.

account_mail_exists_subject = Je hebt al een account
account_mail_exists_body =
    Hallo,

    Iemand probeerde met dit e-mailadres een account te maken op de ideeënpagina van { $brand }, maar er is al een account met dit adres. Log in via:

    { $link }

    Was jij dit niet? Dan kun je deze mail negeren.

account_verify_failed_title = Deze link werkt niet
account_verify_failed = De bevestigingslink is onbekend, al gebruikt of verlopen.
account_verify_login_hint = Log in om een nieuwe link te vragen.
account_resend_button = Stuur een nieuwe link
account_resent_title = Nieuwe link verstuurd
account_resent = We hebben een nieuwe bevestigingslink naar je e-mailadres gestuurd.
account_verified = bevestigd
account_not_verified = nog niet bevestigd
account_no_email = geen e-mailadres
account_language = Taal
account_lang_nl = Nederlands
account_lang_en = Engels
account_lang_fr = Frans
account_notifications = Meldingen per mail
account_notify_status = Mail me als de status van een idee dat ik volg verandert
account_notify_reactions = Mail me bij nieuwe reacties op ideeën die ik volg
account_save = Opslaan
account_saved = Je gegevens zijn opgeslagen.
account_delete_title = Account verwijderen
account_delete_explain = Je ideeën en reacties blijven staan, maar zonder je naam. Je e-mailadres, wachtwoord en inloggegevens worden gewist. Dit kan niet ongedaan worden gemaakt.
account_delete_confirm = Typ ter bevestiging het woord
account_delete_word = verwijderen
account_delete_button = Account definitief verwijderen
account_deleted_title = Account verwijderd
account_deleted = Je account is verwijderd. Wat je schreef blijft staan, zonder je naam.
account_to_ideas = Naar de ideeën
account_oidc_failed_title = Inloggen is niet gelukt
account_oidc_failed = Inloggen via de externe dienst is niet gelukt. Probeer het opnieuw.
account_default_name = Klant

## Counts (plural forms), error pages, kinds

# counts (one|other)
n_messages =
    { $n ->
        [one] { $n } bericht
       *[other] { $n } berichten
    }
n_attempts =
    { $n ->
        [one] { $n } poging
       *[other] { $n } pogingen
    }
n_reactions =
    { $n ->
        [one] { $n } reactie
       *[other] { $n } reacties
    }
n_followers =
    { $n ->
        [one] { $n } volger
       *[other] { $n } volgers
    }
n_votes_word =
    { $n ->
        [one] stem
       *[other] stemmen
    }
n_days =
    { $n ->
        [one] { $n } dag
       *[other] { $n } dagen
    }
n_ideas =
    { $n ->
        [one] { $n } idee
       *[other] { $n } ideeën
    }
n_bytes =
    { $n ->
        [one] { $n } byte
       *[other] { $n } bytes
    }
n_verdicts_change =
    { $n ->
        [one] { $n } oordeel verandert
       *[other] { $n } oordelen veranderen
    }

# error pages
error_400 = Dit verzoek klopt niet
error_400_text = Het verzoek kon niet worden verwerkt: een veld of adres klopt niet.
error_401 = Niet ingelogd
error_401_text = Log in om deze pagina te zien.
error_403 = Geen toegang
error_404 = Pagina niet gevonden
error_404_text = Deze pagina bestaat niet (meer). Controleer het adres, of ga terug naar het begin.
error_404_conversation = Dit gesprek bestaat niet (meer). Het kan gewist zijn op verzoek van de klant.
error_404_idea = Dit idee bestaat niet (meer).
error_405 = Dat kan hier niet
error_405_text = Deze pagina kan niet op deze manier worden opgevraagd.
error_409 = Conflict
error_409_text = Dit botst met iets wat al is opgeslagen.
error_413 = Te groot
error_413_text = Wat je stuurde is groter dan Wederhoor aanneemt.
error_415 = Onbekend formaat
error_415_text = Dit formaat wordt hier niet aangenomen.
error_422 = Niet verwerkt
error_422_text = De invoer klopt niet; er is niets opgeslagen.
error_429 = Even rustig aan
error_500 = Er ging iets mis
error_500_text = Er ging aan onze kant iets mis. Probeer het zo nog eens; blijft het misgaan, geef dan de referentie door.
error_503 = Even niet beschikbaar
error_503_text = Wederhoor is even niet beschikbaar. Probeer het zo nog eens.
error_other = Dat lukte niet
error_code = Foutcode
error_details = Details
error_to_inbox = Naar de inbox
error_to_ideas = Naar de ideeën

# delivery problems and kinds
kind_twitter = Twitter
kind_x = X
kind_reddit = Reddit
kind_linkedin = LinkedIn
kind_tiktok = TikTok
kind_youtube = YouTube
kind_threads = Threads
kind_trustpilot = Trustpilot

## Incidents: the public warning banner
incident_public_label = Waarschuwing

## Take it private: what the customer reads (the public reply, the direct message, the call-back form)
private_public_reply_dm = Hoi { $name }, wat vervelend. We helpen je graag persoonlijk verder en sturen je een privébericht.
private_public_reply_link = Hoi { $name }, wat vervelend. We bellen je graag even: laat via deze link je nummer en een goed moment achter: { $link }
private_direct_message = Hoi { $name }, hier kunnen we privé verder. Wil je je telefoonnummer en een goed moment om te bellen sturen? Deel hier geen pincode of wachtwoord.
callback_title = Terugbelverzoek
callback_intro = Laat je telefoonnummer en een goed moment achter, dan bellen we je terug over je bericht.
callback_phone = Telefoonnummer
callback_phone_hint = Bijvoorbeeld 06 12345678 of +32 470 12 34 56.
callback_time = Goed moment om te bellen
callback_time_hint = Bijvoorbeeld: morgen tussen 9 en 12 uur.
callback_privacy = We gebruiken je nummer alleen om je hierover terug te bellen.
callback_send = Bel mij terug
callback_done = Dank je! We bellen je op het moment dat je noemde.
callback_problem_hint = Stuur ons gerust opnieuw een bericht, dan helpen we je verder.
callback_link_used = Deze link is al gebruikt: we hebben je terugbelverzoek.
callback_link_expired = Deze link is verlopen.
callback_link_closed = Deze link werkt niet meer: de zaak is afgesloten.
callback_link_unknown = Deze link kennen we niet.
callback_err_phone = Vul een geldig telefoonnummer in (8 tot 15 cijfers, bijvoorbeeld 06 12345678).
callback_err_time = Vul een goed moment om te bellen in (hoogstens 200 tekens).
## The satisfaction survey (/enquete/…) and its invitation
survey_invitation = Bedankt voor je contact met ons. Wil je ons laten weten hoe we je geholpen hebben? Het kost een halve minuut: { $link }
survey_title = Hoe hebben we je geholpen?
survey_question = Hoe waarschijnlijk is het dat je ons aanraadt aan vrienden of familie? (0 = zeer onwaarschijnlijk, 10 = zeer waarschijnlijk)
survey_scale_low = 0: zeer onwaarschijnlijk
survey_scale_high = 10: zeer waarschijnlijk
survey_scale_help = Kies één cijfer van 0 tot en met 10.
survey_comment = Toelichting (niet verplicht)
survey_comment_help = Zet hier geen persoonlijke gegevens zoals je rekeningnummer of telefoonnummer in.
survey_send = Versturen
survey_thanks = Dank je wel! Je antwoord is ontvangen.
survey_already_answered = Deze enquête is al ingevuld. Dank je wel!
survey_expired = Deze enquête is verlopen en kan niet meer worden ingevuld.
survey_unknown = Deze link hoort niet bij een enquête. Controleer of je de hele link hebt gekopieerd.
survey_bad_score = Kies een cijfer van 0 tot en met 10.
survey_comment_too_long = De toelichting is te lang (hoogstens 2000 tekens).
## E-cards: the heading on the card and its description, in the customer's language
card_heading_thanks = Bedankt!
card_heading_sorry = Het spijt ons
card_heading_congratulations = Gefeliciteerd!
card_description_thanks = Een bedankkaart van ons webcareteam met een persoonlijke boodschap
card_description_sorry = Een excuuskaart van ons webcareteam met een persoonlijke boodschap
card_description_congratulations = Een felicitatiekaart van ons webcareteam met een persoonlijke boodschap

## panels
panel_name_consumer = Consumentenpanel
panel_name_business = Zakelijk panel
panel_account_title = Mijn panels
panel_account_link = Panels: denk mee over onze diensten
panel_account_intro = Als panellid krijgt u af en toe een korte vraag over onze diensten. Uw antwoord telt één keer; wat we ervan leren publiceren we met de uitkomst op de ideeënpagina. U kunt altijd weer stoppen.
panel_member = lid
panel_join = Word lid
panel_leave = Stop als lid
panel_open_questions = Open vragen voor u
panel_no_open_questions = Er staan nu geen vragen voor u open.
panel_answered = beantwoord
panel_scale_low = 0 = helemaal niet
panel_scale_high = 10 = helemaal wel
panel_text_help = Zet hier geen persoonlijke gegevens in, zoals uw rekeningnummer of telefoonnummer.
panel_once = U kunt deze vraag één keer beantwoorden.
panel_send = Antwoord versturen
panel_thanks = Dank u wel! Uw antwoord is opgeslagen. Als de uitkomst bekend is, leest u die op de ideeënpagina.
panel_back_to_account = Terug naar mijn panels
panel_results_heading = Uitkomsten van onze panels
panel_results_intro = Wat leden van ons consumenten- en zakelijk panel antwoordden, en wat wij ermee doen.
panel_n_answers =
    { $n ->
        [one] { $n } antwoord
       *[other] { $n } antwoorden
    }
panel_average = gemiddeld
panel_conclusion = Onze conclusie
panel_concerns = Gaat over:
panel_chart_title = Antwoorden
panel_err_unknown_panel = Dit panel bestaat niet.
panel_err_not_allowed = Bevestig eerst uw e-mailadres.
panel_err_title = Geef een titel van hoogstens 120 tekens.
panel_err_question = Geef een vraag van hoogstens 500 tekens.
panel_err_kind = Kies het soort vraag.
panel_err_choices = Een keuzevraag heeft 2 tot 8 keuzes van hoogstens 80 tekens, één per regel.
panel_err_idea = Een van de genoemde ideeën bestaat niet.
panel_err_answer = Kies of schrijf een antwoord.
panel_err_not_member = Deze vraag is voor de leden van een ander panel.
panel_err_already_answered = U heeft deze vraag al beantwoord. Dank u wel!
panel_err_closed = Deze vraag is gesloten; de uitkomst staat hieronder.
panel_err_conclusion = Schrijf een conclusie van hoogstens 2.000 tekens.
panel_err_personal_data = De conclusie wordt openbaar en mag geen persoonlijke gegevens bevatten.
## answers
team_public_title = Ons webcareteam
team_public_intro = Op sociale media, in de app en per e-mail praat je met mensen. Dit zijn de collega's die je berichten lezen en beantwoorden.
team_public_who = Wie je antwoordt
team_public_empty = De teamleden stellen zich binnenkort voor.
team_public_hours = Wanneer we er zijn
team_public_note = We ondertekenen elk antwoord met onze voornaam. Deel nooit je rekeningnummer, pincode of adres in een openbaar bericht: daarvoor sturen we je een privébericht.
