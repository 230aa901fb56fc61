//! The feedback page's store: boards, ideas, votes, statuses, merges, moderation, accounts and
//! the mail outbox. Runs against SQLite always and PostgreSQL when WEDERHOOR_TEST_PG is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use wederhoor_core::idea::{Department, Hidden, IdeaColour, IdeaSort, search_terms};
use wederhoor_core::*;
use wederhoor_store::testing::fresh_stores;
use wederhoor_store::*;

async fn board(store: &Store, slug: &str) -> Board {
    store
        .create_board(
            &NewBoard {
                slug: slug.into(),
                name_nl: "Particulier".into(),
                name_en: "Personal".into(),
                description_nl: String::new(),
                description_en: String::new(),
            },
            None,
        )
        .await
        .unwrap()
}

/// A verified account (through the real verification token).
async fn account(store: &Store, email: &str) -> Account {
    let token = random_token();
    let a = store
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
                subject: "Bevestig".into(),
                body: format!("/account/bevestigen?token={token}"),
                idempotency_key: format!("verify-{email}"),
            },
        )
        .await
        .unwrap();
    assert_eq!(store.verify_account(&token).await.unwrap(), Some(a.id));
    store.account(a.id).await.unwrap().unwrap()
}

async fn agent(store: &Store) -> Agent {
    store
        .create_agent(
            &NewAgent {
                username: "pieter".into(),
                display_name: "Pieter de Vries".into(),
                role: Role::Specialist,
                password_hash: "x".into(),
            },
            None,
        )
        .await
        .unwrap()
}

async fn idea(store: &Store, board: &Board, who: &Account, title: &str) -> IdeaId {
    store
        .create_idea(&NewIdea {
            board: board.id,
            poster: Poster::Customer {
                account: who.id,
                name: who.display_name.clone(),
            },
            title: title.into(),
            body: "Zou fijn zijn.".into(),
            hidden: None,
        })
        .await
        .unwrap()
}

fn filter(board: &Board, sort: IdeaSort) -> IdeaFilter {
    IdeaFilter {
        board: Some(board.id),
        status: None,
        terms: vec![],
        sort,
        limit: 20,
        offset: 0,
    }
}

fn listed(board: &Board, key: &str) -> i64 {
    board.status(key).unwrap().listed_ideas
}

async fn board_now(store: &Store, id: BoardId) -> Board {
    store
        .boards()
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.id == id)
        .unwrap()
}

#[tokio::test]
async fn an_idea_starts_grey_with_its_authors_vote_and_follow() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let b = board(&store, "particulier").await;
        assert_eq!(b.statuses.len(), 5, "{backend}");
        let sanne = account(&store, "sanne@voorbeeld.nl").await;
        let id = idea(&store, &b, &sanne, "Donkere modus in de app").await;
        let d = store.idea(id).await.unwrap().unwrap();
        assert_eq!(d.summary.status, "new", "{backend}");
        assert_eq!(d.summary.colour, IdeaColour::Grey);
        assert_eq!(d.summary.votes, 1, "{backend}");
        let (votes, follows) = store.my_marks(sanne.id, &[id]).await.unwrap();
        assert!(votes.contains(&id) && follows.contains(&id), "{backend}");
        assert_eq!(
            listed(&board_now(&store, b.id).await, "new"),
            1,
            "{backend}"
        );
        // Another board's list does not show it.
        let other = board(&store, "zakelijk").await;
        let (page, more) = store
            .list_ideas(&filter(&other, IdeaSort::Trending))
            .await
            .unwrap();
        assert!(page.is_empty() && !more, "{backend}");
    }
}

