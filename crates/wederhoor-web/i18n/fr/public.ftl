# Wederhoor: the public pages (feedback page, idea pages, source list, customer accounts, their mails, error pages) in French.
# Format: Fluent (https://projectfluent.org), the subset described in crates/wederhoor-web/src/i18n/fluent.rs:
# `key = text`, `{ $name }` for a value the program fills in, `{ $n -> [one] … *[other] … }` for counts.
# Every key of nl/public.ftl must be here (a test checks it); a team page read in French shows English.

## Shared words, the source list

app_name = Wederhoor
password = Mot de passe
logout = Se déconnecter
all = Tout
apply = Appliquer
language = Langue
state = État
previous = Précédent
next = Suivant
page = Page
evidence = Trouvé
display_name = Nom affiché
name = Nom
error_title = Un problème est survenu
error_ref = Référence
forbidden = Votre rôle ne donne pas accès à cette page.
csrf_failed = Le formulaire a expiré. Rechargez la page et réessayez.
kind_rss = Flux RSS
kind_mastodon = Mastodon
kind_bluesky = Bluesky
kind_email = E-mail
kind_webhook = Intégration (webhook)
kind_whatsapp = WhatsApp
kind_facebook = Facebook
kind_instagram = Instagram
kind_forum = Forum
kind_consumer_site = Site de consommateurs
kind_manual = Manuel
kind_import = Importation
url = URL
save = Enregistrer
public_title = Les sources que nous suivons
public_intro = Notre équipe webcare écoute ce qui se dit de nous : sur les réseaux sociaux, les blogs, les forums et les sites de consommateurs. Voici les sources que nous suivons et où nous sommes surtout actifs. Nous publions cette liste pour que vous sachiez où nous écoutons.
since = depuis
public_own = notre propre compte
public_empty = Nous ne suivons aucune source pour le moment.
public_note = Cette liste ne couvre pas tout Internet ; il se peut que nous relevions aussi des messages rencontrés ailleurs.

## The feedback page (ideas, reactions, statuses, the staff desk) and its mails

