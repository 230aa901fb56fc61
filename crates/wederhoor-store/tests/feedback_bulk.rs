//! The bulk seeder of `wederhoor bench ideas` keeps the feedback invariants: votes and score per
//! idea match the vote rows, the board counts match the listed ideas, and the trending list is
//! ordered by score. SQLite always, PostgreSQL when WEDERHOOR_TEST_PG is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use wederhoor_core::idea::{IdeaSort, trend_weight};
use wederhoor_store::testing::fresh_stores;
use wederhoor_store::*;

#[tokio::test]
async fn bulk_seed_keeps_counts_scores_and_order() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let mut lines = Vec::new();
        store
            .seed_feedback_bulk(2, 500, 5_000, 300, |l| lines.push(l.to_owned()))
            .await
            .unwrap();
        assert!(!lines.is_empty(), "{backend}: no progress");
        assert_eq!(store.idea_count().await.unwrap(), 500, "{backend}");

        let tallies = store.idea_vote_tallies().await.unwrap();
        assert_eq!(tallies.len(), 500, "{backend}");
        let total: i64 = tallies.iter().map(|t| t.vote_rows).sum();
        assert_eq!(total, 5_000, "{backend}: all votes fit");
        let busiest = tallies.iter().map(|t| t.votes).max().unwrap();
        assert!(busiest >= 100, "{backend}: no skew ({busiest})");
        for t in &tallies {
            assert_eq!(t.votes, t.vote_rows, "{backend}: votes of {:?}", t.id);
            let expected = trend_weight(t.created_at) + t.weight_sum;
            assert!(
                ((t.score - expected) / expected).abs() < 1e-9,
                "{backend}: score of {:?}: {} vs {expected}",
                t.id,
                t.score
            );
        }

        let boards = store.boards().await.unwrap();
        assert_eq!(boards.len(), 2, "{backend}");
        let counted = store.listed_ideas_counted().await.unwrap();
        let mut listed_total = 0;
        for b in &boards {
            for s in &b.statuses {
                let want = counted
                    .iter()
                    .find(|(board, status, _)| *board == b.id && *status == s.key)
                    .map_or(0, |c| c.2);
                assert_eq!(s.listed_ideas, want, "{backend}: {} {}", b.slug, s.key);
                listed_total += s.listed_ideas;
            }
            // Several colours appear on every board.
            assert!(b.statuses.iter().filter(|s| s.listed_ideas > 0).count() >= 4);
        }
        assert!(
            (480..500).contains(&listed_total),
            "{backend}: a few hidden ({listed_total})"
        );

        // Trending: by score, descending, for a board and for all boards.
        let score_of = |id: wederhoor_core::IdeaId| {
            tallies
                .iter()
                .find(|t| t.id == id)
                .map(|t| t.score)
                .unwrap()
        };
        for board in [Some(boards[0].id), None] {
            let (page, more) = store
                .list_ideas(&IdeaFilter {
                    board,
                    status: None,
                    terms: Vec::new(),
                    sort: IdeaSort::Trending,
                    limit: 100,
                    offset: 0,
                })
                .await
                .unwrap();
            assert!(more);
            assert_eq!(page.len(), 100);
            let scores: Vec<f64> = page.iter().map(|i| score_of(i.id)).collect();
            assert!(
                scores.windows(2).all(|w| w[0] >= w[1]),
                "{backend}: not by score"
            );
        }
        let plan = store.explain_trending(Some(boards[0].id)).await.unwrap();
        assert!(!plan.is_empty(), "{backend}");

        // Search terms of the titles were written.
        let (found, _) = store
            .list_ideas(&IdeaFilter {
                board: None,
                status: None,
                terms: wederhoor_core::idea::search_terms("donkere modus", 5),
                sort: IdeaSort::Trending,
                limit: 10,
                offset: 0,
            })
            .await
            .unwrap();
        assert!(!found.is_empty(), "{backend}: search terms missing");
    }
}
