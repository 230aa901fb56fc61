# Wederhoor: the public pages (feedback page, idea pages, source list, customer accounts, their mails, error pages) in English.
# Format: Fluent (https://projectfluent.org), the subset described in crates/wederhoor-web/src/i18n/fluent.rs:
# `key = text`, `{ $name }` for a value the program fills in, `{ $n -> [one] … *[other] … }` for counts.

## The team's pages: login, inbox, cases, admin, rules, sources, capture, privacy

app_name = Wederhoor
password = Password
logout = Log out
all = All
apply = Apply
language = Language
state = State
previous = Previous
next = Next
page = Page
evidence = Matched
display_name = Display name
name = Name
error_title = Something went wrong
error_ref = Reference
forbidden = Your role does not give access to this page.
csrf_failed = The form has expired. Reload the page and try again.
kind_rss = RSS feed
kind_mastodon = Mastodon
kind_bluesky = Bluesky
kind_email = E-mail
kind_webhook = Integration (webhook)
kind_whatsapp = WhatsApp
kind_facebook = Facebook
kind_instagram = Instagram
kind_forum = Forum
kind_consumer_site = Consumer site
kind_manual = Manual
kind_import = Import
url = URL
save = Save
public_title = Sources we monitor
public_intro = Our webcare team listens to what is said about us: on social networks, blogs, forums and consumer sites. Below are the sources we monitor and where we are primarily active. We publish this list so you know where we are listening.
since = since
public_own = our own account
public_empty = We are not monitoring any sources at the moment.
public_note = This list does not cover the whole internet; we may also pick up messages we come across elsewhere.

## The feedback page (ideas, reactions, statuses, the staff desk) and its mails