too_many_requests = Doucement : vous l'avez fait trop souvent. Réessayez plus tard.
skip_to_content = Aller au contenu
message_edited = modifié par son auteur
message_deleted = supprimé par son auteur : n'est plus public, n'y répondez pas
feedback_title = Idées
feedback_heading = Vos idées, nos réponses
feedback_intro = Toutes les idées et réactions se retrouvent ici : de cette page, des réseaux sociaux et des sites de consommateurs. Tout le monde peut les lire ; avec un compte, vous pouvez proposer des idées, voter et réagir. Chaque idée montre ce qu'il en advient et pourquoi.
feedback_nav = Idées
feedback_all_ideas = Toutes les idées
feedback_all_boards = Tous les panneaux
feedback_boards = Panneaux
feedback_board = Panneau
feedback_new_idea = Nouvelle idée
feedback_staff_desk = Gérer les idées
feedback_staff_as = Vous êtes connecté en tant que collaborateur
feedback_feed = Flux Atom des nouvelles idées et des statuts
feedback_feed_new = Nouvelle idée
colour_grey = Nouveau
colour_green = Sera réalisé
colour_orange = À l'étude
colour_red = Ne sera pas réalisé
colour_done = Réalisé
department_product = Produit
department_marketing = Marketing
department_customer_service = Service client
feedback_search = Rechercher
feedback_search_hint = p. ex. payer avec une montre
feedback_status = Statut
feedback_sort = Trier
feedback_sort_trending = Tendance
feedback_sort_newest = Les plus récentes
feedback_sort_votes = Le plus de votes
feedback_sort_updated = Mises à jour récemment
feedback_pinned = Épinglée
feedback_empty = Pas encore d'idées ici.
feedback_no_results = Aucune idée trouvée.
feedback_page = Page
feedback_pages = Pages
feedback_vote = Voter pour cette idée
feedback_unvote = Retirer votre vote
feedback_votes = votes
feedback_reactions_n = réactions
feedback_via_social = via les réseaux sociaux
feedback_via = via
feedback_deleted_account = compte supprimé
feedback_hidden_because = Masqué parce que :
feedback_pending_note = Ce message attend la vérification d'un collaborateur.
feedback_follow = Suivre
feedback_hidden_title = Idée masquée
feedback_unfollow = Ne plus suivre
feedback_share = Partager
feedback_link = Lien
feedback_share_mail = E-mail
feedback_history = Ce qu'il advient de cette idée
feedback_no_history = Pas encore de décision : un collaborateur va l'examiner.
feedback_staff_tools = Pour les collaborateurs
feedback_new_status = Nouveau statut
feedback_explanation = Explication (publique, obligatoire)
feedback_set_status = Enregistrer le statut
feedback_status_hint = Les abonnés reçoivent un e-mail ; les messages liés des réseaux sociaux reçoivent une réponse via la file d'envoi.
feedback_answer_as = Répondre en tant que
feedback_answer = Publier la réponse
feedback_pin = Épingler
feedback_unpin = Désépingler
feedback_merge_into = Doublon ; fusionner avec le numéro
feedback_merge = Fusionner
feedback_hide_reason = Motif (public)
feedback_hide = Masquer
feedback_show = Afficher à nouveau
feedback_reactions = Réactions
feedback_staff = Collaborateur
feedback_report = Signaler
feedback_report_idea = Signaler cette idée
feedback_report_reason = Pourquoi ?
feedback_report_send = Envoyer le signalement
feedback_reply = Répondre
feedback_send = Publier
feedback_no_reactions = Pas encore de réactions.
feedback_your_reaction = Votre réaction
feedback_login_to_take_part = Connectez-vous pour voter, réagir ou suivre cette idée.
feedback_login_to_post = Il vous faut un compte pour proposer une idée.
feedback_new_intro = Décrivez votre idée aussi concrètement que possible. Elle apparaît aussitôt ; les collaborateurs répondent sous leur propre nom.
feedback_similar = Votre idée ressemble à l'une de celles-ci ? Votez plutôt pour elle.
feedback_check_similar = Chercher des idées semblables
feedback_markdown_hint = **gras**, *italique*, listes et liens sont possibles
feedback_public_note = N'indiquez pas de données personnelles (numéro de compte, téléphone, adresse) dans votre idée : cette page est publique.
feedback_post = Publier l'idée
feedback_pick_board = Choisissez un panneau.
field_title = Titre
field_body = Description
field_reaction = Réaction
field_explanation = Explication
field_reason = Motif
field_display_name = Nom
field_email = Adresse e-mail
field_key = Clé
input_too_short = trop court (au moins { $n } caractères)
input_too_long = trop long (au plus { $n } caractères)
input_invalid = pas valable
feedback_held_abuse = Votre message est enregistré mais attend une vérification : il contient des mots que nous vérifions d'abord.
feedback_held_pii = Votre message est enregistré mais pas encore public : il semble contenir des données personnelles. Un collaborateur va l'examiner.
feedback_vote_closed = Cette idée est masquée : les votes et les réactions sont fermés.
feedback_reported = Merci, nous allons regarder.
feedback_status_saved = Statut enregistré ; les abonnés seront prévenus.
feedback_explanation_needed = Un changement de statut demande une explication d'au moins dix caractères.
feedback_no_pii = Ce texte contient des données personnelles et n'est pas publié.
feedback_answer_empty = Une réponse ne peut pas être vide.
feedback_merge_target = Cette idée n'existe pas ou ne peut pas être fusionnée.
feedback_merged = Fusionnée : les votes et les abonnés sont désormais ici.
feedback_attach_unknown = Cette idée n'existe pas.
feedback_mail_subject = Nouveau statut pour « { $title } » : { $status }
feedback_mail_body =
    L'idée « { $title } » a un nouveau statut : { $status }.

    { $explanation }
    — { $who }

    Voir l'idée : { $url }

    Vous recevez cet e-mail parce que vous suivez cette idée. Paramètres : { $settings }

feedback_social_update = Du nouveau pour l'idée « { $title } » : { $status }. Pourquoi : { $url }
feedback_reaction_mail_subject = Nouvelle réaction à « { $title } »
feedback_reaction_mail_body =
    { $who } a réagi à l'idée « { $title } » :

    { $text }

    Voir l'idée : { $url }

    Vous recevez cet e-mail parce que vous suivez cette idée et avez demandé les réactions par e-mail. Paramètres : { $settings }

