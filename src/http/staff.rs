//! Staff endpoints: the queue, one case, and confirming or overriding triage.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Staff;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery};
use crate::cases::{CaseNumber, CaseStatus};
use crate::store::{CaseFilter, CaseRecord, CorrectionRecord, QueueOrder, TriageDecision};

/// 诉求类型 values (labelling guideline).
pub const REQUEST_TYPES: [&str; 6] = ["咨询", "求助", "投诉", "举报", "建议", "表扬"];
/// 紧急程度 values (labelling guideline).
pub const URGENCIES: [&str; 3] = ["特急", "紧急", "一般"];
const MAX_PER_PAGE: u32 = 200;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// received, assigned, in_progress, returned, paused, pending_review, replied, closed,
    /// merged, archived
    pub status: Option<String>,
    /// Department name (confirmed, or suggested while unconfirmed).
    pub department: Option<String>,
    /// true: only confirmed by staff; false: only suggested.
    pub confirmed: Option<bool>,
    /// 特急, 紧急 or 一般.
    pub urgency: Option<String>,
    /// Page number from 1 (default 1).
    pub page: Option<u32>,
    /// Items per page, 1–200 (default 20).
    pub per_page: Option<u32>,
    /// urgency (default: 特急, 紧急, then the rest, newest first within each), newest, or due
    /// (earliest reply deadline first).
    pub sort: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub category: Option<String>,
    pub department: Option<String>,
    pub confidence: Option<f64>,
    pub uncertain: Option<bool>,
    pub key_terms: Vec<String>,
    pub request_type: Option<String>,
    pub urgency: Option<String>,
    pub model_version: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    pub case_number: String,
    pub title: String,
    pub channel: String,
    pub status: String,
    pub status_name: String,
    pub received_at: DateTime<Utc>,
    pub confirmed: bool,
    /// Confirmed values (null until staff decide).
    pub category: Option<String>,
    pub department: Option<String>,
    pub request_type: Option<String>,
    pub urgency: Option<String>,
    pub suggestion: Suggestion,
    /// First response due (from the urgency's service level).
    pub first_response_due: Option<DateTime<Utc>>,
    /// Reply due: end of the last working day allowed (7 by default).
    pub reply_due: Option<DateTime<Utc>>,
    /// Past the reply deadline and not yet replied.
    pub overdue: bool,
    /// Why there is no reply deadline (e.g. the calendar lacks the year).
    pub deadline_note: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueuePage {
    pub items: Vec<CaseSummary>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub body: String,
    pub location: Option<String>,
    pub contact: ContactView,
    pub publish_consent: bool,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub reply_text: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    /// Every confirmation and override, oldest first.
    pub corrections: Vec<CorrectionRecord>,
    /// 主办 and 协办 units.
    pub units: Vec<crate::store::CaseUnit>,
    pub is_complex: bool,
    /// The main case this one was merged into (并单), by id.
    pub merged_into: Option<String>,
    /// Cases merged into this one.
    pub merged_cases: Vec<String>,
    pub paused_at: Option<DateTime<Utc>>,
    pub pause_reason: Option<String>,
    /// The unit's submitted reply, waiting for review (or the last one reviewed).
    pub reply_draft: Option<String>,
    pub reply_submitted_by: Option<String>,
    pub reply_published_at: Option<DateTime<Utc>>,
    pub reply_published_by: Option<String>,
    pub satisfaction: Option<String>,
    pub satisfaction_comment: Option<String>,
    pub reopen_count: i32,
    pub closed_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    /// Leader instructions (批示) and the unit's reports on them.
    pub instructions: Vec<crate::store::InstructionRecord>,
    /// The audit log (办理记录), oldest first.
    pub events: Vec<crate::store::EventRecord>,
    /// Likely duplicates (并单 candidates): similar cases above the duplicate threshold, among
    /// the cases the viewer may see (a handler: their unit's and published ones).
    pub duplicate_candidates: Vec<crate::search::DuplicateCandidate>,
}

