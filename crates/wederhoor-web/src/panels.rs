//! Customer panels (issue #13), thin handlers over `wederhoor_app::panels`: the leads' pages
//! (`/panels`: ask a panel a question, read the answers, publish the results with a conclusion),
//! the customer's membership page (`/account/panels`), the question page a member answers on
//! (`/panel/{id}`, no JavaScript needed) and the published results on the feedback page.

use crate::AppState;
use crate::auth::{Auth, LEAD};
use crate::charts::{Bar, bar_chart};
use crate::error::AppError;
use crate::i18n::{Lang, text};
use crate::pages;
use crate::public::{Visitor, render_public};
use crate::system::see_other;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use serde::Deserialize;
use wederhoor_app::panels::{self, PanelRefusal, QuestionInput};
use wederhoor_core::IdeaId;
use wederhoor_store::{Panel, PanelQuestion, PanelQuestionKind, PanelTally};

pub const TEMPLATES: &[(&str, &str)] = &[
    ("panels.html", include_str!("../templates/panels.html")),
    ("panel.html", include_str!("../templates/panel.html")),
    (
        "account_panels.html",
        include_str!("../templates/account_panels.html"),
    ),
    (
        "panel_public.html",
        include_str!("../templates/panel_public.html"),
    ),
    (
        "panel_results.html",
        include_str!("../templates/panel_results.html"),
    ),
];

fn now() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// How many published results the feedback page shows.
const PUBLIC_RESULTS: i64 = 5;

/// The bars of a question's chart: one per score or choice.
fn bars(q: &PanelQuestion, tally: &PanelTally) -> Vec<Bar> {
    tally
        .counts
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let label = match q.kind {
                PanelQuestionKind::Choice => q.choices.get(i).cloned().unwrap_or_default(),
                _ => i.to_string(),
            };
            Bar::new(label, n)
        })
        .collect()
}

/// A question with its results, for a template (`chart` is SVG text, escaped where drawn).
fn results_context(
    lang: Lang,
    q: &PanelQuestion,
    tally: &PanelTally,
    texts: Vec<String>,
) -> minijinja::Value {
    let chart = (q.kind != PanelQuestionKind::Text).then(|| {
        bar_chart(
            &format!("{}: {}", text(lang, "panel_chart_title"), q.question),
            &bars(q, tally),
        )
    });
    let average = match q.kind {
        PanelQuestionKind::Scale => panels::average(&tally.counts),
        _ => None,
    };
    minijinja::context! {
        q => q,
        answers => tally.answers,
        chart => chart,
        average => average.map(|a| format!("{a:.1}")),
        texts => texts,
        ideas => q.ideas.iter().map(|(id, title)| minijinja::context! {
            id => id,
            title => title,
            url => crate::feedback::idea_url(IdeaId(*id), title),
        }).collect::<Vec<_>>(),
    }
}

/// The published results for the feedback page (all, or those linked to one idea); never an
/// unpublished question, never a free-text answer.
pub async fn public_results(
    state: &AppState,
    lang: Lang,
    idea: Option<IdeaId>,
) -> Result<Vec<minijinja::Value>, AppError> {
    let questions = state
        .store
        .published_panel_questions(idea, PUBLIC_RESULTS)
        .await?;
    let mut out = Vec::with_capacity(questions.len());
    for q in &questions {
        let tally = panels::results(&state.store, q, false).await?;
        out.push(results_context(lang, q, &tally, Vec::new()));
    }
    Ok(out)
}

// ---------------------------------------------------------------- the leads' pages

#[derive(Deserialize, Default)]
pub struct QuestionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    panel: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    choices: String,
    #[serde(default)]
    ideas: String,
}

fn render_list(
    state: &AppState,
    auth: &Auth<LEAD>,
    questions: &[PanelQuestion],
    members: &[(Panel, i64)],
    form: &QuestionForm,
    error: Option<&str>,
) -> Result<Html<String>, AppError> {
    pages::render(
        state,
        "panels.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            questions => questions,
            members => members.iter().map(|(p, n)| minijinja::context! { panel => p.as_str(), n => n }).collect::<Vec<_>>(),
            panels => Panel::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            kinds => PanelQuestionKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            form => minijinja::context! {
                panel => &form.panel, title => &form.title, question => &form.question,
                kind => &form.kind, choices => &form.choices, ideas => &form.ideas,
            },
            error => error,
        },
    )
}

