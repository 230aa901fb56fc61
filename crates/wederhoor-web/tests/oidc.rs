#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The customer OIDC client against the testkit's fake provider.

use std::collections::HashMap;
use wederhoor_testkit::{FakeOidc, FakeOidcConfig, OidcUser, TokenMode};
use wederhoor_web::oidc::{
    LoginStart, OidcConfig, OidcError, OidcIdentity, Provider, finish_login, start_login,
};

const REDIRECT: &str = "http://127.0.0.1:9/account/oidc/callback";

async fn provider() -> (FakeOidc, OidcConfig) {
    let fake = FakeOidc::start(FakeOidcConfig {
        client_id: "wederhoor-ideeen".into(),
        client_secret: "s3cr3t: with spaces & colons".into(),
        redirect_uri: REDIRECT.into(),
        user: OidcUser {
            subject: "248289761001".into(),
            email: "zoe@klant.example".into(),
            email_verified: true,
            name: "Zoë Klant".into(),
        },
    })
    .await;
    let cfg = OidcConfig {
        issuer: fake.issuer(),
        client_id: "wederhoor-ideeen".into(),
        client_secret: "s3cr3t: with spaces & colons".into(),
        redirect_url: REDIRECT.into(),
    };
    (fake, cfg)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Follows the login URL to the provider, which redirects straight back; returns the callback's
/// query parameters.
async fn authorize(http: &reqwest::Client, start: &LoginStart) -> HashMap<String, String> {
    let response = http.get(&start.url).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    let url = reqwest::Url::parse(&location).unwrap();
    url.query_pairs().into_owned().collect()
}

async fn login(
    fake: &FakeOidc,
    cfg: &OidcConfig,
) -> (Provider, LoginStart, HashMap<String, String>) {
    let http = http();
    let p = Provider::discover(&http, &fake.issuer()).await.unwrap();
    let start = start_login(&p, cfg).unwrap();
    let callback = authorize(&http, &start).await;
    (p, start, callback)
}

fn expected_identity(fake: &FakeOidc) -> OidcIdentity {
    OidcIdentity {
        issuer: fake.issuer(),
        subject: "248289761001".into(),
        email: Some("zoe@klant.example".into()),
        email_verified: true,
        name: Some("Zoë Klant".into()),
    }
}

#[tokio::test]
async fn the_full_flow_yields_the_identity() {
    let (fake, cfg) = provider().await;
    let (p, start, callback) = login(&fake, &cfg).await;
    assert_eq!(callback["state"], start.state);
    let identity = finish_login(
        &http(),
        &p,
        &cfg,
        &callback["code"],
        &start.verifier,
        &start.nonce,
    )
    .await
    .unwrap();
    assert_eq!(identity, expected_identity(&fake));

    let auth = fake.authorize_requests();
    assert_eq!(auth.len(), 1);
    assert_eq!(auth[0]["client_id"], "wederhoor-ideeen");
    assert_eq!(auth[0]["scope"], "openid email profile");
    assert_eq!(auth[0]["code_challenge_method"], "S256");
    let token = fake.token_requests();
    assert_eq!(token.len(), 1);
    // client_secret_basic: the secret travels in the Authorization header, not in the form.
    assert_eq!(token[0]["basic_user"], "wederhoor-ideeen");
    assert_eq!(token[0]["basic_password"], "s3cr3t: with spaces & colons");
    assert!(!token[0].contains_key("client_secret"));
    assert_eq!(token[0]["code_verifier"], start.verifier);
    // Everything was in the ID token: no userinfo call.
    assert_eq!(fake.userinfo_requests(), 0);
}

#[tokio::test]
async fn userinfo_fills_in_a_bare_id_token_and_its_subject_must_match() {
    let (fake, cfg) = provider().await;
    fake.set_token_mode(TokenMode::WithoutProfile);
    let (p, start, callback) = login(&fake, &cfg).await;
    let identity = finish_login(
        &http(),
        &p,
        &cfg,
        &callback["code"],
        &start.verifier,
        &start.nonce,
    )
    .await
    .unwrap();
    assert_eq!(identity, expected_identity(&fake));
    assert_eq!(fake.userinfo_requests(), 1);

    fake.set_userinfo_subject(Some("someone-else"));
    let (p, start, callback) = login(&fake, &cfg).await;
    let err = finish_login(
        &http(),
        &p,
        &cfg,
        &callback["code"],
        &start.verifier,
        &start.nonce,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, OidcError::Userinfo(_)), "{err}");
}

#[tokio::test]
async fn a_wrong_nonce_is_refused() {
    let (fake, cfg) = provider().await;
    let (p, start, callback) = login(&fake, &cfg).await;
    let err = finish_login(
        &http(),
        &p,
        &cfg,
        &callback["code"],
        &start.verifier,
        "another-nonce",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, OidcError::InvalidIdToken(ref m) if m.contains("nonce")),
        "{err}"
    );
}

#[tokio::test]
async fn a_wrong_verifier_is_refused_by_the_provider() {
    let (fake, cfg) = provider().await;
    let (p, start, callback) = login(&fake, &cfg).await;
    let other = start_login(&p, &cfg).unwrap();
    let err = finish_login(
        &http(),
        &p,
        &cfg,
        &callback["code"],
        &other.verifier,
        &start.nonce,
    )
    .await
    .unwrap_err();
    match err {
        OidcError::TokenRefused { status, error, .. } => {
            assert_eq!((status, error.as_str()), (400, "invalid_grant"));
        }
        other => panic!("expected TokenRefused, got {other:?}"),
    }
}