fn summary(c: &CaseRecord) -> CaseSummary {
    let status = CaseStatus::parse(&c.status);
    // A paused case's clock is stopped: it is not overdue while it waits on the citizen.
    let open = status.is_some_and(|s| s.is_open() && s != CaseStatus::Paused);
    CaseSummary {
        first_response_due: c.first_response_due,
        reply_due: c.reply_due,
        overdue: open && c.reply_due.is_some_and(|d| d < Utc::now()),
        deadline_note: c.deadline_note.clone(),
        case_number: c.case_number.clone(),
        title: c.title.clone(),
        channel: c.channel.clone(),
        status: c.status.clone(),
        status_name: status.map_or("", CaseStatus::chinese).to_string(),
        received_at: c.received_at,
        confirmed: c.confirmed,
        category: c.category.clone(),
        department: c.department.clone(),
        request_type: c.request_type.clone(),
        urgency: c.urgency.clone(),
        suggestion: Suggestion {
            category: c.suggested_category.clone(),
            department: c.suggested_department.clone(),
            confidence: c.suggested_confidence,
            uncertain: c.suggested_uncertain,
            key_terms: c
                .suggested_key_terms
                .as_deref()
                .and_then(|k| serde_json::from_str(k).ok())
                .unwrap_or_default(),
            request_type: c.suggested_type.clone(),
            urgency: c.suggested_urgency.clone(),
            model_version: c.model_version.clone(),
        },
    }
}

/// A `status` filter must name a case status (the queue and the staff search share it).
pub(crate) fn check_status_filter(status: Option<&str>) -> Result<(), ApiError> {
    if let Some(s) = status
        && CaseStatus::parse(s).is_none()
    {
        let all: Vec<&str> = CaseStatus::ALL.iter().map(|s| s.code()).collect();
        return Err(
            ApiError::bad_request(format!("status must be one of {}", all.join(", ")))
                .with_field("status"),
        );
    }
    Ok(())
}

/// The staff queue, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/cases",
    params(QueueQuery),
    responses((status = 200, body = QueuePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "staff"
)]
pub async fn list_cases(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<QueuePage>, ApiError> {
    check_status_filter(q.status.as_deref())?;
    if let Some(u) = &q.urgency
        && !URGENCIES.contains(&u.as_str())
    {
        return Err(
            ApiError::bad_request("urgency must be 特急, 紧急 or 一般").with_field("urgency")
        );
    }
    let page = q.page.unwrap_or(1);
    if page == 0 {
        return Err(ApiError::bad_request("page starts at 1").with_field("page"));
    }
    let per_page = q.per_page.unwrap_or(20);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(
            ApiError::bad_request(format!("per_page must be 1 to {MAX_PER_PAGE}"))
                .with_field("per_page"),
        );
    }
    let order = match q.sort.as_deref() {
        None | Some("urgency") => QueueOrder::Urgency,
        Some("newest") => QueueOrder::Newest,
        Some("due") => QueueOrder::Due,
        Some(_) => {
            return Err(
                ApiError::bad_request("sort must be urgency, newest or due").with_field("sort")
            );
        }
    };
    let actor = staff.actor()?;
    // A handler's queue holds their unit's cases only.
    let unit_scope = match actor.role {
        crate::cases::Role::Handler => Some(actor.unit.clone().unwrap_or_default()),
        _ => None,
    };
    let filter = CaseFilter {
        unit_scope,
        order,
        status: q.status,
        department: q.department,
        confirmed: q.confirmed,
        urgency: q.urgency,
    };
    let result = app.store.list_cases(&filter, page, per_page).await?;
    Ok(Json(QueuePage {
        items: result.items.iter().map(summary).collect(),
        page,
        per_page,
        total: result.total,
    }))
}

fn parse_number(s: &str) -> Result<CaseNumber, ApiError> {
    CaseNumber::parse(s).ok_or_else(|| {
        ApiError::not_found(format!("no case {s:?}: case numbers look like 2026-000123"))
    })
}

fn case_not_found(number: &CaseNumber) -> impl FnOnce(crate::store::StoreError) -> ApiError + '_ {
    move |e| match e {
        crate::store::StoreError::NotFound => ApiError::not_found(format!("no case {number}")),
        other => other.into(),
    }
}

