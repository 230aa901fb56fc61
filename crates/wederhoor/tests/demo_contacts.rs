//! `serve --demo` shows a contact across channels: one customer who wrote on Mastodon and by
//! e-mail, merged into one contact (each case's earlier contacts show the other channel), and a
//! Bluesky post of hers that the contact page suggests merging.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use wederhoor_store::{ContactLookup, Store};

#[tokio::test]
async fn the_demo_has_a_customer_on_two_channels_in_one_contact_and_a_suggestion() {
    let dir = common::data_dir("demo-contacts");
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    let target = Target {
        data_dir: dir.clone(),
        database_url: Some(url.clone()),
    };
    let _server = target.serve_with(&["--demo"]);
    let store = Store::open(&url).await.unwrap();
    let sources = store.sources_with_health().await.unwrap();
    let mastodon = sources
        .iter()
        .find(|(s, _)| s.name == "Mastodon")
        .map(|(s, _)| s.id)
        .unwrap();
    let person = store
        .person_export(mastodon, "@marloes_kramer@mastodon.nl")
        .await
        .unwrap();
    assert_eq!(person.authors.len(), 2, "{:?}", person.authors);
    let contact = person.authors[0].contact_id.unwrap();
    let ContactLookup::Found(view) = store.contact(contact).await.unwrap() else {
        panic!("contact {contact}");
    };
    let sources: Vec<&str> = view
        .authors
        .iter()
        .map(|a| a.source_name.as_str())
        .collect();
    assert_eq!(sources, ["Mastodon", "E-mail webcare"]);
    let first = person.messages[0].conversation_id;
    let earlier = store.earlier_contacts(first, 20).await.unwrap();
    assert!(
        earlier
            .iter()
            .any(|e| e.linked && e.source_name == "E-mail webcare"),
        "{earlier:?}"
    );
    assert!(
        earlier
            .iter()
            .any(|e| !e.linked && e.source_name == "Bluesky"),
        "{earlier:?}"
    );
    let suggestions = wederhoor_app::contacts::suggestions(&store, &view)
        .await
        .unwrap();
    assert_eq!(suggestions.len(), 1, "{suggestions:?}");
    assert_eq!(suggestions[0].authors[0].source_name, "Bluesky");
}