feedback_figures = Chiffres
feedback_decision_subject = Votre message sur « { $title } » a été examiné
feedback_decision_shown =
    Un collaborateur a examiné votre message sur « { $title } » : tout le monde peut désormais le voir sur la page des idées.

    { $url }

feedback_decision_hidden =
    Un collaborateur a examiné votre message sur « { $title } » : il reste masqué, pour le motif suivant : { $reason }

    { $url }

feedback_missing_title = Idée introuvable
feedback_missing = Cette idée n'existe pas (ou plus). Le lien a peut-être été mal copié.
feedback_mail_outbox = E-mails envoyés et en attente
feedback_mail_to = À
feedback_mail_subject_h = Objet
feedback_mail_attempts = Tentatives
feedback_mail_error = Dernière erreur
feedback_mail_none = Pas encore d'e-mail.
mail_state_queued = en attente
mail_state_sent = envoyé
mail_state_failed = échoué
feedback_ideas_n = idées
feedback_first_answer = Délai avant la première réponse d'un collaborateur
feedback_median = médiane
feedback_hours = heures
feedback_no_answers_yet = pas encore de réponses
feedback_waiting = En attente d'un statut
feedback_none_waiting = Chaque idée a un statut.
feedback_reports = Signalements
feedback_reaction = réaction
feedback_dismiss = C'est bon, fermer
feedback_no_reports = Aucun signalement ouvert.
feedback_pending = En attente de vérification (tri)
feedback_approve = Approuver et afficher
feedback_no_pending = Rien n'attend de vérification.
feedback_my_department = Mon service (badge sur les réponses)
feedback_add_board = Ajouter un panneau
feedback_board_slug = Adresse (p. ex. entreprises)
feedback_board_name_nl = Nom (néerlandais)
feedback_board_name_en = Nom (anglais)
feedback_board_description_nl = Description (néerlandais)
feedback_board_description_en = Description (anglais)
feedback_status_key = Clé
feedback_label_nl = Libellé (néerlandais)
feedback_label_en = Libellé (anglais)
feedback_colour = Couleur
feedback_save_status = Ajouter ou modifier un statut
feedback_attach = Joindre à une idée (numéro ou lien)
feedback_attach_button = Joindre
feedback_via_source = Via { $kind }
feedback_idea_from_inbox = Ou en faire une nouvelle idée
feedback_idea_from_inbox_hint = Avec vos propres mots, sans données personnelles : l'idée est publique sur la page des idées, « via » la source, et le message y est joint.
feedback_idea_from_inbox_invalid = Une idée a besoin d'un titre de 8 à 140 caractères.
feedback_create_idea = Publier l'idée
privacy_accounts_title = Comptes de la page des idées
privacy_accounts_intro = Exportez tout ce que la page des idées conserve sur un client, ou supprimez le compte : ce que le client a écrit reste sans nom, les votes continuent de compter anonymement.
privacy_account_export = Exporter (JSON)
privacy_account_confirm = Saisissez à nouveau l'adresse
privacy_account_erase = Supprimer le compte
privacy_account_erased = Le compte a été supprimé.
account_download_data = Télécharger toutes mes données (JSON)
feedback_attached = Joint aux idées

# The shipped panels and statuses (a team's own panels and statuses keep the names it gave them;
# in French these stand in for the shipped ones, other names read in English)
board_name_particulier = Particuliers
board_description_particulier = Des idées pour votre compte courant, l'épargne, l'appli et l'agence.
board_name_zakelijk = Entreprises
board_description_zakelijk = Des idées d'entrepreneurs : paiements professionnels, comptabilité, crédit.
status_new = Nouveau
status_under_review = À l'étude
status_planned = Sera réalisé
status_declined = Ne sera pas réalisé
status_done = Réalisé

## Customer accounts: register, log in, profile, their mails