too_many_requests = Slow down: you did this too often. Please try again later.
skip_to_content = Skip to content
message_edited = edited by its author
message_deleted = deleted by its author: no longer public, do not answer it
feedback_title = Ideas
feedback_heading = Your ideas, our answers
feedback_intro = All ideas and reactions come together here: from this page, from social media and from consumer sites. Everyone can read along; with an account you can post ideas, vote and react. Every idea shows what happens with it and why.
feedback_nav = Ideas
feedback_all_ideas = All ideas
feedback_all_boards = All panels
feedback_boards = Panels
feedback_board = Panel
feedback_new_idea = New idea
feedback_staff_desk = Manage ideas
feedback_staff_as = You are logged in as staff
feedback_feed = Atom feed of new ideas and statuses
feedback_feed_new = New idea
colour_grey = New
colour_green = Goes ahead
colour_orange = In progress
colour_red = Won't happen
colour_done = Done
department_product = Product
department_marketing = Marketing
department_customer_service = Customer service
feedback_search = Search
feedback_search_hint = e.g. pay with watch
feedback_status = Status
feedback_sort = Sort
feedback_sort_trending = Trending
feedback_sort_newest = Newest
feedback_sort_votes = Most votes
feedback_sort_updated = Recently updated
feedback_pinned = Pinned
feedback_empty = No ideas here yet.
feedback_no_results = No ideas found.
feedback_page = Page
feedback_pages = Pages
feedback_vote = Vote for this idea
feedback_unvote = Take back your vote
feedback_votes = votes
feedback_reactions_n = reactions
feedback_via_social = via social media
feedback_via = via
feedback_deleted_account = deleted account
feedback_hidden_because = Hidden because:
feedback_pending_note = This post is waiting for review by a staff member.
feedback_follow = Follow
feedback_hidden_title = Hidden idea
feedback_unfollow = Unfollow
feedback_share = Share
feedback_link = Link
feedback_share_mail = E-mail
feedback_history = What happens with this idea
feedback_no_history = No decision yet: a staff member will look at it.
feedback_staff_tools = For staff
feedback_new_status = New status
feedback_explanation = Explanation (public, required)
feedback_set_status = Save status
feedback_status_hint = Followers get an e-mail; linked social messages get a reply through the outbox.
feedback_answer_as = Answer as
feedback_answer = Post answer
feedback_pin = Pin
feedback_unpin = Unpin
feedback_merge_into = Duplicate; merge into number
feedback_merge = Merge
feedback_hide_reason = Reason (public)
feedback_hide = Hide
feedback_show = Show again
feedback_reactions = Reactions
feedback_staff = Staff
feedback_report = Report
feedback_report_idea = Report this idea
feedback_report_reason = Why?
feedback_report_send = Send report
feedback_reply = Reply
feedback_send = Post
feedback_no_reactions = No reactions yet.
feedback_your_reaction = Your reaction
feedback_login_to_take_part = Log in to vote, react or follow this idea.
feedback_login_to_post = You need an account to post an idea.
feedback_new_intro = Describe your idea as concretely as you can. It appears at once; staff answer under their own name.
feedback_similar = Is your idea like one of these? Then vote there.
feedback_check_similar = Look for similar ideas
feedback_markdown_hint = **bold**, *italic*, lists and links are fine
feedback_public_note = Do not put personal data (account number, phone, address) in your idea: this page is public.
feedback_post = Post idea
feedback_pick_board = Pick a panel.
field_title = Title
field_body = Description
field_reaction = Reaction
field_explanation = Explanation
field_reason = Reason
field_display_name = Name
field_email = E-mail address
field_key = Key
input_too_short = too short (at least { $n } characters)
input_too_long = too long (at most { $n } characters)
input_invalid = not valid
feedback_held_abuse = Your post is saved but waits for review: it contains words we have checked first.
feedback_held_pii = Your post is saved but not public yet: it seems to contain personal data. A staff member will look at it.
feedback_vote_closed = This idea is hidden: voting and reacting are closed.
feedback_reported = Thank you, we will look at it.
feedback_status_saved = Status saved; followers will be told.
feedback_explanation_needed = A status change needs an explanation of at least ten characters.
feedback_no_pii = This text contains personal data and is not posted publicly.
feedback_answer_empty = An answer cannot be empty.
feedback_merge_target = That idea does not exist or cannot be merged.
feedback_merged = Merged: votes and followers are here now.
feedback_attach_unknown = That idea does not exist.
feedback_mail_subject = New status for “{ $title }”: { $status }
feedback_mail_body =
    The idea “{ $title }” has a new status: { $status }.

    { $explanation }
    — { $who }

    See the idea: { $url }

    You get this e-mail because you follow this idea. Settings: { $settings }

feedback_social_update = Update on the idea “{ $title }”: { $status }. Read why: { $url }
feedback_reaction_mail_subject = New reaction to “{ $title }”
feedback_reaction_mail_body =
    { $who } reacted to the idea “{ $title }”:

    { $text }

    See the idea: { $url }

    You get this e-mail because you follow this idea and asked for reactions by mail. Settings: { $settings }

feedback_figures = Figures
feedback_decision_subject = Your post on “{ $title }” has been reviewed
feedback_decision_shown =
    A staff member reviewed your post on “{ $title }”: everyone can see it on the ideas page now.

    { $url }

feedback_decision_hidden =
    A staff member reviewed your post on “{ $title }”: it stays hidden, because: { $reason }

    { $url }

