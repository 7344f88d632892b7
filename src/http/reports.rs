//! Supervision endpoints: the monthly report (月报) in four formats, the department assessment
//! (考核), public statistics, and early warnings (舆情预警).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Staff;
use super::error::{ApiError, ErrorBody};
use super::extract::ApiQuery;
use crate::cases::Role;
use crate::store::WarningRecord;
use crate::supervise::render::{self, Format};
use crate::supervise::{Assessment, Month, MonthlyReport, PublicStats};

/// Who may read reports: the office (dispatchers), supervisors and leaders (admins always).
const REPORT_ROLES: [Role; 3] = [Role::Supervisor, Role::Leader, Role::Dispatcher];

/// Public statistics are computed at most once a minute per `months` value: the endpoint needs
/// no login, and a year of cases is not re-read for every visitor.
const STATS_TTL: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct StatsCache {
    entries: Mutex<HashMap<u32, (Instant, Arc<PublicStats>)>>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthlyQuery {
    /// The month, YYYY-MM (China time).
    pub month: Option<String>,
    /// json (default), html, xlsx or csv.
    pub format: Option<String>,
}

fn parse_month(m: Option<&str>) -> Result<Month, ApiError> {
    let m = m.ok_or_else(|| {
        ApiError::bad_request("month is required (YYYY-MM, e.g. 2026-03)").with_field("month")
    })?;
    Month::parse(m).map_err(|e| ApiError::bad_request(e.to_string()).with_field("month"))
}

async fn report(app: &AppState, month: Month) -> Result<MonthlyReport, ApiError> {
    Ok(crate::reporting::monthly_report(
        &app.store,
        &app.rules,
        &app.supervision.assessment,
        month,
        Utc::now(),
    )
    .await?)
}

/// The monthly report (月报) of the cases received in a month: counts, on-time rates, handling
/// time, overdue list, satisfaction, instructions and the assessment (docs/supervision.md).
/// `format=html` is a page with SVG charts, `xlsx` a workbook, `csv` long-form rows.
#[utoipa::path(
    get,
    path = "/api/v1/reports/monthly",
    params(MonthlyQuery),
    responses(
        (status = 200, body = MonthlyReport, description = "JSON, or the file in the format asked for"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)
    ),
    security(("staff_token" = [])),
    tag = "supervision"
)]
pub async fn monthly(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<MonthlyQuery>,
) -> Result<Response, ApiError> {
    staff.require(&REPORT_ROLES)?;
    let month = parse_month(q.month.as_deref())?;
    let format = match q.format.as_deref() {
        None => Format::Json,
        Some(f) => Format::parse(f).ok_or_else(|| {
            ApiError::bad_request("format must be json, html, xlsx or csv").with_field("format")
        })?,
    };
    let report = report(&app, month).await?;
    let bytes = render::render(&report, format).map_err(|e| {
        tracing::error!(error = %e, "rendering the monthly report failed");
        ApiError::internal()
    })?;
    let mut headers = vec![(header::CONTENT_TYPE, format.content_type().to_string())];
    if matches!(format, Format::Xlsx | Format::Csv) {
        headers.push((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"wenzheng-report-{month}.{}\"",
                format.extension()
            ),
        ));
    }
    let mut response = bytes.into_response();
    for (k, v) in headers {
        response.headers_mut().insert(
            k,
            v.parse()
                .expect("content types and file names are valid header values"),
        );
    }
    Ok(response)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssessmentQuery {
    /// The month, YYYY-MM (China time).
    pub month: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MonthAssessment {
    pub month: String,
    pub as_of: DateTime<Utc>,
    #[serde(flatten)]
    pub assessment: Assessment,
}

/// Department assessment (考核) of a month: per unit 响应率, 解决率, 满意率, overdue and 退单 counts,
/// the weighted score and the rank; units with fewer than `min_cases` cases are 样本不足.
#[utoipa::path(
    get,
    path = "/api/v1/reports/assessment",
    params(AssessmentQuery),
    responses((status = 200, body = MonthAssessment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "supervision"
)]
pub async fn assessment(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<AssessmentQuery>,
) -> Result<Json<MonthAssessment>, ApiError> {
    staff.require(&REPORT_ROLES)?;
    let month = parse_month(q.month.as_deref())?;
    let r = report(&app, month).await?;
    Ok(Json(MonthAssessment {
        month: r.month,
        as_of: r.as_of,
        assessment: r.assessment,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// How many months, up to and including the current one (1–36, default 12).
    pub months: Option<u32>,
}

/// Public statistics: cases received and answered, reply rate and average reply time (working
/// days), in total, per month and per unit. Counts only: no names, numbers or message text.
#[utoipa::path(
    get,
    path = "/api/public/stats",
    params(StatsQuery),
    responses((status = 200, body = PublicStats), (status = 400, body = ErrorBody)),
    tag = "public"
)]
pub async fn public_stats(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<PublicStats>, ApiError> {
    let months = q.months.unwrap_or(12);
    if !(1..=36).contains(&months) {
        return Err(ApiError::bad_request("months must be 1 to 36").with_field("months"));
    }
    {
        let cache = app
            .stats_cache
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some((_, stats)) = cache
            .get(&months)
            .filter(|(at, _)| at.elapsed() < STATS_TTL)
        {
            return Ok(Json(PublicStats::clone(stats)));
        }
    }
    let stats = crate::reporting::public_stats(&app.store, &app.rules, months, Utc::now()).await?;
    app.stats_cache
        .entries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(months, (Instant::now(), Arc::new(stats.clone())));
    Ok(Json(stats))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarningsQuery {
    /// How many, newest first (1–500, default 100).
    pub limit: Option<i64>,
}

/// Recorded early warnings (舆情预警), newest first.
#[utoipa::path(
    get,
    path = "/api/v1/warnings",
    params(WarningsQuery),
    responses((status = 200, body = [WarningRecord]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "supervision"
)]
pub async fn warnings(
    State(app): State<AppState>,
    _staff: Staff,
    ApiQuery(q): ApiQuery<WarningsQuery>,
) -> Result<Json<Vec<WarningRecord>>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("limit must be 1 to 500").with_field("limit"));
    }
    Ok(Json(app.store.warnings(limit).await?))
}

/// Runs early-warning detection now over the cases of the look-back window and records the
/// warnings not yet known (one per topic). Supervisors and admins.
#[utoipa::path(
    post,
    path = "/api/v1/warnings/scan",
    responses((status = 200, body = crate::reporting::ScanOutcome), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "supervision"
)]
pub async fn scan_warnings(
    State(app): State<AppState>,
    staff: Staff,
) -> Result<Json<crate::reporting::ScanOutcome>, ApiError> {
    staff.require(&[Role::Supervisor])?;
    let outcome = crate::reporting::scan_warnings(
        &app.store,
        app.triage.clone(),
        &app.supervision.warnings,
        Utc::now(),
    )
    .await
    .map_err(|e| match e {
        crate::reporting::ScanError::Store(s) => ApiError::from(s),
        other => {
            tracing::error!(error = %other, "early-warning scan failed");
            ApiError::internal()
        }
    })?;
    Ok(Json(outcome))
}