account_unverified = Confirmez d'abord votre adresse e-mail ; nous vous avons envoyé un lien.
account_login = Se connecter
account_register = Créer un compte
account_title = Votre compte
account_display_name = Nom sur la page des idées
account_display_name_hint = 2 à 60 caractères ; tout le monde voit ce nom avec vos idées et réactions.
account_email = Adresse e-mail
account_password = Mot de passe
account_password_hint = Au moins 10 caractères.
account_website = Laissez ce champ vide
account_register_button = Créer le compte
account_login_button = Se connecter
account_login_with = Se connecter avec
account_or = ou
account_no_account = Pas encore de compte ?
account_have_account = Vous avez déjà un compte ?
account_login_failed = Cette adresse e-mail et ce mot de passe ne correspondent pas.
account_err_display_name = Choisissez un nom de 2 à 60 caractères, sur une ligne.
account_err_email = Ce n'est pas une adresse e-mail valable.
account_err_password = Choisissez un mot de passe de 10 à 200 caractères.
account_err_language = Choisissez le néerlandais, l'anglais ou le français.
account_err_confirm = Saisissez le mot exactement comme demandé.
account_check_mail_title = Consultez vos e-mails
account_check_mail = Si cette adresse e-mail est nouvelle, vous recevrez bientôt un e-mail avec un lien pour la confirmer. Le lien est valable deux jours.
account_mail_verify_subject = Confirmez votre adresse e-mail
account_mail_verify_body =
    Bonjour { $name },

    Confirmez votre adresse e-mail pour la page des idées de { $brand } avec ce lien :

    { $link }

    Le lien est valable deux jours. Vous n'avez pas créé de compte ? Vous pouvez ignorer cet e-mail.

account_mail_exists_subject = Vous avez déjà un compte
account_mail_exists_body =
    Bonjour,

    Quelqu'un a essayé de créer un compte avec cette adresse e-mail sur la page des idées de { $brand }, mais un compte existe déjà avec cette adresse. Connectez-vous ici :

    { $link }

    Ce n'était pas vous ? Vous pouvez ignorer cet e-mail.

account_verify_failed_title = Ce lien ne fonctionne pas
account_verify_failed = Le lien de confirmation est inconnu, déjà utilisé ou expiré.
account_verify_login_hint = Connectez-vous pour demander un nouveau lien.
account_resend_button = Envoyer un nouveau lien
account_resent_title = Nouveau lien envoyé
account_resent = Nous avons envoyé un nouveau lien de confirmation à votre adresse e-mail.
account_verified = confirmée
account_not_verified = pas encore confirmée
account_no_email = pas d'adresse e-mail
account_language = Langue
account_lang_nl = Néerlandais
account_lang_en = Anglais
account_lang_fr = Français
account_notifications = Notifications par e-mail
account_notify_status = M'écrire quand le statut d'une idée que je suis change
account_notify_reactions = M'écrire lors de nouvelles réactions aux idées que je suis
account_save = Enregistrer
account_saved = Vos données ont été enregistrées.
account_delete_title = Supprimer le compte
account_delete_explain = Vos idées et réactions restent, mais sans votre nom. Votre adresse e-mail, votre mot de passe et vos données de connexion sont effacés. C'est définitif.
account_delete_confirm = Pour confirmer, saisissez le mot
account_delete_word = supprimer
account_delete_button = Supprimer définitivement le compte
account_deleted_title = Compte supprimé
account_deleted = Votre compte a été supprimé. Ce que vous avez écrit reste, sans votre nom.
account_to_ideas = Vers les idées
account_oidc_failed_title = La connexion a échoué
account_oidc_failed = La connexion via le service externe a échoué. Réessayez.
account_default_name = Client

## Counts (plural forms: French takes [one] for 0 and 1), error pages, kinds

n_messages =
    { $n ->
        [one] { $n } message
       *[other] { $n } messages
    }
n_attempts =
    { $n ->
        [one] { $n } tentative
       *[other] { $n } tentatives
    }
n_reactions =
    { $n ->
        [one] { $n } réaction
       *[other] { $n } réactions
    }
n_followers =
    { $n ->
        [one] { $n } abonné
       *[other] { $n } abonnés
    }
n_votes_word =
    { $n ->
        [one] vote
       *[other] votes
    }
n_days =
    { $n ->
        [one] { $n } jour
       *[other] { $n } jours
    }
n_ideas =
    { $n ->
        [one] { $n } idée
       *[other] { $n } idées
    }
n_bytes =
    { $n ->
        [one] { $n } octet
       *[other] { $n } octets
    }
n_verdicts_change =
    { $n ->
        [one] { $n } avis change
       *[other] { $n } avis changent
    }