/// `GET /panels`: the panels' sizes, their questions, and the form to ask a new one.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
) -> Result<Html<String>, AppError> {
    let questions = state.store.panel_questions(100).await?;
    let members = state.store.panel_member_counts().await?;
    render_list(
        &state,
        &auth,
        &questions,
        &members,
        &QuestionForm::default(),
        None,
    )
}

/// `POST /panels`: ask one panel a new question.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Form(form): Form<QuestionForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let input = QuestionInput {
        panel: form.panel.clone(),
        title: form.title.clone(),
        question: form.question.clone(),
        kind: form.kind.clone(),
        choices: form.choices.clone(),
        ideas: form.ideas.clone(),
    };
    match panels::create_question(&state.store, &input, auth.agent.id, now()).await? {
        Ok(id) => Ok(see_other(format!("/panels/{id}"))),
        Err(refusal) => {
            let questions = state.store.panel_questions(100).await?;
            let members = state.store.panel_member_counts().await?;
            let html = render_list(
                &state,
                &auth,
                &questions,
                &members,
                &form,
                Some(text(auth.lang, refusal.key())),
            )?;
            Ok(axum::response::IntoResponse::into_response((
                StatusCode::UNPROCESSABLE_ENTITY,
                html,
            )))
        }
    }
}

/// `GET /panels/{id}`: a question's results for the team (free-text answers with personal
/// data masked) and the form that publishes them.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let q = state
        .store
        .panel_question(id)
        .await?
        .ok_or(AppError::NotFound)?;
    render_show(&state, &auth, &q, "", None).await
}

async fn render_show(
    state: &AppState,
    auth: &Auth<LEAD>,
    q: &PanelQuestion,
    conclusion: &str,
    error: Option<&str>,
) -> Result<Html<String>, AppError> {
    let tally = panels::results(&state.store, q, true).await?;
    let engine = state.active_rules().engine;
    let texts = tally
        .texts
        .iter()
        .map(|t| wederhoor_core::pii::mask(t, &wederhoor_app::reply::personal_data(&engine, t)))
        .collect();
    pages::render(
        state,
        "panel.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            r => results_context(auth.lang, q, &tally, texts),
            conclusion => conclusion,
            error => error,
            max_conclusion => panels::MAX_CONCLUSION_CHARS,
        },
    )
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    conclusion: String,
}

/// `POST /panels/{id}/publiceren`: close the question and publish its results with the
/// conclusion on the feedback page.
pub async fn publish(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<PublishForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let q = state
        .store
        .panel_question(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let engine = state.active_rules().engine;
    match panels::publish_results(
        &state.store,
        &engine,
        id,
        &form.conclusion,
        auth.agent.id,
        now(),
    )
    .await?
    {
        Ok(()) => Ok(see_other(format!("/panels/{id}"))),
        Err(refusal) => {
            let html = render_show(
                &state,
                &auth,
                &q,
                &form.conclusion,
                Some(text(auth.lang, refusal.key())),
            )
            .await?;
            Ok(axum::response::IntoResponse::into_response((
                StatusCode::UNPROCESSABLE_ENTITY,
                html,
            )))
        }
    }
}

// ---------------------------------------------------------------- the customer's pages

#[derive(Deserialize)]
pub struct SavedQuery {
    opgeslagen: Option<String>,
}

/// `GET /account/panels`: the panels, joined or not, and the member's open questions.
pub async fn account_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let Some(account) = &visitor.account else {
        return Err(AppError::LoginRequired("/account/panels".to_owned()));
    };
    let mine = panels::memberships(&state.store, account.id).await?;
    let open = state.store.open_panel_questions_for(account.id).await?;
    render_public(
        &state,
        &visitor,
        "account_panels.html",
        minijinja::context! {
            panels => Panel::ALL.iter().map(|p| minijinja::context! {
                key => p.as_str(),
                member => mine.contains(p),
            }).collect::<Vec<_>>(),
            open => open.iter().map(|(q, answered)| minijinja::context! {
                q => q, answered => answered,
            }).collect::<Vec<_>>(),
            saved => q.opgeslagen.is_some(),
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct MembershipForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    panel: String,
    /// `join` or `leave`.
    #[serde(default)]
    actie: String,
}

/// `POST /account/panels`: join or leave one panel.
pub async fn account_save(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<MembershipForm>,
) -> Result<Response, AppError> {
    let Some(account) = &visitor.account else {
        return Err(AppError::LoginRequired("/account/panels".to_owned()));
    };
    visitor.check_csrf(&form.csrf)?;
    let join = match form.actie.as_str() {
        "join" => true,
        "leave" => false,
        _ => {
            return Err(AppError::Unprocessable(
                text(visitor.lang, PanelRefusal::UnknownPanel.key()).to_owned(),
            ));
        }
    };
    match panels::set_membership(&state.store, account, &form.panel, join, now()).await? {
        Ok(_) => Ok(see_other("/account/panels?opgeslagen=1")),
        Err(PanelRefusal::NotAllowed) => Err(AppError::Unverified),
        Err(refusal) => Err(AppError::Unprocessable(
            text(visitor.lang, refusal.key()).to_owned(),
        )),
    }
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    text: String,
}

/// What the question page shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// The form (a member who has not answered yet).
    Open,
    Thanks,
    Answered,
    /// The published results.
    Results,
}

impl Shown {
    fn as_str(self) -> &'static str {
        match self {
            Shown::Open => "open",
            Shown::Thanks => "thanks",
            Shown::Answered => "answered",
            Shown::Results => "results",
        }
    }
}

