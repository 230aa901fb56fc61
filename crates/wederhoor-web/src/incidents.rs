//! The alerts page (`/meldingen`, leads) and incidents (`/incidenten/{id}`): thin handlers over
//! `wederhoor_app::incidents`.

use crate::AppState;
use crate::auth::{AGENT, Auth, LEAD};
use crate::error::AppError;
use crate::i18n::{Lang, plural, text};
use crate::pages;
use crate::system::{CsrfForm, see_other};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use wederhoor_app::incidents::{self, IncidentError, IncidentInput};
use wederhoor_store::{AlertView, IncidentBrief};

impl AppError {
    fn from_incident(e: IncidentError, lang: Lang) -> AppError {
        match e {
            IncidentError::Invalid(why) => {
                AppError::Unprocessable(text(lang, why.key()).to_owned())
            }
            IncidentError::Store(e) => AppError::Store(e),
        }
    }
}

/// Bars of a growth curve (SVG coordinates, drawn by the template).
#[derive(Serialize)]
struct Bar {
    x: u32,
    y: u32,
    height: u32,
    count: u32,
}

const CHART_HEIGHT: u32 = 40;
const BAR_WIDTH: u32 = 10;

fn bars(a: &AlertView) -> Vec<Bar> {
    let counts = incidents::growth(&a.times, 12, 60 * 1000);
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let height = (c * CHART_HEIGHT).div_ceil(max);
            Bar {
                x: u32::try_from(i).unwrap_or(0) * (BAR_WIDTH + 2),
                y: CHART_HEIGHT - height,
                height,
                count: c,
            }
        })
        .collect()
}

/// What a lead typed into an alert's incident form that was refused: shown again with the
/// reason instead of an error page that loses the text.
struct Refused<'a> {
    alert: i64,
    error: String,
    input: &'a IncidentInput,
}

fn alert_context(
    a: &AlertView,
    lang: Lang,
    brand: &str,
    refused: Option<&Refused<'_>>,
) -> minijinja::Value {
    let kind = match a.kind.as_str() {
        "phishing" | "outage" => a.kind.as_str(),
        _ => "burst",
    };
    let fill = |what: &str| {
        text(lang, &format!("incident_default_{what}_{kind}")).replace("{brand}", brand)
    };
    let typed = refused.filter(|r| r.alert == a.id).map(|r| r.input);
    minijinja::context! {
        a => a,
        kind => kind,
        bars => bars(a),
        chart_width => (BAR_WIDTH + 2) * 12,
        chart_height => CHART_HEIGHT,
        default_title => typed.map_or_else(|| fill("title"), |t| t.title.clone()),
        default_warning => typed.map_or_else(|| fill("warning"), |t| t.warning.clone()),
        default_reply => typed.map_or_else(|| fill("reply"), |t| t.reply.clone()),
        open => typed.is_some(),
    }
}

/// `GET /meldingen`: the open alerts, and the incidents.
pub async fn alerts(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
) -> Result<Html<String>, AppError> {
    alerts_page(&state, &auth, None).await
}

async fn alerts_page(
    state: &AppState,
    auth: &Auth<LEAD>,
    refused: Option<&Refused<'_>>,
) -> Result<Html<String>, AppError> {
    let open = state.store.burst_alerts("open", 50).await?;
    let incidents = state.store.incidents(20).await?;
    let brand = &state.config.brand_name;
    pages::render(
        state,
        "alerts.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            alerts => open.iter().map(|a| alert_context(a, auth.lang, brand, refused)).collect::<Vec<_>>(),
            incidents => incidents,
            error => refused.map(|r| r.error.as_str()),
        },
    )
}

/// `POST /meldingen/{id}/negeren`: dismiss an open alert.
pub async fn dismiss(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    incidents::dismiss_alert(&state.store, id, auth.agent.id)
        .await
        .map_err(|e| AppError::from_incident(e, auth.lang))?;
    Ok(see_other("/meldingen"))
}

#[derive(Deserialize)]
pub struct IncidentForm {
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    warning: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    public: Option<String>,
}