feedback_missing_title = Idea not found
feedback_missing = This idea does not exist (any more). Perhaps the link was copied wrongly.
feedback_mail_outbox = Sent and waiting e-mail
feedback_mail_to = To
feedback_mail_subject_h = Subject
feedback_mail_attempts = Attempts
feedback_mail_error = Last error
feedback_mail_none = No e-mail yet.
mail_state_queued = queued
mail_state_sent = sent
mail_state_failed = failed
feedback_ideas_n = ideas
feedback_first_answer = Time to the first staff answer
feedback_median = median
feedback_hours = hours
feedback_no_answers_yet = no answers yet
feedback_waiting = Waiting for a status
feedback_none_waiting = Every idea has a status.
feedback_reports = Reports
feedback_reaction = reaction
feedback_dismiss = Fine, close
feedback_no_reports = No open reports.
feedback_pending = Waiting for review (triage)
feedback_approve = Approve and show
feedback_no_pending = Nothing waits for review.
feedback_my_department = My department (badge on answers)
feedback_add_board = Add panel
feedback_board_slug = Address (e.g. business)
feedback_board_name_nl = Name (Dutch)
feedback_board_name_en = Name (English)
feedback_board_description_nl = Description (Dutch)
feedback_board_description_en = Description (English)
feedback_status_key = Key
feedback_label_nl = Label (Dutch)
feedback_label_en = Label (English)
feedback_colour = Colour
feedback_save_status = Add or change status
feedback_attach = Attach to idea (number or link)
feedback_attach_button = Attach
feedback_via_source = Via { $kind }
feedback_idea_from_inbox = Or make it a new idea
feedback_idea_from_inbox_hint = In your own words, without personal data: the idea is public on the ideas page, as ‘Via’ the source, and the message is attached to it.
feedback_idea_from_inbox_invalid = An idea needs a title of 8 to 140 characters.
feedback_create_idea = Post idea
privacy_accounts_title = Accounts of the ideas page
privacy_accounts_intro = Export everything the ideas page stores about a customer, or delete the account: what the customer wrote stays without a name, votes keep counting anonymously.
privacy_account_export = Export (JSON)
privacy_account_confirm = Type the address again
privacy_account_erase = Delete account
privacy_account_erased = The account was deleted.
account_download_data = Download all my data (JSON)
feedback_attached = Attached to ideas

# The shipped panels and statuses (a team's own panels and statuses keep the names it gave them;
# in French these stand in for the shipped ones, other names read in English)
board_name_particulier = Personal
board_description_particulier = Ideas for your current account, savings, the app and the branch.
board_name_zakelijk = Business
board_description_zakelijk = Ideas from entrepreneurs: business payments, bookkeeping, credit.
status_new = New
status_under_review = Under review
status_planned = Planned
status_declined = Declined
status_done = Done

## Customer accounts: register, log in, profile, their mails

account_unverified = Please confirm your e-mail address first; we sent you a link.
account_login = Log in
account_register = Create an account
account_title = Your account
account_display_name = Name on the ideas page
account_display_name_hint = 2 to 60 characters; everyone sees this name with your ideas and reactions.
account_email = E-mail address
account_password = Password
account_password_hint = At least 10 characters.
account_website = Leave this field empty
account_register_button = Create account
account_login_button = Log in
account_login_with = Log in with
account_or = or
account_no_account = No account yet?
account_have_account = Already have an account?
account_login_failed = This e-mail address and password do not match.
account_err_display_name = Choose a name of 2 to 60 characters, on one line.
account_err_email = This is not a valid e-mail address.
account_err_password = Choose a password of 10 to 200 characters.
account_err_language = Choose Dutch, English or French.
account_err_confirm = Type the word exactly as asked.
account_check_mail_title = Check your mail
account_check_mail = If this e-mail address is new, you will get a mail with a link to confirm it shortly. The link works for two days.
account_mail_verify_subject = Confirm your e-mail address
account_mail_verify_body =
    Hello { $name },

    Confirm your e-mail address for the ideas page of { $brand } with this link:

    { $link }

    The link works for two days. Did you not create an account? Then you can ignore this mail.

account_mail_exists_subject = You already have an account
account_mail_exists_body =
    Hello,

    Someone tried to create an account with this e-mail address on the ideas page of { $brand }, but there already is an account with this address. Log in at:

    { $link }

    Was this not you? Then you can ignore this mail.

