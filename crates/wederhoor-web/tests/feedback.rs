//! The public feedback page through its HTTP interface: reading without login, taking part with
//! a verified account, votes, staff statuses and answers, moderation, merge, feed, JSON, and the
//! link from the inbox. Every test runs on SQLite and (with WEDERHOOR_TEST_PG) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde_json::json;
use wederhoor_core::IdeaId;
use wederhoor_store::{Account, NewAccount, NewBoard, NewMail, random_token};

/// A customer with a verified account and a live session.
struct Customer {
    account: Account,
    cookies: String,
    csrf: String,
}

async fn customer(app: &TestApp, email: &str, verified: bool) -> Customer {
    let token = random_token();
    let account = app
        .store
        .create_account(
            &NewAccount {
                email: email.into(),
                display_name: email.split('@').next().unwrap().into(),
                password_hash: "x".into(),
                language: "nl".into(),
            },
            &token,
            &NewMail {
                to: email.into(),
                subject: "s".into(),
                body: "b".into(),
                idempotency_key: format!("v-{email}"),
            },
        )
        .await
        .unwrap();
    if verified {
        app.store.verify_account(&token).await.unwrap();
    }
    let session = app.store.create_account_session(account.id).await.unwrap();
    let csrf = app
        .store
        .account_session(&session)
        .await
        .unwrap()
        .unwrap()
        .1;
    Customer {
        account: app.store.account(account.id).await.unwrap().unwrap(),
        cookies: format!("wederhoor_account={session}"),
        csrf,
    }
}

async fn boards(app: &TestApp) {
    for (slug, nl, en) in [
        ("particulier", "Particulier", "Personal"),
        ("zakelijk", "Zakelijk", "Business"),
    ] {
        app.store
            .create_board(
                &NewBoard {
                    slug: slug.into(),
                    name_nl: nl.into(),
                    name_en: en.into(),
                    description_nl: String::new(),
                    description_en: String::new(),
                },
                None,
            )
            .await
            .unwrap();
    }
}