/// `POST /meldingen/{id}/incident`: make an incident of an open alert in one action.
pub async fn make(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<IncidentForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let input = IncidentInput {
        alert: id,
        title: form.title,
        warning: form.warning,
        reply: form.reply,
        public: form.public.is_some(),
    };
    let rules = state.active_rules();
    match incidents::make_incident(
        &state.store,
        &rules.engine,
        &state.alerts,
        &input,
        auth.agent.id,
    )
    .await
    {
        Ok(incident) => Ok(see_other(format!("/incidenten/{incident}"))),
        Err(IncidentError::Invalid(why)) => {
            let refused = Refused {
                alert: id,
                error: text(auth.lang, why.key()).to_owned(),
                input: &input,
            };
            let page = alerts_page(&state, &auth, Some(&refused)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(AppError::from_incident(e, auth.lang)),
    }
}

/// One timeline line in words.
#[derive(Serialize)]
struct Line {
    at: i64,
    kind: String,
    what: String,
}

/// `GET /incidenten/{id}`: an incident with its alert, affected contacts and timeline. Agents
/// may read it (the inbox banner links here); leads act on it.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let incident = state.store.incident(id).await?.ok_or(AppError::NotFound)?;
    let lang = auth.lang;
    let timeline: Vec<Line> = incident
        .events
        .iter()
        .map(|e| {
            let what = match e.kind.as_str() {
                "opened" | "joined" => plural(lang, &format!("incident_event_{}", e.kind), e.count),
                k => text(lang, &format!("incident_event_{k}"))
                    .replace("{who}", e.actor.as_deref().unwrap_or("Wederhoor"))
                    .replace("{detail}", &e.detail),
            };
            Line {
                at: e.at,
                kind: e.kind.clone(),
                what,
            }
        })
        .collect();
    let may_act = auth.agent.role.allows(wederhoor_core::Role::Lead);
    let posts = if may_act {
        let rules = state.active_rules();
        let plan =
            incidents::post_warning(&state.store, &rules.engine, id, auth.agent.id, false, 0)
                .await
                .map_err(|e| AppError::from_incident(e, lang))?;
        Some(minijinja::context! {
            refused => plan.refused.map(|why| text(lang, why.key())),
            ..minijinja::Value::from_serialize(&plan)
        })
    } else {
        None
    };
    pages::render(
        &state,
        "incident.html",
        lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            i => &incident,
            alert => alert_context(&incident.alert, lang, &state.config.brand_name, None),
            timeline => timeline,
            may_act => may_act,
            posts => posts,
        },
    )
}

#[derive(Deserialize)]
pub struct PublicForm {
    csrf: String,
    #[serde(default)]
    public: String,
}

/// `POST /incidenten/{id}/publiceren`: publish (`public=1`) or withdraw (`public=0`) the warning.
pub async fn publish(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<PublicForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let public = match form.public.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::BadRequest("public must be 1 or 0".into())),
    };
    incidents::set_public(&state.store, id, public, auth.agent.id)
        .await
        .map_err(|e| AppError::from_incident(e, auth.lang))?;
    Ok(see_other(format!("/incidenten/{id}")))
}

#[derive(Deserialize)]
pub struct CloseForm {
    csrf: String,
    #[serde(default)]
    outcome: String,
}

/// `POST /incidenten/{id}/sluiten`: close with the outcome.
pub async fn close(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    incidents::close_incident(
        &state.store,
        &state.alerts,
        id,
        &form.outcome,
        auth.agent.id,
    )
    .await
    .map_err(|e| AppError::from_incident(e, auth.lang))?;
    Ok(see_other(format!("/incidenten/{id}")))
}

/// `POST /incidenten/{id}/posten`: queue the published warning as a post on each of our own
/// accounts that has none yet (the incident page shows the preview and each post's state).
pub async fn post(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let rules = state.active_rules();
    let plan = incidents::post_warning(
        &state.store,
        &rules.engine,
        id,
        auth.agent.id,
        true,
        jiff::Timestamp::now().as_millisecond(),
    )
    .await
    .map_err(|e| AppError::from_incident(e, auth.lang))?;
    if plan.queued > 0 {
        state.outbox_wakeup.notify_one();
    }
    Ok(see_other(format!("/incidenten/{id}")))
}

/// The warnings of public open incidents, for the feedback page's banner.
pub async fn public_warnings(state: &AppState) -> Result<Vec<IncidentBrief>, AppError> {
    Ok(state
        .store
        .open_incidents()
        .await?
        .into_iter()
        .filter(|i| i.public)
        .collect())
}