#[tokio::test]
async fn a_replayed_code_is_refused() {
    let (fake, cfg) = provider().await;
    let (p, start, callback) = login(&fake, &cfg).await;
    let code = &callback["code"];
    finish_login(&http(), &p, &cfg, code, &start.verifier, &start.nonce)
        .await
        .unwrap();
    let err = finish_login(&http(), &p, &cfg, code, &start.verifier, &start.nonce)
        .await
        .unwrap_err();
    assert!(
        matches!(err, OidcError::TokenRefused { status: 400, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn bad_id_tokens_are_refused() {
    let (fake, cfg) = provider().await;
    for mode in [
        TokenMode::WrongAudience,
        TokenMode::Expired,
        TokenMode::WrongIssuer,
        TokenMode::BadSignature,
        TokenMode::Unsigned,
    ] {
        fake.set_token_mode(mode);
        let (p, start, callback) = login(&fake, &cfg).await;
        let err = finish_login(
            &http(),
            &p,
            &cfg,
            &callback["code"],
            &start.verifier,
            &start.nonce,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, OidcError::InvalidIdToken(_)),
            "{mode:?}: {err}"
        );
    }
    // And the same provider still works when it behaves.
    fake.set_token_mode(TokenMode::Valid);
    let (p, start, callback) = login(&fake, &cfg).await;
    finish_login(
        &http(),
        &p,
        &cfg,
        &callback["code"],
        &start.verifier,
        &start.nonce,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused() {
    let (fake, mut cfg) = provider().await;
    let (p, start, callback) = login(&fake, &cfg).await;
    cfg.client_secret = "guessed".into();
    let err = finish_login(
        &http(),
        &p,
        &cfg,
        &callback["code"],
        &start.verifier,
        &start.nonce,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, OidcError::TokenRefused { status: 401, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn discovery_checks_the_issuer() {
    let (fake, _) = provider().await;
    let http = http();
    // The same server under another name is not the configured issuer.
    let other = fake.issuer().replace("127.0.0.1", "localhost");
    let err = Provider::discover(&http, &other).await.unwrap_err();
    assert!(matches!(err, OidcError::IssuerMismatch { .. }), "{err}");
    let err = Provider::discover(&http, "http://id.example")
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::InsecureEndpoint(_)), "{err}");
    let p = Provider::discover(&http, &fake.issuer()).await.unwrap();
    assert_eq!(p.issuer, fake.issuer());
    assert!(p.userinfo_endpoint.is_some());
}

#[tokio::test]
async fn the_provider_rejects_a_foreign_redirect_uri() {
    let (fake, mut cfg) = provider().await;
    let http = http();
    let p = Provider::discover(&http, &fake.issuer()).await.unwrap();
    cfg.redirect_url = "https://evil.example/callback".into();
    let start = start_login(&p, &cfg).unwrap();
    let response = http.get(&start.url).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
}

/// Finishes one login through the fake provider as it is now configured.
async fn finish(fake: &FakeOidc, cfg: &OidcConfig) -> Result<OidcIdentity, OidcError> {
    let (p, start, callback) = login(fake, cfg).await;
    finish_login(
        &http(),
        &p,
        cfg,
        &callback["code"],
        &start.verifier,
        &start.nonce,
    )
    .await
}

#[tokio::test]
async fn rs256_id_tokens_are_verified_against_the_providers_jwks() {
    let (fake, cfg) = provider().await;
    // A correctly signed RS256 token: the JWKS is fetched once and kept.
    fake.set_token_mode(TokenMode::Rs256);
    let identity = finish(&fake, &cfg).await.unwrap();
    assert_eq!(identity, expected_identity(&fake));
    assert_eq!(fake.jwks_requests(), 1);
    finish(&fake, &cfg).await.unwrap();
    assert_eq!(fake.jwks_requests(), 1, "the keys are cached");

    // A wrong signature, a token signed by another key under a known kid: refused.
    for mode in [TokenMode::Rs256BadSignature, TokenMode::Rs256WrongKey] {
        fake.set_token_mode(mode);
        let err = finish(&fake, &cfg).await.unwrap_err();
        assert!(
            matches!(err, OidcError::InvalidIdToken(_)),
            "{mode:?}: {err}"
        );
    }
    assert_eq!(fake.jwks_requests(), 1, "known kids need no new fetch");

    // The provider rotates to a new key: the unknown kid makes the client fetch the JWKS again.
    fake.publish_keys(&["rsa-1", "rsa-2"]);
    fake.set_token_mode(TokenMode::Rs256Rotated);
    finish(&fake, &cfg).await.unwrap();
    assert_eq!(fake.jwks_requests(), 2);

    // A kid the provider never publishes: fetched again, still unknown, refused.
    fake.set_token_mode(TokenMode::Rs256UnknownKid);
    let err = finish(&fake, &cfg).await.unwrap_err();
    assert!(matches!(err, OidcError::InvalidIdToken(_)), "{err}");
    assert_eq!(fake.jwks_requests(), 3);

    // A key the provider withdrew is no longer trusted once the JWKS is fetched again.
    fake.publish_keys(&["rsa-2"]);
    fake.set_token_mode(TokenMode::Rs256UnknownKid);
    let _ = finish(&fake, &cfg).await.unwrap_err();
    fake.set_token_mode(TokenMode::Rs256);
    let err = finish(&fake, &cfg).await.unwrap_err();
    assert!(matches!(err, OidcError::InvalidIdToken(_)), "{err}");
}
