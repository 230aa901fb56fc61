//! The public survey page (`/enquete/{token}`: a score from 0 to 10 and an optional comment,
//! no JavaScript needed, in the case's language unless the visitor picks another) and the hooks
//! of the survey use case in the inbox: a close schedules the survey, the case page shows it.

use crate::AppState;
use crate::error::AppError;
use crate::i18n::{Lang, customer_text};
use crate::public::{Visitor, render_public};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use std::time::Duration;
use wederhoor_app::surveys::{self, AnswerRefusal, SurveySender, SurveyState};
use wederhoor_core::ConversationId;

/// The invitation a customer receives, in the language of their message (`{link}` is filled
/// in by the use case).
pub fn invitation(language: &str) -> String {
    customer_text(language, "survey_invitation").to_owned()
}

fn sender(state: &AppState) -> SurveySender<'_> {
    SurveySender {
        policy: &state.config.surveys,
        replies: &state.config.replies,
        public_url: &state.config.public_url,
        invitation: &invitation,
    }
}

fn now() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// After a case closed: its survey is scheduled (and sent at once without a delay).
pub async fn after_close(state: &AppState, id: ConversationId) -> Result<(), AppError> {
    let outcome = surveys::case_closed(&state.store, &sender(state), id, now())
        .await
        .map_err(AppError::from)?;
    if let Some(surveys::SurveyOutcome::Sent { via, .. }) = outcome {
        state.outbox_wakeup.notify_one();
        if via != id {
            state.publish(crate::live::LiveEvent::changed(via, "reply"));
        }
    }
    Ok(())
}

/// The schedule's job: sends the surveys due now (the binary's worker calls this).
pub async fn send_due(state: &AppState) -> Result<usize, AppError> {
    let sent = surveys::send_due_surveys(&state.store, &sender(state), now())
        .await
        .map_err(AppError::from)?;
    if !sent.is_empty() {
        state.outbox_wakeup.notify_one();
    }
    Ok(sent.len())
}

/// A case's survey for its page: state, score, and the comment with personal data masked.
pub async fn brief_for_staff(
    state: &AppState,
    id: ConversationId,
) -> Result<Option<minijinja::Value>, AppError> {
    let Some(brief) = state.store.survey_of_conversation(id).await? else {
        return Ok(None);
    };
    let engine = state.active_rules().engine;
    let comment = brief
        .comment
        .as_deref()
        .map(|c| wederhoor_core::pii::mask(c, &wederhoor_app::reply::personal_data(&engine, c)));
    // The first value of a key wins: the masked comment over the stored one.
    Ok(Some(minijinja::context! {
        comment => comment,
        ..minijinja::Value::from_serialize(&brief)
    }))
}

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
}

/// The survey's language: the visitor's choice (`?lang=` or the language switch's cookie), else
/// the language the customer wrote their message in.
fn page_lang(visitor: &mut Visitor, q: &LangQuery, headers: &HeaderMap, case_language: &str) {
    visitor.lang = q
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .or_else(|| crate::auth::cookie(headers, crate::public::LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| Lang::parse(case_language))
        .unwrap_or(Lang::Nl);
}

fn page(
    state: &AppState,
    visitor: &Visitor,
    token: &str,
    shown: &str,
    error: Option<&str>,
    comment: &str,
    status: StatusCode,
) -> Result<Response, AppError> {
    render_public(
        state,
        visitor,
        "survey.html",
        minijinja::context! {
            token => token,
            shown => shown,
            error => error,
            comment => comment,
            scores => (0..=10).collect::<Vec<u8>>(),
            max_comment => surveys::MAX_COMMENT_CHARS,
        },
        status,
    )
}

/// `GET /enquete/{token}`: the survey, or why it cannot be answered.
pub async fn show(
    State(state): State<AppState>,
    mut visitor: Visitor,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (shown, status) = match surveys::survey_state(&state.store, &token, now()).await? {
        SurveyState::Open { language } => {
            page_lang(&mut visitor, &q, &headers, language);
            ("open", StatusCode::OK)
        }
        SurveyState::Answered => ("answered", StatusCode::OK),
        SurveyState::Expired => ("expired", StatusCode::GONE),
        SurveyState::Unknown => ("unknown", StatusCode::NOT_FOUND),
    };
    page(&state, &visitor, &token, shown, None, "", status)
}

/// `POST /enquete/{token}`: the one answer.
pub async fn submit(
    State(state): State<AppState>,
    mut visitor: Visitor,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(form): Form<AnswerForm>,
) -> Result<Response, AppError> {
    visitor.check_csrf(&form.csrf)?;
    if !state.limits.allow(
        &format!("survey:{}", visitor.ip),
        30,
        Duration::from_secs(3600),
    ) {
        return Err(AppError::TooManyRequests);
    }
    if let Ok(SurveyState::Open { language }) =
        surveys::survey_state(&state.store, &token, now()).await
    {
        page_lang(&mut visitor, &q, &headers, language);
    }
    match surveys::answer(&state.store, &token, &form.score, &form.comment, now()).await? {
        Ok(_) => {
            if let Some(v) = state
                .store
                .survey_by_token(&wederhoor_store::hash_token(&token))
                .await?
            {
                state.publish(crate::live::LiveEvent::changed(v.conversation, "survey"));
            }
            page(&state, &visitor, &token, "thanks", None, "", StatusCode::OK)
        }
        Err(refusal) => {
            let (shown, status) = match refusal {
                AnswerRefusal::BadScore | AnswerRefusal::CommentTooLong => {
                    ("open", StatusCode::UNPROCESSABLE_ENTITY)
                }
                AnswerRefusal::AlreadyAnswered => ("answered", StatusCode::CONFLICT),
                AnswerRefusal::Expired => ("expired", StatusCode::GONE),
                AnswerRefusal::Unknown => ("unknown", StatusCode::NOT_FOUND),
            };
            let error = crate::i18n::text(visitor.lang, refusal.key());
            page(
                &state,
                &visitor,
                &token,
                shown,
                Some(error),
                &form.comment,
                status,
            )
        }
    }
}