#[tokio::test]
async fn concurrent_votes_count_once_per_account() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let b = board(&store, "particulier").await;
        let author = account(&store, "auteur@voorbeeld.nl").await;
        let id = idea(&store, &b, &author, "Sparen voor de kinderen").await;
        let mut voters = Vec::new();
        for i in 0..8 {
            voters.push(account(&store, &format!("stemmer{i}@voorbeeld.nl")).await);
        }
        // Every voter sends five votes at once; the author votes again too.
        let mut tasks = Vec::new();
        for v in voters.iter().chain(std::iter::once(&author)) {
            for _ in 0..5 {
                let store = store.clone();
                let account = v.id;
                tasks.push(tokio::spawn(async move { store.vote(id, account).await }));
            }
        }
        let mut added = 0;
        for t in tasks {
            let outcome = t
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("{backend}: {e}"));
            if outcome == VoteOutcome::Added {
                added += 1;
            }
        }
        assert_eq!(added, 8, "{backend}: one added vote per new voter");
        let d = store.idea(id).await.unwrap().unwrap();
        assert_eq!(
            d.summary.votes, 9,
            "{backend}: eight voters plus the author"
        );
        // Taking a vote back twice counts once.
        assert!(store.unvote(id, voters[0].id).await.unwrap());
        assert!(!store.unvote(id, voters[0].id).await.unwrap());
        assert_eq!(store.idea(id).await.unwrap().unwrap().summary.votes, 8);
        // Each counted vote and the taken-back one are audited, the accounts too, and the
        // concurrent writers left one unbroken hash chain.
        let actions: Vec<String> = store
            .audit_of("idea", id.0)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, _, action, _)| action)
            .collect();
        assert_eq!(
            actions.iter().filter(|a| *a == "idea.vote").count(),
            8,
            "{backend}"
        );
        assert_eq!(
            actions.iter().filter(|a| *a == "idea.unvote").count(),
            1,
            "{backend}"
        );
        let account_actions: Vec<String> = store
            .audit_of("account", author.id.0)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, _, action, _)| action)
            .collect();
        assert_eq!(
            account_actions,
            ["account.create", "account.verify"],
            "{backend}"
        );
        assert!(
            matches!(
                store.verify_audit_chain().await.unwrap(),
                AuditCheck::Intact { unchained: 0, .. }
            ),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn lists_sort_search_and_page() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let b = board(&store, "particulier").await;
        let a = account(&store, "a@voorbeeld.nl").await;
        let v1 = account(&store, "v1@voorbeeld.nl").await;
        let v2 = account(&store, "v2@voorbeeld.nl").await;
        let first = idea(&store, &b, &a, "Betalen met je horloge").await;
        let second = idea(&store, &b, &a, "Spaarrekening voor kinderen").await;
        let third = idea(&store, &b, &a, "Betalingen sneller zichtbaar").await;
        store.vote(first, v1.id).await.unwrap();
        store.vote(first, v2.id).await.unwrap();
        store.vote(second, v1.id).await.unwrap();
        let ids = |page: &[IdeaSummary]| page.iter().map(|i| i.id).collect::<Vec<_>>();
        let before = store.query_count();
        let (page, more) = store
            .list_ideas(&filter(&b, IdeaSort::MostVotes))
            .await
            .unwrap();
        assert_eq!(
            store.query_count() - before,
            1,
            "{backend}: one query per page"
        );
        assert_eq!(ids(&page), vec![first, second, third], "{backend}");
        assert!(!more);
        let (page, _) = store
            .list_ideas(&filter(&b, IdeaSort::Newest))
            .await
            .unwrap();
        assert_eq!(ids(&page), vec![third, second, first], "{backend}");
        // Trending: three votes just now beat one vote just now.
        let (page, _) = store
            .list_ideas(&filter(&b, IdeaSort::Trending))
            .await
            .unwrap();
        assert_eq!(page[0].id, first, "{backend}");
        // Paging with a page size of two.
        let mut f = filter(&b, IdeaSort::Newest);
        f.limit = 2;
        let (p1, more1) = store.list_ideas(&f).await.unwrap();
        f.offset = 2;
        let (p2, more2) = store.list_ideas(&f).await.unwrap();
        assert_eq!((p1.len(), more1, p2.len(), more2), (2, true, 1, false));
        // Search with Dutch stems: "betaling" finds "Betalen" and "Betalingen".
        let mut f = filter(&b, IdeaSort::Newest);
        f.terms = search_terms("betaling", 8);
        let (page, _) = store.list_ideas(&f).await.unwrap();
        assert_eq!(ids(&page), vec![third, first], "{backend}");
        f.terms = search_terms("betaling horloge", 8);
        let (page, _) = store.list_ideas(&f).await.unwrap();
        assert_eq!(ids(&page), vec![first], "{backend}");
        // Similar ideas while typing a new one.
        let similar = store
            .similar_ideas(&search_terms("Met mijn horloge betalen", 8), None, 5)
            .await
            .unwrap();
        assert_eq!(similar.first().map(|i| i.id), Some(first), "{backend}");
        // Filter by status.
        let mut f = filter(&b, IdeaSort::Newest);
        f.status = Some("planned".into());
        assert!(store.list_ideas(&f).await.unwrap().0.is_empty());
    }
}