/// The case view for `staff` (who has already been let see the case); what it shows of other
/// cases (duplicate candidates) is narrowed to what they may see.
pub(super) async fn detail(
    app: &AppState,
    staff: &Staff,
    case: CaseRecord,
) -> Result<CaseDetail, ApiError> {
    let corrections = app.store.corrections(case.id).await?;
    let units = app.store.case_units(case.id).await?;
    let instructions = app.store.instructions(case.id).await?;
    let events = app.store.case_events(case.id).await?;
    let merged_cases = app.store.merged_cases(case.id).await?;
    let merged_into = match case.merged_into {
        Some(id) => Some(app.store.case_by_id(id).await?.case_number),
        None => None,
    };
    let duplicate_candidates = super::search::duplicate_candidates(app, staff, case.id).await?;
    Ok(CaseDetail {
        duplicate_candidates,
        units,
        is_complex: case.is_complex,
        merged_into,
        merged_cases,
        paused_at: case.paused_at,
        pause_reason: case.pause_reason.clone(),
        reply_draft: case.reply_draft.clone(),
        reply_submitted_by: case.reply_submitted_by.clone(),
        reply_published_at: case.reply_published_at,
        reply_published_by: case.reply_published_by.clone(),
        satisfaction: case.satisfaction.clone(),
        satisfaction_comment: case.satisfaction_comment.clone(),
        reopen_count: case.reopen_count,
        closed_at: case.closed_at,
        archived_at: case.archived_at,
        instructions,
        events,
        summary: summary(&case),
        body: case.body,
        location: case.location,
        contact: ContactView {
            name: case.contact_name,
            phone: case.contact_phone,
            email: case.contact_email,
        },
        publish_consent: case.publish_consent,
        confirmed_by: case.confirmed_by,
        confirmed_at: case.confirmed_at,
        reply_text: case.reply_text,
        replied_at: case.replied_at,
        corrections,
    })
}

/// One case, with the citizen's contact details (staff only) and the corrections log.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_number}",
    params(("case_number" = String, Path, description = "e.g. 2026-000123")),
    responses((status = 200, body = CaseDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "staff"
)]
pub async fn get_case(
    State(app): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
) -> Result<Json<CaseDetail>, ApiError> {
    let number = parse_number(&number)?;
    let (case, _) = crate::workflow::load_visible(&app.store, &staff.actor()?, &number).await?;
    Ok(Json(detail(&app, &staff, case).await?))
}

/// Staff's decision on the triage suggestion. Omitted fields confirm the current value.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// 一级标签; the department follows from the mapping.
    pub category: Option<String>,
    /// 咨询, 求助, 投诉, 举报, 建议 or 表扬.
    pub request_type: Option<String>,
    /// 特急, 紧急 or 一般.
    pub urgency: Option<String>,
    pub note: Option<String>,
}

