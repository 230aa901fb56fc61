//! `serve --demo` fills the feedback page: both boards, ideas in at least four colours, votes,
//! a pinned idea and staff answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use std::collections::BTreeSet;
use wederhoor_core::idea::IdeaSort;
use wederhoor_store::{IdeaFilter, Store};

#[tokio::test]
async fn the_demo_has_both_boards_and_ideas_in_four_colours() {
    let dir = common::data_dir("demo-feedback");
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    let target = Target {
        data_dir: dir.clone(),
        database_url: Some(url.clone()),
    };
    // The demo is loaded before the server listens, so it is complete once the URL is printed.
    let _server = target.serve_with(&["--demo"]);
    let store = Store::open(&url).await.unwrap();

    let boards = store.boards().await.unwrap();
    let slugs: Vec<&str> = boards.iter().map(|b| b.slug.as_str()).collect();
    assert!(slugs.contains(&"particulier"), "{slugs:?}");
    assert!(slugs.contains(&"zakelijk"), "{slugs:?}");
    for b in &boards {
        assert!(
            b.statuses.iter().map(|s| s.listed_ideas).sum::<i64>() >= 5,
            "{}",
            b.slug
        );
    }

    let (ideas, _) = store
        .list_ideas(&IdeaFilter {
            board: None,
            status: None,
            terms: Vec::new(),
            sort: IdeaSort::Trending,
            limit: 100,
            offset: 0,
        })
        .await
        .unwrap();
    assert!(ideas.len() >= 12, "{} ideas", ideas.len());
    let colours: BTreeSet<_> = ideas.iter().map(|i| i.colour).collect();
    assert!(colours.len() >= 4, "{colours:?}");
    assert!(ideas.iter().any(|i| i.votes >= 3));
    assert!(ideas.iter().any(|i| i.evidence > 0), "no evidence attached");
    assert_eq!(store.pinned_ideas(None).await.unwrap().len(), 1);

    let top = ideas.iter().find(|i| i.pinned).unwrap();
    let detail = store.idea(top.id).await.unwrap().unwrap();
    assert!(
        detail
            .reactions
            .iter()
            .any(|r| r.staff && r.department.is_some())
    );
    assert!(detail.reactions.iter().any(|r| r.parent_id.is_some()));
    assert!(!detail.history.is_empty());

    // Panels (#13): one published question with answers and a conclusion, linked to an idea.
    let published = store.published_panel_questions(None, 10).await.unwrap();
    assert_eq!(published.len(), 1, "{published:?}");
    let q = &published[0];
    assert!(q.answers >= 3 && q.conclusion.is_some(), "{q:?}");
    assert_eq!(q.ideas.len(), 1, "{q:?}");
    let linked = store
        .published_panel_questions(Some(wederhoor_core::IdeaId(q.ideas[0].0)), 10)
        .await
        .unwrap();
    assert_eq!(linked.len(), 1);
    // The demo's structural issue, in progress with its linked cases, for a lead to see.
    let issues = store.structural_issues(false).await.unwrap();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].title, "Pas ingeslikt door automaat");
    assert_eq!(issues[0].cases, 5);
    assert_eq!(issues[0].state, wederhoor_core::StructuralState::InProgress);
    assert!(!issues[0].resolution.is_empty());
}