#[tokio::test]
async fn a_status_change_is_explained_counted_and_announced() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let b = board(&store, "particulier").await;
        let author = account(&store, "auteur@voorbeeld.nl").await;
        let follower = account(&store, "volger@voorbeeld.nl").await;
        let quiet = account(&store, "stil@voorbeeld.nl").await;
        let id = idea(&store, &b, &author, "Donkere modus in de app").await;
        store.follow(id, follower.id, true).await.unwrap();
        store.follow(id, quiet.id, true).await.unwrap();
        store
            .update_account(quiet.id, "stil", "en", false, false)
            .await
            .unwrap();
        // A social message from the inbox, attached as evidence.
        let (source, _) = store
            .create_source(&NewSource {
                kind: "mastodon".into(),
                name: "Mastodon".into(),
                delivery_kind: DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: None,
            })
            .await
            .unwrap();
        let message: ValidMessage = IncomingMessage {
            id: Some("toot-1".into()),
            text: Some("Doe eens een donkere modus @zuiderbank".into()),
            author: Some(IncomingAuthor {
                handle: Some("@jan@mastodon.nl".into()),
                ..Default::default()
            }),
            ..Default::default()
        }
        .parse(jiff::Timestamp::now())
        .unwrap();
        let triage = Triage {
            language: "nl".into(),
            sentiment: Sentiment {
                label: SentimentLabel::Neutral,
                score: 0.0,
            },
            abusive: false,
            pii: vec![],
            topics: vec![],
            priority: 1,
            verdict: Verdict {
                action: Action::Respond,
                rule: "r".into(),
                reason: "r".into(),
                confidence: 1.0,
            },
            evidence: vec![],
        };
        let out = store
            .ingest_batch(source.id, &[(message, triage)], None)
            .await
            .unwrap();
        let IngestOutcome::Stored {
            message,
            conversation,
        } = out[0]
        else {
            panic!("not stored")
        };
        let staff = agent(&store).await;
        assert!(store.attach_evidence(id, message, staff.id).await.unwrap());
        assert!(!store.attach_evidence(id, message, staff.id).await.unwrap());
        let attached = store.ideas_of_conversation(conversation).await.unwrap();
        assert_eq!(attached.len(), 1, "{backend}");
        let d = store.idea(id).await.unwrap().unwrap();
        assert_eq!(
            d.evidence_by_kind,
            vec![("mastodon".to_owned(), 1)],
            "{backend}"
        );

        let mail = |f: &Follower| (format!("Status [{}]", f.language), "Gaat door".to_owned());
        let outcome = store
            .set_idea_status(
                id,
                "planned",
                "We bouwen het in het voorjaar.",
                (staff.id, "Pieter de Vries", Some(Department::Product)),
                &mail,
                Some(&|_: &str| "Goed nieuws: uw idee gaat door.".to_owned()),
            )
            .await
            .unwrap();
        assert_eq!(
            outcome,
            StatusOutcome {
                mails: 2,
                social_replies: 1,
                skipped: 0
            },
            "{backend}: author and follower, not the one who turned status mail off"
        );
        let due = store.due_mail(50).await.unwrap();
        let recipients: Vec<&str> = due
            .iter()
            .filter(|m| m.subject.starts_with("Status"))
            .map(|m| m.to.as_str())
            .collect();
        assert_eq!(recipients.len(), 2, "{backend}");
        assert!(recipients.contains(&"auteur@voorbeeld.nl"));
        assert!(recipients.contains(&"volger@voorbeeld.nl"));
        let d = store.idea(id).await.unwrap().unwrap();
        assert_eq!(d.summary.colour, IdeaColour::Green, "{backend}");
        assert_eq!(d.history.len(), 1);
        assert_eq!(d.history[0].explanation, "We bouwen het in het voorjaar.");
        assert_eq!(d.history[0].department, Some(Department::Product));
        let b = board_now(&store, b.id).await;
        assert_eq!(
            (listed(&b, "new"), listed(&b, "planned")),
            (0, 1),
            "{backend}"
        );
        let conv = store.conversation(conversation).await.unwrap().unwrap();
        assert_eq!(
            conv.replies.len(),
            1,
            "{backend}: a reply to the social author is queued"
        );
        // An unknown status is refused and changes nothing.
        let err = store
            .set_idea_status(
                id,
                "onbekend",
                "Dit bestaat niet op dit bord.",
                (staff.id, "Pieter", None),
                &mail,
                None,
            )
            .await;
        assert!(
            matches!(err, Err(StoreError::NotFound("status"))),
            "{backend}"
        );
        assert_eq!(store.idea(id).await.unwrap().unwrap().history.len(), 1);
    }
}