async fn render_question(
    state: &AppState,
    visitor: &Visitor,
    q: &PanelQuestion,
    shown: Shown,
    error: Option<&str>,
    typed: &AnswerForm,
    status: StatusCode,
) -> Result<Response, AppError> {
    let results = if shown == Shown::Results {
        let tally = panels::results(&state.store, q, false).await?;
        Some(results_context(visitor.lang, q, &tally, Vec::new()))
    } else {
        None
    };
    render_public(
        state,
        visitor,
        "panel_public.html",
        minijinja::context! {
            q => q,
            shown => shown.as_str(),
            error => error,
            results => results,
            scores => (0..=10).collect::<Vec<u8>>(),
            typed_value => &typed.value,
            typed_text => &typed.text,
            max_answer => panels::MAX_ANSWER_CHARS,
        },
        status,
    )
}

/// An unpublished question is for its panel's members only; anyone else gets "not found", so
/// nothing of it (not even that it exists) is public before its results are.
async fn member_question(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
) -> Result<(PanelQuestion, Shown), AppError> {
    let q = state
        .store
        .panel_question(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if q.is_published() {
        return Ok((q, Shown::Results));
    }
    let Some(account) = &visitor.account else {
        return Err(AppError::LoginRequired(format!("/panel/{id}")));
    };
    if !state
        .store
        .panel_memberships(account.id)
        .await?
        .contains(&q.panel)
    {
        return Err(AppError::NotFound);
    }
    let answered = state
        .store
        .panel_questions_answered_by(account.id)
        .await?
        .contains(&q.id);
    Ok((
        q,
        if answered {
            Shown::Answered
        } else {
            Shown::Open
        },
    ))
}

/// `GET /panel/{id}`: the question for a member of its panel, or its published results.
pub async fn question_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (q, shown) = member_question(&state, &visitor, id).await?;
    let empty = AnswerForm {
        csrf: String::new(),
        value: String::new(),
        text: String::new(),
    };
    render_question(&state, &visitor, &q, shown, None, &empty, StatusCode::OK).await
}

/// `POST /panel/{id}`: a member's one answer.
pub async fn question_answer(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let Some(account) = visitor.account.clone() else {
        return Err(AppError::LoginRequired(format!("/panel/{id}")));
    };
    visitor.check_csrf(&form.csrf)?;
    let (q, _) = member_question(&state, &visitor, id).await?;
    match panels::answer(&state.store, &account, id, &form.value, &form.text, now()).await? {
        Ok(()) => {
            render_question(
                &state,
                &visitor,
                &q,
                Shown::Thanks,
                None,
                &form,
                StatusCode::OK,
            )
            .await
        }
        Err(refusal) => {
            let (shown, status) = match refusal {
                PanelRefusal::AlreadyAnswered => (Shown::Answered, StatusCode::CONFLICT),
                PanelRefusal::Closed => (Shown::Results, StatusCode::CONFLICT),
                PanelRefusal::NotAllowed => return Err(AppError::Unverified),
                PanelRefusal::NotAMember => return Err(AppError::NotFound),
                _ => (Shown::Open, StatusCode::UNPROCESSABLE_ENTITY),
            };
            let q = if shown == Shown::Results {
                state
                    .store
                    .panel_question(id)
                    .await?
                    .ok_or(AppError::NotFound)?
            } else {
                q
            };
            render_question(
                &state,
                &visitor,
                &q,
                shown,
                Some(text(visitor.lang, refusal.key())),
                &form,
                status,
            )
            .await
        }
    }
}