/// Confirm or override the suggested category/department, type and urgency. Each field is logged
/// with who, when, the old and the new value.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_number}/triage",
    params(("case_number" = String, Path, description = "e.g. 2026-000123")),
    request_body = DecisionRequest,
    responses((status = 200, body = CaseDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "staff"
)]
pub async fn decide_triage(
    State(app): State<AppState>,
    staff_auth: Staff,
    Path(number): Path<String>,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> Result<Json<CaseDetail>, ApiError> {
    staff_auth.require(&[crate::cases::Role::Dispatcher])?;
    let staff = &staff_auth.0;
    let number = parse_number(&number)?;
    let mut decision = TriageDecision {
        note: req.note.filter(|n| !n.trim().is_empty()),
        ..Default::default()
    };
    if let Some(n) = &decision.note
        && n.chars().count() > 1000
    {
        return Err(ApiError::invalid_field(
            "note",
            "must be at most 1000 characters",
        ));
    }
    if let Some(cat) = req.category {
        let department = app.triage.departments.department(&cat).ok_or_else(|| {
            let all: Vec<&str> = app
                .triage
                .departments
                .departments
                .keys()
                .map(String::as_str)
                .collect();
            ApiError::invalid_field(
                "category",
                format!("category must be one of {}", all.join(", ")),
            )
        })?;
        decision.department = Some(department.to_string());
        decision.category = Some(cat);
    }
    if let Some(t) = req.request_type {
        if !REQUEST_TYPES.contains(&t.as_str()) {
            return Err(ApiError::invalid_field(
                "request_type",
                format!("request_type must be one of {}", REQUEST_TYPES.join(", ")),
            ));
        }
        decision.request_type = Some(t);
    }
    if let Some(u) = req.urgency {
        if !URGENCIES.contains(&u.as_str()) {
            return Err(ApiError::invalid_field(
                "urgency",
                "urgency must be 特急, 紧急 or 一般",
            ));
        }
        decision.urgency = Some(u);
    }
    let actor = format!("{} ({})", staff.name, staff.role);
    let mut case = app
        .store
        .decide_triage(&number, &decision, &actor, Utc::now())
        .await
        .map_err(case_not_found(&number))?;
    // Urgency and type choose the service level: re-date the case when staff set them.
    if decision.urgency.is_some() || decision.request_type.is_some() {
        let d = app.rules.deadlines_for(
            case.received_at,
            case.urgency.as_deref(),
            case.request_type.as_deref(),
            case.is_complex,
        );
        app.store
            .set_deadlines(
                case.id,
                d.first_response_due,
                d.reply_due,
                d.note.as_deref(),
            )
            .await?;
        case = app.store.case_by_number(&number).await?;
    }
    Ok(Json(detail(&app, &staff_auth, case).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HotQuery {
    /// Look back this many days (1–365, default 30).
    pub days: Option<u32>,
    /// How many topics (1–50, default 10).
    pub top: Option<usize>,
}

/// Most cases a hot-topic request clusters: the greedy pass compares each case with every open
/// topic, and 4,300 cases take about 2 s in a release build.
const HOT_MAX_CASES: i64 = 5_000;

/// Hot topics (热点) of the cases received in the last `days` days: cases about the same matter and
/// place, ranked by heat (distinct people × recency). `messages` are case numbers.
#[utoipa::path(
    get,
    path = "/api/v1/hot",
    params(HotQuery),
    responses((status = 200, description = "Topics, hottest first"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "staff"
)]
pub async fn hot_topics(
    State(app): State<AppState>,
    _staff: Staff,
    ApiQuery(q): ApiQuery<HotQuery>,
) -> Result<Json<Vec<crate::supervise::hot::Topic>>, ApiError> {
    let days = q.days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(ApiError::bad_request("days must be 1 to 365").with_field("days"));
    }
    let top = q.top.unwrap_or(10);
    if !(1..=50).contains(&top) {
        return Err(ApiError::bad_request("top must be 1 to 50").with_field("top"));
    }
    let since = Utc::now() - chrono::Duration::days(i64::from(days));
    let rows = app.store.cases_since(since, HOT_MAX_CASES).await?;
    let messages: Vec<crate::supervise::hot::HotMessage> = rows
        .into_iter()
        .map(
            |(id, user, title, body, time)| crate::supervise::hot::HotMessage {
                id,
                user,
                title,
                body,
                time,
                likes: 0,
                dislikes: 0,
                label: None,
            },
        )
        .collect();
    let triage = app.triage.clone();
    let mut topics = tokio::task::spawn_blocking(move || {
        crate::supervise::hot::detect(
            &messages,
            &triage.segmenter,
            crate::supervise::hot::HotOptions::default(),
            2,
        )
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "hot-topic detection failed");
        ApiError::internal()
    })?;
    topics.truncate(top);
    Ok(Json(topics))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryChoice {
    /// 一级标签.
    pub category: String,
    /// The department it routes to.
    pub department: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusChoice {
    pub code: String,
    pub name: String,
}

/// The values staff choose from, so that forms offer exactly what the server accepts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Choices {
    /// Categories (一级标签) with their departments, as the label mapping says.
    pub categories: Vec<CategoryChoice>,
    /// 诉求类型.
    pub request_types: Vec<String>,
    /// 紧急程度, most urgent first.
    pub urgencies: Vec<String>,
    /// Case statuses with their Chinese names, in workflow order.
    pub statuses: Vec<StatusChoice>,
}

/// The choices of the triage decision (category, request type, urgency) and the case statuses.
#[utoipa::path(
    get,
    path = "/api/v1/choices",
    responses((status = 200, body = Choices), (status = 401, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "staff"
)]
pub async fn choices(State(app): State<AppState>, _staff: Staff) -> Json<Choices> {
    Json(Choices {
        categories: app
            .triage
            .departments
            .departments
            .iter()
            .map(|(c, d)| CategoryChoice {
                category: c.clone(),
                department: d.clone(),
            })
            .collect(),
        request_types: REQUEST_TYPES.iter().map(|s| s.to_string()).collect(),
        urgencies: URGENCIES.iter().map(|s| s.to_string()).collect(),
        statuses: CaseStatus::ALL
            .iter()
            .map(|s| StatusChoice {
                code: s.code().into(),
                name: s.chinese().into(),
            })
            .collect(),
    })
}