#[tokio::test]
async fn merging_moves_votes_once_and_redirects() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let b = board(&store, "particulier").await;
        let a = account(&store, "a@voorbeeld.nl").await;
        let both = account(&store, "beide@voorbeeld.nl").await;
        let only_dup = account(&store, "dup@voorbeeld.nl").await;
        let keep = idea(&store, &b, &a, "Donkere modus in de app").await;
        let dup = idea(&store, &b, &a, "Dark mode graag").await;
        store.vote(keep, both.id).await.unwrap();
        store.vote(dup, both.id).await.unwrap();
        store.vote(dup, only_dup.id).await.unwrap();
        let staff = agent(&store).await;
        store
            .add_reaction(&NewReaction {
                idea: dup,
                parent: None,
                poster: Poster::Customer {
                    account: only_dup.id,
                    name: "dup".into(),
                },
                body: "Ja graag!".into(),
                hidden: None,
            })
            .await
            .unwrap();
        store.merge_ideas(dup, keep, staff.id).await.unwrap();
        let kept = store.idea(keep).await.unwrap().unwrap();
        // a (author of both), beide, dup: three distinct accounts.
        assert_eq!(kept.summary.votes, 3, "{backend}");
        assert_eq!(kept.reactions.len(), 1, "{backend}: the reaction moved");
        assert_eq!(kept.summary.reactions, 1);
        let gone = store.idea(dup).await.unwrap().unwrap();
        assert_eq!(gone.merged_into, Some(keep), "{backend}");
        let (page, _) = store
            .list_ideas(&filter(&b, IdeaSort::Newest))
            .await
            .unwrap();
        assert_eq!(page.len(), 1, "{backend}: the duplicate is not listed");
        assert_eq!(listed(&board_now(&store, b.id).await, "new"), 1);
        let (votes, _) = store.my_marks(only_dup.id, &[keep]).await.unwrap();
        assert!(votes.contains(&keep));
        assert!(store.merge_ideas(dup, keep, staff.id).await.is_err());
        assert!(store.merge_ideas(keep, keep, staff.id).await.is_err());
    }
}

