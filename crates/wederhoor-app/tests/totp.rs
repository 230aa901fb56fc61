//! The staff second factor on both backends: a code only counts after confirmation, once, and
//! within a step of the (given) time; a reset removes it and is audited.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use wederhoor_app::totp;
use wederhoor_core::Role;
use wederhoor_store::NewAgent;
use wederhoor_store::testing::fresh_stores;

fn code(secret: &str, step: i64) -> String {
    format!(
        "{:06}",
        totp::code_at(&totp::base32_decode(secret).unwrap(), step)
    )
}

#[tokio::test]
async fn codes_count_once_after_confirmation_and_a_reset_is_audited() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let agent = store
            .create_agent(
                &NewAgent {
                    username: "sanne".into(),
                    display_name: "Sanne".into(),
                    role: Role::Agent,
                    password_hash: "x".into(),
                },
                None,
            )
            .await
            .unwrap();
        let now = 1_900_000_000; // any time: the clock is given
        let step = totp::step_of(now);
        let enrolment = totp::begin(&store, agent.id, "sanne").await.unwrap();
        assert!(enrolment.uri.contains(&enrolment.secret));
        // Not on yet: a login code does not count, and the factor is off.
        assert!(
            !totp::check(&store, agent.id, &code(&enrolment.secret, step), now)
                .await
                .unwrap()
        );
        assert!(!totp::is_on(&store, agent.id).await.unwrap(), "{backend}");
        // A wrong code does not confirm; the right one does.
        assert!(
            !totp::confirm(&store, agent.id, "000000x", now)
                .await
                .unwrap()
        );
        assert!(
            !totp::confirm(&store, agent.id, &code(&enrolment.secret, step + 5), now)
                .await
                .unwrap()
        );
        assert!(
            totp::confirm(&store, agent.id, &code(&enrolment.secret, step), now)
                .await
                .unwrap()
        );
        assert!(totp::is_on(&store, agent.id).await.unwrap(), "{backend}");
        // (Sealing at rest is checked in the web crate's tests/totp.rs with a keyed store.)
        // The confirmation's code cannot be used again, nor an older step's.
        assert!(
            !totp::check(&store, agent.id, &code(&enrolment.secret, step), now)
                .await
                .unwrap(),
            "{backend}"
        );
        assert!(
            !totp::check(&store, agent.id, &code(&enrolment.secret, step - 1), now)
                .await
                .unwrap()
        );
        // The next step's code works once.
        let next = code(&enrolment.secret, step + 1);
        assert!(
            totp::check(&store, agent.id, &next, now).await.unwrap(),
            "{backend}"
        );
        assert!(
            !totp::check(&store, agent.id, &next, now).await.unwrap(),
            "{backend}"
        );
        // Two steps ahead is outside the window.
        assert!(
            !totp::check(&store, agent.id, &code(&enrolment.secret, step + 3), now)
                .await
                .unwrap()
        );
        // A new enrolment is refused while the factor is on.
        assert!(totp::begin(&store, agent.id, "sanne").await.is_err());
        // An admin resets it: off, audited.
        totp::reset(&store, "sanne", None).await.unwrap();
        assert!(!totp::is_on(&store, agent.id).await.unwrap());
        let audit = store.audit_of("agent", agent.id.0).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.2.as_str()).collect();
        assert!(actions.contains(&"agent.totp_on"), "{actions:?}");
        assert!(actions.contains(&"agent.totp_reset"), "{actions:?}");
        assert!(totp::reset(&store, "niemand", None).await.is_err());
    }
}