account_verify_failed_title = This link does not work
account_verify_failed = The confirmation link is unknown, already used or expired.
account_verify_login_hint = Log in to ask for a new link.
account_resend_button = Send a new link
account_resent_title = New link sent
account_resent = We sent a new confirmation link to your e-mail address.
account_verified = confirmed
account_not_verified = not confirmed yet
account_no_email = no e-mail address
account_language = Language
account_lang_nl = Dutch
account_lang_en = English
account_lang_fr = French
account_notifications = Notifications by mail
account_notify_status = Mail me when the status of an idea I follow changes
account_notify_reactions = Mail me about new reactions to ideas I follow
account_save = Save
account_saved = Your details were saved.
account_delete_title = Delete account
account_delete_explain = Your ideas and reactions stay, but without your name. Your e-mail address, password and login details are erased. This cannot be undone.
account_delete_confirm = To confirm, type the word
account_delete_word = delete
account_delete_button = Delete account for good
account_deleted_title = Account deleted
account_deleted = Your account was deleted. What you wrote stays, without your name.
account_to_ideas = To the ideas
account_oidc_failed_title = Logging in failed
account_oidc_failed = Logging in through the external service failed. Please try again.
account_default_name = Customer

## Counts (plural forms), error pages, kinds

# counts (one|other)
n_messages =
    { $n ->
        [one] { $n } message
       *[other] { $n } messages
    }
n_attempts =
    { $n ->
        [one] { $n } attempt
       *[other] { $n } attempts
    }
n_reactions =
    { $n ->
        [one] { $n } reaction
       *[other] { $n } reactions
    }
n_followers =
    { $n ->
        [one] { $n } follower
       *[other] { $n } followers
    }
n_votes_word =
    { $n ->
        [one] vote
       *[other] votes
    }
n_days =
    { $n ->
        [one] { $n } day
       *[other] { $n } days
    }
n_ideas =
    { $n ->
        [one] { $n } idea
       *[other] { $n } ideas
    }
n_bytes =
    { $n ->
        [one] { $n } byte
       *[other] { $n } bytes
    }
n_verdicts_change =
    { $n ->
        [one] { $n } verdict changes
       *[other] { $n } verdicts change
    }

# error pages
error_400 = Bad request
error_400_text = The request could not be processed: a field or address is not valid.
error_401 = Not logged in
error_401_text = Log in to see this page.
error_403 = No access
error_404 = Page not found
error_404_text = This page does not exist (any more). Check the address, or go back to the start.
error_404_conversation = This conversation does not exist (any more). It may have been erased at the customer's request.
error_404_idea = This idea does not exist (any more).
error_405 = Not allowed here
error_405_text = This page cannot be requested this way.
error_409 = Conflict
error_409_text = This conflicts with something already stored.
error_413 = Too large
error_413_text = What you sent is larger than Wederhoor accepts.
error_415 = Unsupported format
error_415_text = This format is not accepted here.
error_422 = Not processed
error_422_text = The input is not valid; nothing was stored.
error_429 = Slow down
error_500 = Something went wrong
error_500_text = Something went wrong on our side. Try again in a moment; if it keeps failing, pass on the reference.
error_503 = Unavailable for a moment
error_503_text = Wederhoor is unavailable for a moment. Try again shortly.
error_other = That did not work
error_code = Error code
error_details = Details
error_to_inbox = To the inbox
error_to_ideas = To the ideas

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
incident_public_label = Warning