error_400 = Requête incorrecte
error_400_text = La requête n'a pas pu être traitée : un champ ou une adresse n'est pas valable.
error_401 = Non connecté
error_401_text = Connectez-vous pour voir cette page.
error_403 = Pas d'accès
error_404 = Page introuvable
error_404_text = Cette page n'existe pas (ou plus). Vérifiez l'adresse ou revenez au début.
error_404_conversation = Cette conversation n'existe pas (ou plus). Elle a peut-être été effacée à la demande du client.
error_404_idea = Cette idée n'existe pas (ou plus).
error_405 = Non autorisé ici
error_405_text = Cette page ne peut pas être demandée de cette façon.
error_409 = Conflit
error_409_text = Cela entre en conflit avec quelque chose de déjà enregistré.
error_413 = Trop volumineux
error_413_text = Ce que vous avez envoyé dépasse ce que Wederhoor accepte.
error_415 = Format non pris en charge
error_415_text = Ce format n'est pas accepté ici.
error_422 = Non traité
error_422_text = La saisie n'est pas valable ; rien n'a été enregistré.
error_429 = Doucement
error_500 = Un problème est survenu
error_500_text = Un problème est survenu de notre côté. Réessayez dans un instant ; si cela persiste, communiquez la référence.
error_503 = Momentanément indisponible
error_503_text = Wederhoor est momentanément indisponible. Réessayez bientôt.
error_other = Cela n'a pas fonctionné
error_code = Code d'erreur
error_details = Détails
error_to_inbox = Vers la boîte de réception
error_to_ideas = Vers les idées

kind_twitter = Twitter
kind_x = X
kind_reddit = Reddit
kind_linkedin = LinkedIn
kind_tiktok = TikTok
kind_youtube = YouTube
kind_threads = Threads
kind_trustpilot = Trustpilot

## Incidents: the public warning banner
incident_public_label = Avertissement

## Take it private: what the customer reads (the public reply, the direct message, the call-back form)
private_public_reply_dm = Bonjour { $name }, désolés de l'apprendre. Nous aimerions vous aider personnellement et vous envoyons un message privé.
private_public_reply_link = Bonjour { $name }, désolés de l'apprendre. Nous aimerions vous appeler : laissez votre numéro et un bon moment via ce lien : { $link }
private_direct_message = Bonjour { $name }, nous pouvons continuer en privé ici. Pouvez-vous nous envoyer votre numéro de téléphone et un bon moment pour vous appeler ? Ne partagez jamais de code PIN ni de mot de passe ici.
callback_title = Demande de rappel
callback_intro = Laissez votre numéro de téléphone et un bon moment, et nous vous rappellerons au sujet de votre message.
callback_phone = Numéro de téléphone
callback_phone_hint = Par exemple 06 12345678 ou +32 470 12 34 56.
callback_time = Bon moment pour appeler
callback_time_hint = Par exemple : demain entre 9 h et 12 h.
callback_privacy = Nous utilisons votre numéro uniquement pour vous rappeler à ce sujet.
callback_send = Rappelez-moi
callback_done = Merci ! Nous vous appellerons au moment indiqué.
callback_problem_hint = N'hésitez pas à nous écrire de nouveau, nous vous aiderons.
callback_link_used = Ce lien a déjà été utilisé : nous avons votre demande de rappel.
callback_link_expired = Ce lien a expiré.
callback_link_closed = Ce lien ne fonctionne plus : le dossier est clos.
callback_link_unknown = Nous ne connaissons pas ce lien.
callback_err_phone = Indiquez un numéro de téléphone valide (8 à 15 chiffres, par exemple 06 12345678).
callback_err_time = Indiquez un bon moment pour appeler (200 caractères au plus).
## The satisfaction survey (/enquete/…) and its invitation
survey_invitation = Merci de nous avoir contactés. Pouvez-vous nous dire comment nous vous avons aidé ? Cela prend une demi-minute : { $link }
survey_title = Comment vous avons-nous aidé ?
survey_question = Quelle est la probabilité que vous nous recommandiez à un ami ou à un proche ? (0 = très improbable, 10 = très probable)
survey_scale_low = 0 : très improbable
survey_scale_high = 10 : très probable
survey_scale_help = Choisissez un chiffre de 0 à 10.
survey_comment = Commentaire (facultatif)
survey_comment_help = N'indiquez pas de données personnelles comme votre numéro de compte ou de téléphone.
survey_send = Envoyer
survey_thanks = Merci ! Votre réponse a bien été reçue.
survey_already_answered = Cette enquête a déjà été remplie. Merci !
survey_expired = Cette enquête a expiré et ne peut plus être remplie.
survey_unknown = Ce lien ne correspond à aucune enquête. Vérifiez que vous avez copié le lien en entier.
survey_bad_score = Choisissez un chiffre de 0 à 10.
survey_comment_too_long = Le commentaire est trop long (2 000 caractères au plus).
## E-cards: the heading on the card and its description, in the customer's language
card_heading_thanks = Merci !
card_heading_sorry = Nous sommes désolés
card_heading_congratulations = Félicitations !
card_description_thanks = Une carte de remerciement de notre équipe webcare avec un message personnel
card_description_sorry = Une carte d'excuses de notre équipe webcare avec un message personnel
card_description_congratulations = Une carte de félicitations de notre équipe webcare avec un message personnel