/// Posts an idea through the form; returns its id (from the redirect).
async fn post_idea(app: &TestApp, c: &Customer, title: &str, body: &str) -> (IdeaId, String) {
    let r = app
        .post_form_with_cookies(
            "/ideeen/nieuw",
            &c.cookies,
            &[
                ("csrf", &c.csrf),
                ("bord", "particulier"),
                ("titel", title),
                ("tekst", body),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{}: {}",
        app.backend,
        r.text()
    );
    let location = r.location().unwrap().to_owned();
    let id: String = location
        .trim_start_matches("/ideeen/")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (IdeaId(id.parse().unwrap()), location)
}

fn staff_cookie(s: &Session) -> String {
    format!("wederhoor_session={}", s.cookie)
}

#[tokio::test]
async fn anyone_reads_and_a_verified_customer_posts_at_once() {
    for app in spawn_apps().await {
        boards(&app).await;
        // An empty page says so.
        let r = app.get("/ideeen", None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", app.backend);
        assert!(
            r.text().contains("Nog geen ideeën hier."),
            "{}",
            app.backend
        );
        let sanne = customer(&app, "sanne@voorbeeld.nl", true).await;
        let (id, location) = post_idea(
            &app,
            &sanne,
            "Donkere modus in de app",
            "Vooral **'s avonds** fijn.",
        )
        .await;
        assert!(location.starts_with(&format!("/ideeen/{}-donkere-modus", id.0)));
        // An anonymous visitor sees it at once, in the list and on its page.
        let list = app.get("/ideeen", None).await.text();
        assert!(list.contains("Donkere modus in de app"), "{}", app.backend);
        let page = app.get(&location, None).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(
            html.contains("<strong>&#39;s avonds</strong>")
                || html.contains("<strong>'s avonds</strong>"),
            "{html}"
        );
        assert!(html.contains("og:title"), "Open Graph tags");
        assert!(html.contains(">Nieuw<"), "grey status label");
        assert!(
            html.contains("id=\"vote-count\">1<"),
            "the author's own vote"
        );
        // English on request.
        let en = app.get(&format!("{location}?lang=en"), None).await.text();
        assert!(
            en.contains("What happens with this idea"),
            "{}",
            app.backend
        );
        // An anonymous vote goes to the login page and back.
        let r = app
            .post_form_with_cookies(
                &format!("/ideeen/{}/stem", id.0),
                &format!("wederhoor_pcsrf={VISITOR_CSRF}"),
                &[
                    ("csrf", VISITOR_CSRF),
                    ("actie", "stem"),
                    ("terug", &location),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            r.location()
                .unwrap()
                .starts_with("/account/inloggen?terug=%2Fideeen%2F")
        );
        // An unverified account may not post; a missing CSRF token is refused; the honeypot
        // stores nothing; a too short title is explained.
        let new = customer(&app, "nieuw@voorbeeld.nl", false).await;
        let r = app
            .post_form_with_cookies(
                "/ideeen/nieuw",
                &new.cookies,
                &[
                    ("csrf", &new.csrf),
                    ("bord", "particulier"),
                    ("titel", "Een goed idee hoor"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.backend);
        let r = app
            .post_form_with_cookies(
                "/ideeen/nieuw",
                &sanne.cookies,
                &[
                    ("csrf", "fout"),
                    ("bord", "particulier"),
                    ("titel", "Een goed idee hoor"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .post_form_with_cookies(
                "/ideeen/nieuw",
                &sanne.cookies,
                &[
                    ("csrf", &sanne.csrf),
                    ("bord", "particulier"),
                    ("titel", "Goedkope pillen kopen"),
                    ("website", "http://spam.example"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(!app.get("/ideeen", None).await.text().contains("pillen"));
        let r = app
            .post_form_with_cookies(
                "/ideeen/nieuw",
                &sanne.cookies,
                &[
                    ("csrf", &sanne.csrf),
                    ("bord", "particulier"),
                    ("titel", "kort"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text().contains("Titel: te kort (minstens 8 tekens)"),
            "{}",
            r.text()
        );
    }
}

#[tokio::test]
async fn hostile_markdown_and_html_are_rendered_inert() {
    for app in spawn_apps().await {
        boards(&app).await;
        let c = customer(&app, "x@voorbeeld.nl", true).await;
        let (id, location) = post_idea(
            &app,
            &c,
            "<script>alert(1)</script> titel",
            "<img src=x onerror=alert(1)> [klik](javascript:alert(2)) <iframe src=//evil></iframe>\n\n<a href=\"data:text/html,x\" onclick=\"y()\">z</a>",
        )
        .await;
        let r = app
            .post_form_with_cookies(
                &format!("/ideeen/{}/reactie", id.0),
                &c.cookies,
                &[
                    ("csrf", &c.csrf),
                    (
                        "tekst",
                        "<svg onload=alert(3)>hoi</svg> \"><script>x()</script>",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        for path in [location.as_str(), "/ideeen", "/ideeen/feed.atom"] {
            let html = app.get(path, None).await.text().to_lowercase();
            for bad in [
                "<script>alert",
                "onerror=",
                "javascript:",
                "<iframe",
                "onload=",
                "onclick=",
                "data:text/html",
                "<script>x()",
            ] {
                assert!(!html.contains(bad), "{} {path}: {bad}", app.backend);
            }
        }
        let html = app.get(&location, None).await.text();
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;"),
            "the title is text"
        );
    }
}

#[tokio::test]
async fn one_vote_per_account_even_at_once() {
    for app in spawn_apps().await {
        boards(&app).await;
        let author = customer(&app, "a@voorbeeld.nl", true).await;
        let voter = customer(&app, "v@voorbeeld.nl", true).await;
        let (id, _) = post_idea(&app, &author, "Sparen voor de kinderen", "").await;
        let path = format!("/ideeen/{}/stem", id.0);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let state = app.state.clone();
            let body = form_body(&[("csrf", &voter.csrf), ("actie", "stem")]);
            let cookies = voter.cookies.clone();
            let path = path.clone();
            tasks.push(tokio::spawn(async move {
                let request = Request::builder()
                    .method(Method::POST)
                    .uri(path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::ACCEPT, "application/json")
                    .header(header::COOKIE, cookies)
                    .body(Body::from(body))
                    .unwrap();
                use tower::ServiceExt;
                let r = wederhoor_web::app(state).oneshot(request).await.unwrap();
                r.status()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), StatusCode::OK, "{}", app.backend);
        }
        let d = app.store.idea(id).await.unwrap().unwrap();
        assert_eq!(
            d.summary.votes, 2,
            "{}: the author and one voter",
            app.backend
        );
        // Taking it back, as JSON for the enhanced button.
        let request = Request::builder()
            .method(Method::POST)
            .uri(&path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, &voter.cookies)
            .body(Body::from(form_body(&[
                ("csrf", &voter.csrf),
                ("actie", "intrekken"),
            ])))
            .unwrap();
        let r = app.send(request).await;
        assert_eq!(
            r.json(),
            json!({"votes": 1, "voted": false}),
            "{}",
            app.backend
        );
    }
}

#[tokio::test]
async fn staff_set_a_status_with_an_explanation_and_followers_are_mailed() {
    for app in spawn_apps().await {
        boards(&app).await;
        let author = customer(&app, "auteur@voorbeeld.nl", true).await;
        let (id, location) = post_idea(&app, &author, "Betalen met je horloge", "").await;
        let agent = app.login_as(&app.agent).await;
        let lead = app.login_as(&app.lead).await;
        let status_path = format!("/ideeen/{}/status", id.0);
        let fields = |csrf: &str| {
            vec![
                ("csrf".to_owned(), csrf.to_owned()),
                ("status".to_owned(), "planned".to_owned()),
                ("uitleg".to_owned(), "Komt in de app van maart.".to_owned()),
            ]
        };
        let as_refs = |v: &Vec<(String, String)>| -> Vec<(String, String)> { v.clone() };
        // An agent (not a specialist) may not set statuses.
        let f = as_refs(&fields(&agent.csrf));
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = app
            .post_form_with_cookies(&status_path, &staff_cookie(&agent), &f)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.backend);
        // A customer neither.
        let r = app
            .post_form_with_cookies(
                &status_path,
                &author.cookies,
                &[
                    ("csrf", &author.csrf),
                    ("status", "planned"),
                    ("uitleg", "Komt in de app van maart."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Without an explanation nothing changes.
        let r = app
            .post_form_with_cookies(
                &status_path,
                &staff_cookie(&lead),
                &[("csrf", &lead.csrf), ("status", "planned"), ("uitleg", "")],
            )
            .await;
        assert!(
            r.location()
                .unwrap()
                .contains("fout=feedback_explanation_needed")
        );
        // Personal data in an explanation is refused.
        let r = app
            .post_form_with_cookies(
                &status_path,
                &staff_cookie(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("status", "planned"),
                    ("uitleg", "Bel ons op 06-12345678 voor meer."),
                ],
            )
            .await;
        assert!(
            r.location().unwrap().contains("fout=feedback_no_pii"),
            "{:?}",
            r.location()
        );
        assert!(
            app.store
                .idea(id)
                .await
                .unwrap()
                .unwrap()
                .history
                .is_empty()
        );
        let f = fields(&lead.csrf);
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = app
            .post_form_with_cookies(&status_path, &staff_cookie(&lead), &f)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let html = app.get(&location, None).await.text();
        assert!(
            html.contains("Komt in de app van maart."),
            "{}",
            app.backend
        );
        assert!(html.contains("c-green"), "green status");
        assert!(html.contains("Lars Lead"), "the staff member's own name");
        let mail = app.store.due_mail(10).await.unwrap();
        let status_mail: Vec<_> = mail
            .iter()
            .filter(|m| m.subject.contains("Nieuwe status"))
            .collect();
        assert_eq!(status_mail.len(), 1, "{}", app.backend);
        assert_eq!(status_mail[0].to, "auteur@voorbeeld.nl");
        assert!(status_mail[0].subject.contains("Gaat door"));
        assert!(status_mail[0].body.contains("Komt in de app van maart."));
        assert!(status_mail[0].body.contains(&location));
        // A staff answer carries the department badge.
        app.store
            .set_agent_department(app.lead.id, Some(wederhoor_core::idea::Department::Product))
            .await
            .unwrap();
        let r = app
            .post_form_with_cookies(
                &format!("/ideeen/{}/antwoord", id.0),
                &staff_cookie(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("tekst", "We testen het eerst met een kleine groep."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let html = app.get(&location, None).await.text();
        assert!(html.contains("We testen het eerst met een kleine groep."));
        assert!(html.contains("badge dept\">Product<"), "{}", app.backend);
        // The desk reports it.
        let desk = app
            .get_with_cookies("/ideeen/beheer", &staff_cookie(&lead))
            .await;
        assert_eq!(desk.status, StatusCode::OK);
        assert!(desk.text().contains("mediaan"), "{}", desk.text());
        assert_eq!(
            app.get("/ideeen/beheer", None).await.status,
            StatusCode::SEE_OTHER
        );
    }
}

#[tokio::test]
async fn moderation_hides_with_a_public_reason_and_holds_abuse() {
    for app in spawn_apps().await {
        boards(&app).await;
        let c = customer(&app, "c@voorbeeld.nl", true).await;
        let other = customer(&app, "o@voorbeeld.nl", true).await;
        let (id, location) = post_idea(&app, &c, "Reclame voor iets anders", "Koop nu").await;
        let r = app
            .post_form_with_cookies(
                &format!("/ideeen/{}/melden", id.0),
                &other.cookies,
                &[("csrf", &other.csrf), ("reden", "reclame")],
            )
            .await;
        assert!(r.location().unwrap().contains("ok=feedback_reported"));
        let lead = app.login_as(&app.lead).await;
        let desk = app
            .get_with_cookies("/ideeen/beheer", &staff_cookie(&lead))
            .await
            .text();
        assert!(desk.contains("Reclame voor iets anders"), "{}", app.backend);
        // An agent may not hide.
        let agent = app.login_as(&app.agent).await;
        let r = app
            .post_form_with_cookies(
                &format!("/ideeen/{}/verbergen", id.0),
                &staff_cookie(&agent),
                &[("csrf", &agent.csrf), ("reden", "reclame")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = app
            .post_form_with_cookies(
                &format!("/ideeen/{}/verbergen", id.0),
                &staff_cookie(&lead),
                &[("csrf", &lead.csrf), ("reden", "reclame zonder idee")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let html = app.get(&location, None).await.text();
        assert!(
            html.contains("Verborgen wegens: reclame zonder idee"),
            "{}",
            app.backend
        );
        assert!(
            !html.contains("Koop nu"),
            "hidden text is not shown to the public"
        );
        assert!(
            !app.get("/ideeen", None)
                .await
                .text()
                .contains("Reclame voor")
        );
        // Abuse is held: its author is told, the public sees a note, staff see it in the queue.
        let (held, held_location) = post_idea(
            &app,
            &c,
            "Wat een klotebank zijn jullie",
            "Stelletje klootzakken",
        )
        .await;
        assert!(
            held_location.contains("ok=feedback_held_abuse"),
            "{held_location}"
        );
        let public = app.get(&format!("/ideeen/{}", held.0), None).await.text();
        assert!(public.contains("wacht op beoordeling"));
        assert!(!public.contains("Stelletje"));
        assert!(!public.contains("klotebank"), "nor its title");
        let own = app
            .get_with_cookies(&format!("/ideeen/{}", held.0), &c.cookies)
            .await
            .text();
        assert!(
            own.contains("Stelletje"),
            "the author still sees their own text"
        );
        let desk = app
            .get_with_cookies("/ideeen/beheer", &staff_cookie(&lead))
            .await
            .text();
        assert!(desk.contains("Stelletje klootzakken"), "{}", app.backend);
        // Personal data in a reaction is held too (never public).
        let (open, location) = post_idea(&app, &other, "Een open idee om op te reageren", "").await;
        let r = app
            .post_form_with_cookies(
                &format!("/ideeen/{}/reactie", open.0),
                &c.cookies,
                &[
                    ("csrf", &c.csrf),
                    ("tekst", "Mijn rekening NL91ABNA0417164300 werkt niet"),
                ],
            )
            .await;
        assert!(r.location().unwrap().contains("ok=feedback_held_pii"));
        assert!(
            !app.get(&location, None)
                .await
                .text()
                .contains("NL91ABNA0417164300")
        );
    }
}

#[tokio::test]
async fn a_merged_duplicate_redirects_and_keeps_its_votes() {
    for app in spawn_apps().await {
        boards(&app).await;
        let a = customer(&app, "a@voorbeeld.nl", true).await;
        let b = customer(&app, "b@voorbeeld.nl", true).await;
        let (keep, keep_location) = post_idea(&app, &a, "Donkere modus in de app", "").await;
        let (dup, _) = post_idea(&app, &b, "Dark mode voor de app graag", "").await;
        let lead = app.login_as(&app.lead).await;
        let r = app
            .post_form_with_cookies(
                &format!("/ideeen/{}/samenvoegen", dup.0),
                &staff_cookie(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("naar", &format!("http://x{keep_location}")),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = app.get(&format!("/ideeen/{}", dup.0), None).await;
        assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT, "{}", app.backend);
        assert_eq!(r.location(), Some(keep_location.as_str()));
        assert_eq!(
            app.store.idea(keep).await.unwrap().unwrap().summary.votes,
            2
        );
        // Merging into a missing idea is explained, not an error page.
        let r = app
            .post_form_with_cookies(
                &format!("/ideeen/{}/samenvoegen", keep.0),
                &staff_cookie(&lead),
                &[("csrf", &lead.csrf), ("naar", "999999")],
            )
            .await;
        assert!(r.location().unwrap().contains("fout=feedback_merge_target"));
    }
}

#[tokio::test]
async fn lists_filter_search_page_and_count_queries() {
    for app in spawn_apps().await {
        boards(&app).await;
        let c = customer(&app, "c@voorbeeld.nl", true).await;
        for i in 0..3 {
            post_idea(&app, &c, &format!("Betalingen sneller verwerken {i}"), "").await;
        }
        let before = app.store.query_count();
        let r = app.get("/ideeen?sort=newest", None).await;
        assert_eq!(r.status, StatusCode::OK);
        let few = app.store.query_count() - before;
        for i in 0..25 {
            app.store
                .create_idea(&wederhoor_store::NewIdea {
                    board: app.store.boards().await.unwrap()[0].id,
                    poster: wederhoor_store::Poster::Customer {
                        account: c.account.id,
                        name: "c".into(),
                    },
                    title: format!("Spaardoel instellen nummer {i}"),
                    body: String::new(),
                    hidden: None,
                })
                .await
                .unwrap();
        }
        let before = app.store.query_count();
        let html = app.get("/ideeen?sort=newest", None).await.text();
        assert_eq!(
            app.store.query_count() - before,
            few,
            "{}: no query per idea",
            app.backend
        );
        assert_eq!(
            html.matches("class=\"idea-card").count(),
            20,
            "a page of twenty"
        );
        assert!(html.contains("rel=\"next\""));
        let page2 = app.get("/ideeen?sort=newest&pagina=2", None).await.text();
        assert_eq!(
            page2.matches("class=\"idea-card").count(),
            8,
            "{}",
            app.backend
        );
        // Search with stemming: "betaling" finds "Betalingen".
        let found = app.get("/ideeen?q=betaling", None).await.text();
        assert_eq!(
            found.matches("class=\"idea-card").count(),
            3,
            "{}",
            app.backend
        );
        // Board filter, unknown board, bad sort.
        let zak = app.get("/ideeen?bord=zakelijk", None).await.text();
        assert_eq!(zak.matches("class=\"idea-card").count(), 0);
        assert_eq!(
            app.get("/ideeen?bord=bestaatniet", None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/ideeen?sort=raar", None).await.status,
            StatusCode::BAD_REQUEST
        );
        let missing = app.get("/ideeen/424242-bestaat-niet", None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(
            missing.text().contains("Idee niet gevonden"),
            "the public page, not the team's"
        );
        // JSON list and similar ideas for the form.
        let list = app
            .get("/api/v1/ideas?bord=particulier&sort=newest", None)
            .await
            .json();
        assert_eq!(list["ideas"].as_array().unwrap().len(), 20);
        assert_eq!(list["more"], true);
        let similar = app
            .get("/api/v1/ideas/similar?q=betalingen%20verwerken", None)
            .await
            .json();
        assert_eq!(
            similar["ideas"].as_array().unwrap().len(),
            3,
            "{}",
            app.backend
        );
        // Atom feed.
        let feed = app.get("/ideeen/feed.atom", None).await;
        assert!(feed.content_type().starts_with("application/atom+xml"));
        let xml = feed.text();
        assert!(xml.starts_with("<?xml"));
        assert_eq!(xml.matches("<entry>").count(), 28);
        let zakelijk = app
            .get("/ideeen/feed.atom?bord=zakelijk", None)
            .await
            .text();
        assert_eq!(zakelijk.matches("<entry>").count(), 0, "one panel's feed");
        assert_eq!(
            app.get("/ideeen/feed.atom?bord=geen", None).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn an_inbox_message_attached_to_an_idea_counts_and_hears_the_outcome() {
    for app in spawn_apps().await {
        boards(&app).await;
        let c = customer(&app, "c@voorbeeld.nl", true).await;
        let (id, location) = post_idea(&app, &c, "Donkere modus in de app", "").await;
        let report = app
            .ingest_ok(&msg("forum-1", "Doe eens een donkere modus in jullie app"))
            .await;
        let conversation = conversation_of(&report["results"][0]);
        let agent = app.login_as(&app.agent).await;
        let r = app
            .post_form(
                &format!("/c/{}/idee", conversation.0),
                Some(&agent),
                &[("csrf", &agent.csrf), ("idee", &id.0.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let conv = app
            .get(&format!("/c/{}", conversation.0), Some(&agent))
            .await
            .text();
        assert!(conv.contains("Donkere modus in de app"), "{}", app.backend);
        let html = app.get(&location, None).await.text();
        assert!(
            html.contains("+1 via Koppeling (webhook)"),
            "{}",
            app.backend
        );
        let lead = app.login_as(&app.lead).await;
        app.post_form_with_cookies(
            &format!("/ideeen/{}/status", id.0),
            &staff_cookie(&lead),
            &[
                ("csrf", &lead.csrf),
                ("status", "under_review"),
                ("uitleg", "We bekijken wat het kost."),
            ],
        )
        .await;
        let detail = app.detail(conversation).await;
        assert_eq!(
            detail.replies.len(),
            1,
            "{}: a reply to the social author",
            app.backend
        );
        assert!(detail.replies[0].text.contains("Wordt bekeken"));
        assert!(detail.replies[0].text.contains(&location));
        // An unknown idea is explained.
        let r = app
            .post_form(
                &format!("/c/{}/idee", conversation.0),
                Some(&agent),
                &[("csrf", &agent.csrf), ("idee", "424242")],
            )
            .await;
        assert!(
            r.location()
                .unwrap()
                .contains("error=feedback_attach_unknown")
        );
    }
}

#[tokio::test]
async fn every_page_renders_in_both_languages_for_every_role() {
    for app in spawn_apps().await {
        boards(&app).await;
        let c = customer(&app, "c@voorbeeld.nl", true).await;
        let (id, location) = post_idea(&app, &c, "Betalen met je horloge", "Graag").await;
        let (held, _) = post_idea(&app, &c, "Wat een klotebank zijn jullie", "").await;
        app.store
            .report(id, None, Some(c.account.id), "spam")
            .await
            .unwrap();
        let admin = app.login_as(&app.admin).await;
        app.post_form_with_cookies(
            &format!("/ideeen/{}/status", id.0),
            &staff_cookie(&admin),
            &[
                ("csrf", &admin.csrf),
                ("status", "declined"),
                ("uitleg", "Past niet in onze plannen."),
            ],
        )
        .await;
        app.post_form_with_cookies(
            &format!("/ideeen/{}/reactie", id.0),
            &c.cookies,
            &[("csrf", &c.csrf), ("tekst", "Jammer!")],
        )
        .await;
        let lead = app.login_as(&app.lead).await;
        let agent = app.login_as(&app.agent).await;
        let who = [
            ("anonymous".to_owned(), String::new()),
            ("customer".to_owned(), c.cookies.clone()),
            ("agent".to_owned(), staff_cookie(&agent)),
            ("lead".to_owned(), staff_cookie(&lead)),
            (
                "admin".to_owned(),
                format!("{}; {}", staff_cookie(&admin), c.cookies),
            ),
        ];
        for lang in ["nl", "en"] {
            for (name, cookies) in &who {
                for path in [
                    "/ideeen".to_owned(),
                    "/ideeen?bord=particulier&status=declined".to_owned(),
                    location.clone(),
                    format!("/ideeen/{}", held.0),
                    "/ideeen/nieuw?titel=horloge%20betalen".to_owned(),
                ] {
                    let sep = if path.contains('?') { '&' } else { '?' };
                    let r = app
                        .get_with_cookies(&format!("{path}{sep}lang={lang}"), cookies)
                        .await;
                    assert_eq!(
                        r.status,
                        StatusCode::OK,
                        "{} {name} {lang} {path}: {}",
                        app.backend,
                        r.text()
                    );
                }
                let desk = app
                    .get_with_cookies(&format!("/ideeen/beheer?lang={lang}"), cookies)
                    .await;
                let expected = if name == "anonymous" || name == "customer" {
                    StatusCode::SEE_OTHER
                } else {
                    StatusCode::OK
                };
                assert_eq!(
                    desk.status,
                    expected,
                    "{} {name} {lang}: {}",
                    app.backend,
                    desk.text()
                );
            }
        }
        let en = app
            .get_with_cookies("/ideeen/beheer?lang=en", &staff_cookie(&admin))
            .await
            .text();
        assert!(en.contains("Add panel"), "admins manage boards");
        assert!(en.contains("Waiting for review"));
        let lead_desk = app
            .get_with_cookies("/ideeen/beheer", &staff_cookie(&lead))
            .await
            .text();
        assert!(
            !lead_desk.contains("Panel toevoegen"),
            "only admins manage boards"
        );
    }
}

#[tokio::test]
async fn customers_and_the_team_export_and_erase_account_data() {
    for app in spawn_apps().await {
        boards(&app).await;
        let c = customer(&app, "eigen@voorbeeld.nl", true).await;
        let (id, location) = post_idea(&app, &c, "Mijn idee over sparen", "").await;
        // The customer's own download.
        let r = app.get_with_cookies("/account/gegevens", &c.cookies).await;
        assert_eq!(r.status, StatusCode::OK, "{}", app.backend);
        assert!(r.headers.get(header::CONTENT_DISPOSITION).is_some());
        let data = r.json();
        assert_eq!(data["account"]["email"], "eigen@voorbeeld.nl");
        assert_eq!(data["ideas"][0]["id"], id.0);
        assert_eq!(
            app.get("/account/gegevens", None).await.status,
            StatusCode::SEE_OTHER
        );
        // The team: leads only.
        let agent = app.login_as(&app.agent).await;
        let lead = app.login_as(&app.lead).await;
        let path = "/privacy/account?email=eigen%40voorbeeld.nl";
        assert_eq!(
            app.get(path, Some(&agent)).await.status,
            StatusCode::FORBIDDEN
        );
        let r = app.get(path, Some(&lead)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["ideas"][0]["title"], "Mijn idee over sparen");
        assert_eq!(
            app.get("/privacy/account?email=niemand%40voorbeeld.nl", Some(&lead))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        // Erasing needs the address twice.
        let r = app
            .post_form(
                "/privacy/account/erase",
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("email", "eigen@voorbeeld.nl"),
                    ("confirm", "ander@voorbeeld.nl"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .post_form(
                "/privacy/account/erase",
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("email", "eigen@voorbeeld.nl"),
                    ("confirm", "eigen@voorbeeld.nl"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            app.store
                .account_for_login("eigen@voorbeeld.nl")
                .await
                .unwrap()
                .is_none()
        );
        let html = app.get(&location, None).await.text();
        assert!(html.contains("verwijderd account"), "{}", app.backend);
        assert!(html.contains("Mijn idee over sparen"), "the idea stays");
        let page = app.get("/privacy?account_erased=1", Some(&lead)).await;
        assert!(page.text().contains("Het account is verwijderd."));
    }
}

#[tokio::test]
async fn followers_who_asked_for_it_get_reaction_mail() {
    for app in spawn_apps().await {
        boards(&app).await;
        let author = customer(&app, "auteur@voorbeeld.nl", true).await;
        let fan = customer(&app, "fan@voorbeeld.nl", true).await;
        let quiet = customer(&app, "stil@voorbeeld.nl", true).await;
        let (id, _) = post_idea(&app, &author, "Sparen voor een huis", "").await;
        for c in [&fan, &quiet] {
            app.store.follow(id, c.account.id, true).await.unwrap();
        }
        app.store
            .update_account(author.account.id, "auteur", "nl", true, true)
            .await
            .unwrap();
        app.store
            .update_account(fan.account.id, "fan", "en", true, true)
            .await
            .unwrap();
        let before = app.store.due_mail(100).await.unwrap().len();
        let r = app
            .post_form_with_cookies(
                &format!("/ideeen/{}/reactie", id.0),
                &fan.cookies,
                &[
                    ("csrf", &fan.csrf),
                    ("tekst", "Ik zou dit direct gebruiken"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mail = app.store.due_mail(100).await.unwrap();
        let new: Vec<_> = mail.iter().skip(before).collect();
        assert_eq!(
            new.len(),
            1,
            "{}: only the author (the fan wrote it, the quiet one said no)",
            app.backend
        );
        assert_eq!(new[0].to, "auteur@voorbeeld.nl");
        assert!(new[0].body.contains("Ik zou dit direct gebruiken"));
        let lead = app.login_as(&app.lead).await;
        app.post_form_with_cookies(
            &format!("/ideeen/{}/antwoord", id.0),
            &staff_cookie(&lead),
            &[("csrf", &lead.csrf), ("tekst", "Dank, we nemen het mee.")],
        )
        .await;
        let mail = app.store.due_mail(100).await.unwrap();
        let to_fan: Vec<_> = mail
            .iter()
            .filter(|m| m.to == "fan@voorbeeld.nl" && m.subject != "s")
            .collect();
        assert_eq!(to_fan.len(), 1, "{}", app.backend);
        assert!(
            to_fan[0].subject.starts_with("New reaction"),
            "in the fan's language"
        );
    }
}

#[tokio::test]
async fn the_mail_outbox_is_visible_to_admins_and_in_metrics() {
    for app in spawn_apps().await {
        boards(&app).await;
        // Two customers: two verification mails queued (no mail worker runs in this test).
        customer(&app, "a@voorbeeld.nl", true).await;
        customer(&app, "b@voorbeeld.nl", false).await;
        let metrics = app
            .get("/metrics", Some(&app.login_as(&app.admin).await))
            .await
            .text();
        assert!(
            metrics.contains("wederhoor_mail_outbox{state=\"queued\"} 2"),
            "{}: {metrics}",
            app.backend
        );
        assert!(metrics.contains("wederhoor_mail_outbox{state=\"failed\"} 0"));
        let due = app.store.due_mail(10).await.unwrap();
        app.store
            .mail_failed(due[0].id, "550 mailbox unavailable", None)
            .await
            .unwrap();
        let admin = app.login_as(&app.admin).await;
        let desk = app
            .get_with_cookies("/ideeen/beheer", &staff_cookie(&admin))
            .await
            .text();
        assert!(desk.contains("550 mailbox unavailable"), "{}", app.backend);
        assert!(desk.contains("mislukt"));
        let lead = app.login_as(&app.lead).await;
        let desk = app
            .get_with_cookies("/ideeen/beheer", &staff_cookie(&lead))
            .await
            .text();
        assert!(
            !desk.contains("a@voorbeeld.nl"),
            "addresses only for admins"
        );
        let metrics = app
            .get("/metrics", Some(&app.login_as(&app.admin).await))
            .await
            .text();
        assert!(metrics.contains("wederhoor_mail_outbox{state=\"failed\"} 1"));
    }
}

#[tokio::test]
async fn an_agent_turns_a_heard_suggestion_into_an_idea() {
    for app in spawn_apps().await {
        boards(&app).await;
        let report = app
            .ingest_ok(&msg(
                "forum-9",
                "Kunnen jullie spaardoelen maken in de app? Bel me op 06-12345678",
            ))
            .await;
        let conversation = conversation_of(&report["results"][0]);
        let agent = app.login_as(&app.agent).await;
        let page = app
            .get(&format!("/c/{}", conversation.0), Some(&agent))
            .await
            .text();
        assert!(page.contains("/nieuw-idee"), "{}", app.backend);
        // Personal data in the public text is refused.
        let r = app
            .post_form(
                &format!("/c/{}/nieuw-idee", conversation.0),
                Some(&agent),
                &[
                    ("csrf", &agent.csrf),
                    ("bord", "particulier"),
                    ("titel", "Spaardoelen in de app"),
                    ("tekst", "Bel 06-12345678"),
                ],
            )
            .await;
        assert!(r.location().unwrap().contains("error=feedback_no_pii"));
        let r = app
            .post_form(
                &format!("/c/{}/nieuw-idee", conversation.0),
                Some(&agent),
                &[
                    ("csrf", &agent.csrf),
                    ("bord", "particulier"),
                    ("titel", "Spaardoelen in de app"),
                    ("tekst", "Gehoord op het forum."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let location = r.location().unwrap().to_owned();
        assert!(location.contains("-spaardoelen-in-de-app"), "{location}");
        let html = app.get(&location, None).await.text();
        assert!(html.contains("Via Koppeling (webhook)"), "{}", app.backend);
        assert!(!html.contains("Klaas"), "not under the person's name");
        assert!(
            html.contains("+1 via"),
            "the message is attached as evidence"
        );
        let conv = app
            .get(&format!("/c/{}", conversation.0), Some(&agent))
            .await
            .text();
        assert!(conv.contains("Spaardoelen in de app"), "{}", app.backend);
        // Without CSRF nothing happens.
        let r = app
            .post_form(
                &format!("/c/{}/nieuw-idee", conversation.0),
                Some(&agent),
                &[
                    ("csrf", "x"),
                    ("bord", "particulier"),
                    ("titel", "Nog een idee hier"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_author_of_a_held_post_hears_the_decision() {
    for app in spawn_apps().await {
        boards(&app).await;
        let c = customer(&app, "boos@voorbeeld.nl", true).await;
        let (held, _) = post_idea(&app, &c, "Wat een klotebank zijn jullie", "Echt waar").await;
        let (fine, _) = post_idea(&app, &c, "Een gewoon idee voor de app", "").await;
        let r = app
            .post_form_with_cookies(
                &format!("/ideeen/{}/reactie", fine.0),
                &c.cookies,
                &[("csrf", &c.csrf), ("tekst", "Stelletje klootzakken")],
            )
            .await;
        assert!(r.location().unwrap().contains("ok=feedback_held_abuse"));
        let reaction = app.store.idea(fine).await.unwrap().unwrap().reactions[0].id;
        let lead = app.login_as(&app.lead).await;
        // The idea is approved, the reaction stays hidden with a reason.
        app.post_form_with_cookies(
            &format!("/ideeen/{}/verbergen", held.0),
            &staff_cookie(&lead),
            &[("csrf", &lead.csrf), ("reden", "")],
        )
        .await;
        app.post_form_with_cookies(
            &format!("/reacties/{}/verbergen", reaction.0),
            &staff_cookie(&lead),
            &[("csrf", &lead.csrf), ("reden", "schelden zonder inhoud")],
        )
        .await;
        let mail: Vec<_> = app
            .store
            .due_mail(50)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.to == "boos@voorbeeld.nl" && m.subject.contains("beoordeeld"))
            .collect();
        assert_eq!(mail.len(), 2, "{}", app.backend);
        assert!(
            mail.iter()
                .any(|m| m.body.contains("staat nu voor iedereen"))
        );
        assert!(
            mail.iter()
                .any(|m| m.body.contains("wegens: schelden zonder inhoud"))
        );
        // Hiding an ordinary (not held) idea sends no decision mail.
        app.post_form_with_cookies(
            &format!("/ideeen/{}/verbergen", fine.0),
            &staff_cookie(&lead),
            &[("csrf", &lead.csrf), ("reden", "dubbel")],
        )
        .await;
        let count = app
            .store
            .due_mail(50)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.subject.contains("beoordeeld"))
            .count();
        assert_eq!(count, 2, "{}", app.backend);
    }
}

#[tokio::test]
async fn customer_service_answers_and_specialists_decide() {
    for app in spawn_apps().await {
        boards(&app).await;
        let c = customer(&app, "c@voorbeeld.nl", true).await;
        let (id, location) = post_idea(&app, &c, "Chatten met de bank in de app", "").await;
        let agent = app.login_as(&app.agent).await;
        let page = app
            .get_with_cookies(&location, &staff_cookie(&agent))
            .await
            .text();
        assert!(page.contains("id=\"answer-form\""), "{}", app.backend);
        assert!(
            !page.contains("id=\"status-form\""),
            "agents do not set statuses"
        );
        let r = app
            .post_form_with_cookies(
                &format!("/ideeen/{}/antwoord", id.0),
                &staff_cookie(&agent),
                &[
                    ("csrf", &agent.csrf),
                    ("tekst", "Dank! Ik geef het door aan het appteam."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let html = app.get(&location, None).await.text();
        assert!(html.contains("Ik geef het door aan het appteam."));
        assert!(html.contains("Anna Agent"), "under the agent's own name");
        let lead = app.login_as(&app.lead).await;
        let page = app
            .get_with_cookies(&location, &staff_cookie(&lead))
            .await
            .text();
        assert!(page.contains("id=\"status-form\""), "{}", app.backend);
    }
}

/// Ingests one message with another source's token; the conversation it went to.
async fn ingest_with_token(
    app: &TestApp,
    token: &str,
    message: serde_json::Value,
) -> wederhoor_core::ConversationId {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/ingest")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(message.to_string()))
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", app.backend, r.text());
    conversation_of(&r.json()["results"][0])
}

#[tokio::test]
async fn status_updates_respect_the_whatsapp_window_and_the_authors_language() {
    for app in spawn_apps().await {
        let b = app.backend;
        boards(&app).await;
        let c = customer(&app, "c@voorbeeld.nl", true).await;
        let (id, _) = post_idea(&app, &c, "Donkere modus in de app", "").await;
        let (_, wa_token) = app
            .store
            .create_source(&wederhoor_store::NewSource {
                kind: "whatsapp".into(),
                name: "zuiderbank-whatsapp".into(),
                delivery_kind: wederhoor_core::DeliveryKind::Whatsapp,
                delivery_url: None,
                delivery_secret: None,
            })
            .await
            .unwrap();
        let day_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(25);
        let hour_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
        let stale = ingest_with_token(&app, &wa_token, json!({"id": "wa-old", "created_at": day_ago.to_string(),
            "text": "Kunnen jullie een donkere modus maken in de app?", "author": {"handle": "31611111111"}})).await;
        let fresh = ingest_with_token(&app, &wa_token, json!({"id": "wa-new", "created_at": hour_ago.to_string(),
            "text": "Please add a dark mode to the app, my eyes hurt at night", "author": {"handle": "31622222222"}})).await;
        let english = conversation_of(
            &app.ingest_ok(&msg(
                "en-1",
                "Could you please add a dark mode to your app? It would really help me at night.",
            ))
            .await["results"][0],
        );
        let french = conversation_of(&app.ingest_ok(&msg("fr-1",
            "Pourriez-vous ajouter un mode sombre à votre application ? Ce serait vraiment utile le soir.")).await["results"][0]);
        let dutch = conversation_of(
            &app.ingest_ok(&msg(
                "nl-1",
                "Doe eens een donkere modus in jullie app, dat zou echt fijn zijn",
            ))
            .await["results"][0],
        );
        let agent = app.login_as(&app.agent).await;
        for conversation in [stale, fresh, english, french, dutch] {
            let r = app
                .post_form(
                    &format!("/c/{}/idee", conversation.0),
                    Some(&agent),
                    &[("csrf", &agent.csrf), ("idee", &id.0.to_string())],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        }
        let lead = app.login_as(&app.lead).await;
        app.post_form_with_cookies(
            &format!("/ideeen/{}/status", id.0),
            &staff_cookie(&lead),
            &[
                ("csrf", &lead.csrf),
                ("status", "under_review"),
                ("uitleg", "We bekijken wat het kost."),
            ],
        )
        .await;

        // Outside WhatsApp's 24 hours: no free text, and the case says why.
        assert!(
            app.detail(stale).await.replies.is_empty(),
            "{b}: sent outside the window"
        );
        let page = app
            .get(&format!("/c/{}", stale.0), Some(&agent))
            .await
            .text();
        assert!(page.contains("data-action=\"reply.skipped\""), "{b}");
        assert!(
            page.contains(
                "Statusupdate niet verstuurd: het WhatsApp-venster van 24 uur is gesloten"
            ),
            "{b}"
        );
        // Within it, and elsewhere: in the language the author wrote in.
        let text_of = |d: wederhoor_store::ConversationDetail| {
            d.replies
                .first()
                .map(|r| r.text.clone())
                .unwrap_or_default()
        };
        let fresh_text = text_of(app.detail(fresh).await);
        assert!(
            fresh_text.starts_with("Update on the idea"),
            "{b}: {fresh_text}"
        );
        let en = text_of(app.detail(english).await);
        assert!(
            en.starts_with("Update on the idea") && en.contains("Under review"),
            "{b}: {en}"
        );
        let fr = text_of(app.detail(french).await);
        assert!(fr.starts_with("Du nouveau pour l'idée"), "{b}: {fr}");
        let nl = text_of(app.detail(dutch).await);
        assert!(
            nl.starts_with("Update over het idee") && nl.contains("Wordt bekeken"),
            "{b}: {nl}"
        );
    }
}