#[tokio::test]
async fn hidden_posts_leave_lists_and_counts() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let b = board(&store, "particulier").await;
        let a = account(&store, "a@voorbeeld.nl").await;
        let id = idea(&store, &b, &a, "Een idee dat verborgen wordt").await;
        let rude = store
            .create_idea(&NewIdea {
                board: b.id,
                poster: Poster::Customer {
                    account: a.id,
                    name: "a".into(),
                },
                title: "Scheldwoorden zonder inhoud".into(),
                body: String::new(),
                hidden: Some(Hidden::PendingReview),
            })
            .await
            .unwrap();
        let pending = store.pending_posts(10).await.unwrap();
        assert_eq!(pending.len(), 1, "{backend}");
        assert_eq!(pending[0].idea_id, rude);
        store.report(id, None, Some(a.id), "spam").await.unwrap();
        assert_eq!(store.open_reports(10).await.unwrap().len(), 1);
        let staff = agent(&store).await;
        store
            .hide_idea(id, Some((Hidden::Staff, "reclame")), Some(staff.id))
            .await
            .unwrap();
        assert!(
            store.open_reports(10).await.unwrap().is_empty(),
            "{backend}"
        );
        let (page, _) = store
            .list_ideas(&filter(&b, IdeaSort::Newest))
            .await
            .unwrap();
        assert!(page.is_empty(), "{backend}");
        assert_eq!(listed(&board_now(&store, b.id).await, "new"), 0);
        let d = store.idea(id).await.unwrap().unwrap();
        assert_eq!(d.hidden, Some(Hidden::Staff));
        assert_eq!(d.hidden_reason.as_deref(), Some("reclame"));
        assert!(
            store.vote(id, a.id).await.is_err(),
            "{backend}: no votes on hidden ideas"
        );
        store.hide_idea(rude, None, Some(staff.id)).await.unwrap();
        assert_eq!(
            listed(&board_now(&store, b.id).await, "new"),
            1,
            "{backend}"
        );
        // Reactions: a hidden one does not count.
        let r = store
            .add_reaction(&NewReaction {
                idea: rude,
                parent: None,
                poster: Poster::Staff {
                    agent: staff.id,
                    name: "Pieter".into(),
                    department: Some(Department::CustomerService),
                },
                body: "Dank voor je idee.".into(),
                hidden: None,
            })
            .await
            .unwrap();
        let reply = store
            .add_reaction(&NewReaction {
                idea: rude,
                parent: Some(r),
                poster: Poster::Customer {
                    account: a.id,
                    name: "a".into(),
                },
                body: "Graag gedaan".into(),
                hidden: None,
            })
            .await
            .unwrap();
        // A reply to a reply hangs under the top-level reaction.
        let nested = store
            .add_reaction(&NewReaction {
                idea: rude,
                parent: Some(reply),
                poster: Poster::Customer {
                    account: a.id,
                    name: "a".into(),
                },
                body: "En nog iets".into(),
                hidden: None,
            })
            .await
            .unwrap();
        store
            .hide_reaction(reply, Some((Hidden::Staff, "off-topic")), Some(staff.id))
            .await
            .unwrap();
        let d = store.idea(rude).await.unwrap().unwrap();
        assert_eq!(d.summary.reactions, 2, "{backend}");
        let nested = d.reactions.iter().find(|x| x.id == nested).unwrap();
        assert_eq!(nested.parent_id, Some(r));
        assert!(d.reactions[0].staff);
        let report = store.feedback_report().await.unwrap();
        assert_eq!(report.ideas_with_staff_answer, 1, "{backend}");
        assert!(report.first_answer_median_ms.is_some());
        assert_eq!(report.waiting_total, 1);
    }
}

#[tokio::test]
async fn accounts_verify_once_and_delete_anonymously() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let b = board(&store, "particulier").await;
        let token = random_token();
        let new = NewAccount {
            email: "klant@voorbeeld.nl".into(),
            display_name: "Klant".into(),
            password_hash: "hash".into(),
            language: "nl".into(),
        };
        let mail = NewMail {
            to: new.email.clone(),
            subject: "Bevestig".into(),
            body: token.clone(),
            idempotency_key: "verify-1".into(),
        };
        let a = store.create_account(&new, &token, &mail).await.unwrap();
        assert!(!a.may_take_part(), "{backend}");
        assert!(matches!(
            store.create_account(&new, &random_token(), &mail).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            store.due_mail(10).await.unwrap().len(),
            1,
            "{backend}: mail queued once"
        );
        assert_eq!(store.verify_account("wrong").await.unwrap(), None);
        assert_eq!(store.verify_account(&token).await.unwrap(), Some(a.id));
        assert_eq!(
            store.verify_account(&token).await.unwrap(),
            None,
            "used once"
        );
        let (found, hash) = store
            .account_for_login("klant@voorbeeld.nl")
            .await
            .unwrap()
            .unwrap();
        assert!(found.may_take_part() && found.has_password && !found.oidc);
        assert_eq!(hash.as_deref(), Some("hash"));
        let session = store.create_account_session(a.id).await.unwrap();
        assert!(store.account_session(&session).await.unwrap().is_some());
        let id = idea(&store, &b, &found, "Mijn idee voor de app").await;
        store.delete_account(a.id).await.unwrap();
        assert!(
            store.account_session(&session).await.unwrap().is_none(),
            "{backend}"
        );
        assert!(
            store
                .account_for_login("klant@voorbeeld.nl")
                .await
                .unwrap()
                .is_none()
        );
        let d = store.idea(id).await.unwrap().unwrap();
        assert_eq!(
            d.summary.author_name, "",
            "{backend}: anonymised, not removed"
        );
        assert_eq!(d.summary.votes, 1, "{backend}: the vote stays counted");
        // The address is free again.
        let again = store
            .create_account(
                &new,
                &random_token(),
                &NewMail {
                    idempotency_key: "verify-2".into(),
                    ..mail.clone()
                },
            )
            .await;
        assert!(again.is_ok(), "{backend}");
    }
}

