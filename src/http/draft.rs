//! `GET /api/v1/cases/{case_number}/draft`: the reply draft of one case, its sources, and the
//! notices of the reply 四部曲, for staff to check, complete and submit through the workflow.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::AppState;
use super::auth::Staff;
use super::error::{ApiError, ErrorBody};
use crate::cases::CaseNumber;
use crate::draft::{Message, NoticeFields, Notices, Passage};

/// A precedent the draft drew on.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PrecedentView {
    pub id: String,
    pub title: String,
    /// The start of its reply.
    pub reply_snippet: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DraftView {
    pub case_number: String,
    /// The handling unit (confirmed, else suggested).
    pub unit: Option<String>,
    /// The place code that chose the unit's phrasing (`A3区`).
    pub place: Option<String>,
    /// The final-reply draft; 【待填写:…】 marks what the handler must fill in.
    pub draft: String,
    /// Passages of `draft` taken from precedents, with their source case.
    pub passages: Vec<Passage>,
    /// Further precedent passages staff may add.
    pub suggestions: Vec<Passage>,
    /// Names of the blanks in `draft`.
    pub blanks: Vec<String>,
    /// The most similar replied cases, most similar first.
    pub precedents: Vec<PrecedentView>,
    /// 受理, 交办, progress and 办结 notices from the templates.
    pub notices: Notices,
}

fn china_date(t: DateTime<Utc>) -> String {
    let cst = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    t.with_timezone(&cst).format("%Y年%-m月%-d日").to_string()
}

const SNIPPET_CHARS: usize = 120;

/// The final-reply draft of a case, with its sources and the template notices.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_number}/draft",
    params(("case_number" = String, Path, description = "e.g. 2026-000123")),
    responses((status = 200, body = DraftView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "staff"
)]
pub async fn get_draft(
    State(app): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
) -> Result<Json<DraftView>, ApiError> {
    let number = CaseNumber::parse(&number).ok_or_else(|| {
        ApiError::not_found(format!(
            "no case {number:?}: case numbers look like 2026-000123"
        ))
    })?;
    // A handler drafts for their unit's cases only (404 for another unit's, as everywhere).
    let (case, _) = crate::workflow::load_visible(&app.store, &staff.actor()?, &number).await?;
    let Some(drafter) = app.drafter.clone() else {
        tracing::error!("draft requested but the drafter was not built");
        return Err(ApiError::internal());
    };
    let unit = case
        .department
        .clone()
        .or_else(|| case.suggested_department.clone());
    let fields = NoticeFields {
        case_number: case.case_number.clone(),
        title: case.title.clone(),
        received_date: Some(china_date(case.received_at)),
        date: Some(china_date(Utc::now())),
        unit: unit.clone(),
        deadline: case.reply_due.map(china_date),
    };
    let message = Message {
        title: case.title.clone(),
        body: case.body.clone(),
        handle: case.contact_name.clone(),
    };
    let triage = app.triage.clone();
    let (draft, precedents, notices) = tokio::task::spawn_blocking(move || {
        let seg = &triage.segmenter;
        let draft = drafter.draft(seg, &message);
        let precedents: Vec<PrecedentView> = drafter
            .precedents(seg, &message, drafter.options.sources)
            .into_iter()
            .map(|p| PrecedentView {
                id: p.id.clone(),
                title: p.title.clone(),
                reply_snippet: p.reply.chars().take(SNIPPET_CHARS).collect(),
            })
            .collect();
        (draft, precedents, drafter.templates.notices(&fields))
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "drafting failed");
        ApiError::internal()
    })?;
    Ok(Json(DraftView {
        case_number: case.case_number,
        unit,
        place: draft.place,
        draft: draft.text,
        passages: draft.passages,
        suggestions: draft.suggestions,
        blanks: draft.blanks,
        precedents,
        notices,
    }))
}