## Take it private: what the customer reads (the public reply, the direct message, the call-back form)
private_public_reply_dm = Hi { $name }, sorry to hear that. We'd like to help you personally and are sending you a direct message.
private_public_reply_link = Hi { $name }, sorry to hear that. We'd like to call you: leave your number and a good time through this link: { $link }
private_direct_message = Hi { $name }, we can continue in private here. Could you send your phone number and a good time to call? Never share a PIN or password here.
callback_title = Call-back request
callback_intro = Leave your phone number and a good time, and we'll call you back about your message.
callback_phone = Phone number
callback_phone_hint = For example 06 12345678 or +32 470 12 34 56.
callback_time = Good time to call
callback_time_hint = For example: tomorrow between 9 and 12.
callback_privacy = We only use your number to call you back about this.
callback_send = Call me back
callback_done = Thank you! We'll call you at the time you gave.
callback_problem_hint = Feel free to send us a message again and we'll help you.
callback_link_used = This link has been used already: we have your call-back request.
callback_link_expired = This link has expired.
callback_link_closed = This link no longer works: the case is closed.
callback_link_unknown = We don't know this link.
callback_err_phone = Fill in a valid phone number (8 to 15 digits, for example 06 12345678).
callback_err_time = Fill in a good time to call (at most 200 characters).
## The satisfaction survey (/enquete/…) and its invitation
survey_invitation = Thank you for contacting us. Would you tell us how we helped you? It takes half a minute: { $link }
survey_title = How did we help you?
survey_question = How likely are you to recommend us to a friend or family member? (0 = not at all likely, 10 = extremely likely)
survey_scale_low = 0: not at all likely
survey_scale_high = 10: extremely likely
survey_scale_help = Choose one number from 0 to 10.
survey_comment = Comment (optional)
survey_comment_help = Please do not include personal data such as your account or phone number.
survey_send = Send
survey_thanks = Thank you! Your answer has been received.
survey_already_answered = This survey has already been answered. Thank you!
survey_expired = This survey has expired and can no longer be answered.
survey_unknown = This link does not belong to a survey. Please check that you copied the whole link.
survey_bad_score = Choose a number from 0 to 10.
survey_comment_too_long = The comment is too long (at most 2,000 characters).
## E-cards: the heading on the card and its description, in the customer's language
card_heading_thanks = Thank you!
card_heading_sorry = We are sorry
card_heading_congratulations = Congratulations!
card_description_thanks = A thank-you card from our webcare team with a personal message
card_description_sorry = An apology card from our webcare team with a personal message
card_description_congratulations = A congratulations card from our webcare team with a personal message

## panels
panel_name_consumer = Consumer panel
panel_name_business = Business panel
panel_account_title = My panels
panel_account_link = Panels: help us shape our services
panel_account_intro = As a panel member you now and then get a short question about our services. Your answer counts once; what we learn from it is published with the outcome on the ideas page. You can stop at any time.
panel_member = member
panel_join = Join
panel_leave = Leave
panel_open_questions = Open questions for you
panel_no_open_questions = There are no open questions for you right now.
panel_answered = answered
panel_scale_low = 0 = not at all
panel_scale_high = 10 = completely
panel_text_help = Please leave out personal details such as your account number or phone number.
panel_once = You can answer this question once.
panel_send = Send answer
panel_thanks = Thank you! Your answer has been saved. When the outcome is known, you can read it on the ideas page.
panel_back_to_account = Back to my panels
panel_results_heading = Outcomes of our panels
panel_results_intro = What members of our consumer and business panels answered, and what we do with it.
panel_n_answers =
    { $n ->
        [one] { $n } answer
       *[other] { $n } answers
    }
panel_average = average
panel_conclusion = Our conclusion
panel_concerns = Concerns:
panel_chart_title = Answers
panel_err_unknown_panel = This panel does not exist.
panel_err_not_allowed = Please confirm your e-mail address first.
panel_err_title = Give a title of at most 120 characters.
panel_err_question = Give a question of at most 500 characters.
panel_err_kind = Choose the kind of question.
panel_err_choices = A choice question has 2 to 8 choices of at most 80 characters, one per line.
panel_err_idea = One of the ideas named does not exist.
panel_err_answer = Choose or write an answer.
panel_err_not_member = This question is for the members of another panel.
panel_err_already_answered = You have already answered this question. Thank you!
panel_err_closed = This question is closed; its outcome is shown below.
panel_err_conclusion = Write a conclusion of at most 2,000 characters.
panel_err_personal_data = The conclusion is published and must not contain personal data.
## answers
team_public_title = Our webcare team
team_public_intro = On social media, in the app and by e-mail you talk to people. These are the colleagues who read and answer your messages.
team_public_who = Who answers you
team_public_empty = The team members will introduce themselves soon.
team_public_hours = When we are there
team_public_note = We sign every answer with our first name. Never share your account number, PIN or address in a public message: we will send you a private message for that.