#[tokio::test]
async fn oidc_logins_link_only_verified_addresses() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let local = account(&store, "sanne@voorbeeld.nl").await;
        let login = OidcLogin {
            issuer: "https://id.voorbeeld.nl".into(),
            subject: "abc".into(),
            email: Some("sanne@voorbeeld.nl".into()),
            email_verified: true,
            name: "Sanne".into(),
            language: "nl".into(),
        };
        let linked = store.oidc_account(&login).await.unwrap();
        assert_eq!(linked.id, local.id, "{backend}");
        assert_eq!(store.oidc_account(&login).await.unwrap().id, local.id);
        // An unverified claim on a taken address gets its own account without the address.
        let other = store
            .oidc_account(&OidcLogin {
                subject: "xyz".into(),
                email_verified: false,
                ..login.clone()
            })
            .await
            .unwrap();
        assert_ne!(other.id, local.id, "{backend}");
        assert_eq!(other.email, None);
        assert!(!other.may_take_part());
    }
}

#[tokio::test]
async fn mail_outbox_retries_then_fails() {
    for (backend, store) in fresh_stores().await.unwrap() {
        store
            .queue_mail(&NewMail {
                to: "a@voorbeeld.nl".into(),
                subject: "s".into(),
                body: "b".into(),
                idempotency_key: "k".into(),
            })
            .await
            .unwrap();
        let due = store.due_mail(10).await.unwrap();
        assert_eq!(due.len(), 1, "{backend}");
        store
            .mail_failed(due[0].id, "421 try later", Some(i64::MAX / 2))
            .await
            .unwrap();
        assert!(store.due_mail(10).await.unwrap().is_empty(), "{backend}");
        assert_eq!(store.next_mail_due().await.unwrap(), Some(i64::MAX / 2));
        store.mail_failed(due[0].id, "550 no", None).await.unwrap();
        let recent = store.recent_mail(10).await.unwrap();
        assert_eq!(recent[0].state, "failed", "{backend}");
        assert_eq!(recent[0].attempts, 2);
        assert!(store.due_mail(10).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_new_installation_gets_the_two_panels_once() {
    for (backend, store) in fresh_stores().await.unwrap() {
        store.ensure_default_boards().await.unwrap();
        store.ensure_default_boards().await.unwrap();
        let slugs: Vec<String> = store
            .boards()
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.slug)
            .collect();
        assert_eq!(slugs, vec!["particulier", "zakelijk"], "{backend}");
    }
}

#[tokio::test]
async fn an_account_exports_what_it_wrote_and_voted() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let b = board(&store, "particulier").await;
        let a = account(&store, "a@voorbeeld.nl").await;
        let other = account(&store, "o@voorbeeld.nl").await;
        let mine = idea(&store, &b, &a, "Mijn eigen idee voor de app").await;
        let theirs = idea(&store, &b, &other, "Een idee van iemand anders").await;
        store.vote(theirs, a.id).await.unwrap();
        store
            .add_reaction(&NewReaction {
                idea: theirs,
                parent: None,
                poster: Poster::Customer {
                    account: a.id,
                    name: "a".into(),
                },
                body: "Goed plan".into(),
                hidden: None,
            })
            .await
            .unwrap();
        let export = store.account_export(a.id).await.unwrap().unwrap();
        assert_eq!(
            export.account.email.as_deref(),
            Some("a@voorbeeld.nl"),
            "{backend}"
        );
        assert_eq!(export.ideas.len(), 1);
        assert_eq!(export.ideas[0]["id"], mine.0);
        assert_eq!(
            export.votes.len(),
            2,
            "{backend}: own idea and the other one"
        );
        assert_eq!(export.reactions[0]["text"], "Goed plan");
        assert_eq!(export.following, vec![mine.0]);
        assert!(
            store
                .account_export(AccountId(999_999))
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn mail_workers_claim_each_mail_once() {
    for (backend, store) in fresh_stores().await.unwrap() {
        for i in 0..25 {
            store
                .queue_mail(&NewMail {
                    to: format!("k{i}@voorbeeld.nl"),
                    subject: "s".into(),
                    body: "b".into(),
                    idempotency_key: format!("k{i}"),
                })
                .await
                .unwrap();
        }
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.claim_due_mail(10, 60_000).await.unwrap()
            }));
        }
        let mut ids = Vec::new();
        for t in tasks {
            ids.extend(t.await.unwrap().into_iter().map(|m| m.id));
        }
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(
            (n, ids.len()),
            (25, 25),
            "{backend}: all claimed, none twice"
        );
        assert!(store.claim_due_mail(10, 60_000).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn an_oidc_login_in_progress_is_taken_once_and_expires() {
    for (backend, store) in fresh_stores().await.unwrap() {
        store
            .save_oidc_login("state-1", "nonce-1", "verifier-1", "/ideeen/3", 60_000)
            .await
            .unwrap();
        store
            .save_oidc_login("state-2", "nonce-2", "verifier-2", "/ideeen", -1)
            .await
            .unwrap();
        assert_eq!(
            store.take_oidc_login("state-1").await.unwrap(),
            Some((
                "nonce-1".to_owned(),
                "verifier-1".to_owned(),
                "/ideeen/3".to_owned()
            )),
            "{backend}"
        );
        assert_eq!(
            store.take_oidc_login("state-1").await.unwrap(),
            None,
            "used once"
        );
        assert_eq!(
            store.take_oidc_login("state-2").await.unwrap(),
            None,
            "expired"
        );
        assert_eq!(store.take_oidc_login("unknown").await.unwrap(), None);
    }
}

#[tokio::test]
async fn ideas_follows_reports_profile_changes_and_mail_write_audit_rows() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let b = board(&store, "audit").await;
        let who = account(&store, "audit@example.nl").await;
        let id = idea(&store, &b, &who, "Een idee om te auditen").await;
        store.follow(id, who.id, false).await.unwrap();
        store.follow(id, who.id, true).await.unwrap();
        store.report(id, None, Some(who.id), "spam").await.unwrap();
        let idea_actions: Vec<String> = store
            .audit_of("idea", id.0)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, _, action, _)| action)
            .collect();
        for wanted in ["idea.create", "idea.unfollow", "idea.follow", "idea.report"] {
            assert!(
                idea_actions.iter().any(|a| a == wanted),
                "{backend}: {wanted} in {idea_actions:?}"
            );
        }
        store
            .update_account(who.id, "Nieuwe naam", "en", true, false)
            .await
            .unwrap();
        let account_actions: Vec<String> = store
            .audit_of("account", who.id.0)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, _, action, _)| action)
            .collect();
        assert!(
            account_actions.iter().any(|a| a == "account.update"),
            "{backend}"
        );
        // The verification mail queued with the account: sent, and another failing.
        let mails = store.claim_due_mail(10, 60_000).await.unwrap();
        assert!(!mails.is_empty(), "{backend}");
        store.mail_sent(mails[0].id).await.unwrap();
        let sent = store.audit_of("mail", mails[0].id).await.unwrap();
        assert_eq!(sent.len(), 1, "{backend}");
        assert_eq!(sent[0].2, "mail.sent");
        assert!(
            !sent[0].3.contains('@'),
            "{backend}: no address in the audit log"
        );
        store
            .mail_failed(mails[0].id, "550 no such user", None)
            .await
            .unwrap();
        let trail = store.audit_of("mail", mails[0].id).await.unwrap();
        assert_eq!(trail.last().unwrap().2, "mail.failed");
        assert!(
            matches!(
                store.verify_audit_chain().await.unwrap(),
                AuditCheck::Intact { unchained: 0, .. }
            ),
            "{backend}"
        );
    }
}
