//! Citizen-facing and system endpoints: leave a message, track it, triage a text.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Staff;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery};
use crate::cases::{
    BODY_MAX_CHARS, CaseStatus, NewMessage, RawNewMessage, TITLE_MAX_CHARS, TrackingCode,
};
use crate::classify::TriageResult;
use crate::intake::{self, IntakeError, Receipt};
use crate::text::mask_personal_data;

impl From<IntakeError> for ApiError {
    fn from(e: IntakeError) -> Self {
        match e {
            IntakeError::Store(s) => s.into(),
            other => {
                tracing::error!(error = %other, "intake failed");
                ApiError::internal()
            }
        }
    }
}

/// Leave a message (留言). Answers 201 once the case is durably stored.
#[utoipa::path(
    post,
    path = "/api/v1/messages",
    request_body = RawNewMessage,
    responses(
        (status = 201, description = "Case received (已受理)", body = Receipt),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 415, description = "Not JSON", body = ErrorBody),
        (status = 422, description = "A field is missing or invalid; `field` names it", body = ErrorBody),
    ),
    tag = "public"
)]
pub async fn post_message(
    State(app): State<AppState>,
    ApiJson(raw): ApiJson<RawNewMessage>,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    let msg = NewMessage::try_from(raw)?;
    let receipt = intake::receive(&app.store, &app.triage, &app.rules, msg, Utc::now()).await?;
    tracing::info!(case_number = %receipt.case_number, "case received");
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// The citizen's view of one case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrackView {
    pub case_number: String,
    pub status: String,
    pub status_name: String,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The subject, with personal data masked.
    pub title: String,
    /// The unit handling the case, once staff have confirmed it.
    pub department: Option<String>,
    /// The reply is due by this time (end of the last working day allowed).
    pub reply_due: Option<DateTime<Utc>>,
    pub reply: Option<PublicReply>,
    /// The citizen may rate the reply now (POST …/rating).
    pub can_rate: bool,
    /// The citizen's rating of the last reply (满意, 基本满意, 不满意).
    pub satisfaction: Option<String>,
    /// Set when the case was merged into another case about the same matter (并单): that case's
    /// reply answers this one too.
    pub merged: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicReply {
    /// The reply, with personal data masked.
    pub text: String,
    pub replied_at: Option<DateTime<Utc>>,
}

/// Follow a case with its tracking code. Shows no personal data of anyone.
#[utoipa::path(
    get,
    path = "/api/v1/track/{tracking_code}",
    params(("tracking_code" = String, Path, description = "The code given at submission, e.g. K7M3-Q9XP-2WHT")),
    responses(
        (status = 200, body = TrackView),
        (status = 404, description = "No case has this code", body = ErrorBody),
    ),
    tag = "public"
)]
pub async fn track(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<TrackView>, ApiError> {
    let not_found = || ApiError::not_found("no case has this tracking code");
    let code = TrackingCode::parse(&code).ok_or_else(not_found)?;
    let case = app
        .store
        .case_by_tracking_digest(&code.digest())
        .await
        .map_err(|e| match e {
            crate::store::StoreError::NotFound => not_found(),
            other => other.into(),
        })?;
    Ok(Json(track_view(case)))
}

/// The citizen's view of a stored case: no contact details, personal data masked.
pub fn track_view(case: crate::store::CaseRecord) -> TrackView {
    let status = CaseStatus::parse(&case.status).unwrap_or(CaseStatus::Received);
    TrackView {
        case_number: case.case_number,
        status: status.code().into(),
        status_name: status.chinese().into(),
        received_at: case.received_at,
        updated_at: case.updated_at,
        title: mask_personal_data(&case.title),
        reply_due: case.reply_due,
        department: if case.confirmed || case.assigned_at.is_some() {
            case.department
        } else {
            None
        },
        reply: case.reply_text.map(|t| PublicReply {
            text: mask_personal_data(&t),
            replied_at: case.replied_at,
        }),
        can_rate: status == CaseStatus::Replied,
        satisfaction: case.satisfaction,
        merged: case.merged_into.is_some(),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TriageQuery {
    /// true: suggest the department only (skip request type and urgency).
    pub department_only: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TriageRequest {
    pub title: Option<String>,
    pub body: Option<String>,
}

/// Stateless triage of a text, for other systems (needs a staff token).
#[utoipa::path(
    post,
    path = "/api/v1/triage",
    request_body = TriageRequest,
    params(TriageQuery),
    responses(
        (status = 200, body = TriageResult),
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("staff_token" = [])),
    tag = "triage"
)]
pub async fn post_triage(
    State(app): State<AppState>,
    _staff: Staff,
    ApiQuery(q): ApiQuery<TriageQuery>,
    ApiJson(req): ApiJson<TriageRequest>,
) -> Result<Json<TriageResult>, ApiError> {
    let title = req.title.unwrap_or_default();
    let body = req.body.unwrap_or_default();
    if title.trim().is_empty() && body.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "body",
            "title and body are both empty",
        ));
    }
    if title.chars().count() > TITLE_MAX_CHARS * 10 {
        return Err(ApiError::invalid_field(
            "title",
            format!("must be at most {} characters", TITLE_MAX_CHARS * 10),
        ));
    }
    if body.chars().count() > BODY_MAX_CHARS {
        return Err(ApiError::invalid_field(
            "body",
            format!("must be at most {BODY_MAX_CHARS} characters"),
        ));
    }
    let result = intake::triage_off_thread_with(
        &app.triage,
        title,
        body,
        q.department_only.unwrap_or(false),
    )
    .await?;
    Ok(Json(result))
}