## panels
panel_name_consumer = Panel consommateurs
panel_name_business = Panel entreprises
panel_account_title = Mes panels
panel_account_link = Panels : aidez-nous à améliorer nos services
panel_account_intro = En tant que membre d'un panel, vous recevez de temps en temps une courte question sur nos services. Votre réponse compte une fois ; ce que nous en apprenons est publié avec le résultat sur la page des idées. Vous pouvez arrêter à tout moment.
panel_member = membre
panel_join = Devenir membre
panel_leave = Quitter
panel_open_questions = Questions ouvertes pour vous
panel_no_open_questions = Aucune question ne vous attend pour le moment.
panel_answered = répondu
panel_scale_low = 0 = pas du tout
panel_scale_high = 10 = tout à fait
panel_text_help = N'indiquez pas de données personnelles, comme votre numéro de compte ou de téléphone.
panel_once = Vous pouvez répondre une seule fois à cette question.
panel_send = Envoyer la réponse
panel_thanks = Merci ! Votre réponse est enregistrée. Le résultat sera publié sur la page des idées.
panel_back_to_account = Retour à mes panels
panel_results_heading = Résultats de nos panels
panel_results_intro = Ce que les membres de nos panels consommateurs et entreprises ont répondu, et ce que nous en faisons.
panel_n_answers =
    { $n ->
        [one] { $n } réponse
       *[other] { $n } réponses
    }
panel_average = moyenne
panel_conclusion = Notre conclusion
panel_concerns = Concerne :
panel_chart_title = Réponses
panel_err_unknown_panel = Ce panel n'existe pas.
panel_err_not_allowed = Veuillez d'abord confirmer votre adresse e-mail.
panel_err_title = Donnez un titre de 120 caractères au plus.
panel_err_question = Donnez une question de 500 caractères au plus.
panel_err_kind = Choisissez le type de question.
panel_err_choices = Une question à choix a de 2 à 8 choix de 80 caractères au plus, un par ligne.
panel_err_idea = L'une des idées citées n'existe pas.
panel_err_answer = Choisissez ou écrivez une réponse.
panel_err_not_member = Cette question est destinée aux membres d'un autre panel.
panel_err_already_answered = Vous avez déjà répondu à cette question. Merci !
panel_err_closed = Cette question est close ; son résultat figure ci-dessous.
panel_err_conclusion = Écrivez une conclusion de 2 000 caractères au plus.
panel_err_personal_data = La conclusion est publiée et ne doit pas contenir de données personnelles.
## answers
team_public_title = Notre équipe webcare
team_public_intro = Sur les réseaux sociaux, dans l'application et par e-mail, vous parlez à des personnes. Voici les collègues qui lisent vos messages et y répondent.
team_public_who = Qui vous répond
team_public_empty = Les membres de l'équipe se présenteront bientôt.
team_public_hours = Quand nous sommes là
team_public_note = Nous signons chaque réponse de notre prénom. Ne partagez jamais votre numéro de compte, votre code PIN ou votre adresse dans un message public : nous vous enverrons un message privé pour cela.
