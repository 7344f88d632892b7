//! Search endpoints: staff search and similar cases, FAQ administration (staff), and the public
//! FAQ search with suggestions (no authentication; everything masked).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Staff;
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery};
use crate::cases::CaseNumber;
use crate::search::{
    DuplicateCandidate, PublicPage, SearchError, SearchFilters, SearchIndex, SearchPage,
    SimilarCase, SimilarOptions,
};
use crate::store::{FaqFields, FaqRecord, StoreError};

const MAX_PER_PAGE: u32 = 100;
const MAX_QUERY_CHARS: usize = 200;

impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::NoWords(field) => ApiError::bad_request(format!(
                "{field} has no words to search for (only punctuation or very common words)"
            ))
            .with_field(field),
            SearchError::Store(s) => s.into(),
            other => {
                tracing::error!(error = %other, "search failed");
                ApiError::internal()
            }
        }
    }
}

fn index(app: &AppState) -> Result<Arc<SearchIndex>, ApiError> {
    app.search.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "search_unavailable",
            "the search index is not available on this instance",
        )
    })
}

/// Runs index work on the blocking pool (segmentation and scoring are CPU work).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SearchError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "search task failed");
            ApiError::internal()
        })?
        .map_err(ApiError::from)
}

fn required_query(q: Option<String>) -> Result<String, ApiError> {
    let q = q.unwrap_or_default();
    if q.trim().is_empty() {
        return Err(ApiError::bad_request("q is required").with_field("q"));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(format!(
            "q must be at most {MAX_QUERY_CHARS} characters"
        ))
        .with_field("q"));
    }
    Ok(q)
}

fn paging(page: Option<u32>, per_page: Option<u32>, default: u32) -> Result<(u32, u32), ApiError> {
    let page = page.unwrap_or(1);
    if !(1..=1000).contains(&page) {
        return Err(ApiError::bad_request("page must be 1 to 1000").with_field("page"));
    }
    let per_page = per_page.unwrap_or(default);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(
            ApiError::bad_request(format!("per_page must be 1 to {MAX_PER_PAGE}"))
                .with_field("per_page"),
        );
    }
    Ok((page, per_page))
}

/// `YYYY-MM-DD` (midnight China Standard Time) or an RFC 3339 time.
fn parse_date(field: &str, s: &str) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Ok(d.with_timezone(&Utc));
    }
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|d| cst.from_local_datetime(&d).single())
        .map(|d| d.with_timezone(&Utc))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{field} must be a date (YYYY-MM-DD) or an RFC 3339 time"
            ))
            .with_field(field)
        })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to search for (required, at most 200 characters).
    pub q: Option<String>,
    /// Department (confirmed, or suggested while unconfirmed).
    pub unit: Option<String>,
    /// 一级标签.
    pub category: Option<String>,
    /// 诉求类型: 咨询, 求助, 投诉, 举报, 建议 or 表扬.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub request_type: Option<String>,
    /// Case status code (received, assigned, …, replied, closed, archived).
    pub status: Option<String>,
    /// Received at or after (YYYY-MM-DD, China Standard Time, or RFC 3339).
    pub from: Option<String>,
    /// Received before (YYYY-MM-DD: before that day starts; or RFC 3339).
    pub to: Option<String>,
    /// Page from 1 (default 1).
    pub page: Option<u32>,
    /// Hits per page, 1–100 (default 20).
    pub per_page: Option<u32>,
}

/// Precedent search over all cases (BM25; title words weigh more), with filters, facet counts per
/// unit and category, highlighted snippets and paging.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    params(SearchQuery),
    responses((status = 200, body = SearchPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "search"
)]
pub async fn search(
    State(app): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<SearchPage>, ApiError> {
    let text = required_query(q.q)?;
    let (page, per_page) = paging(q.page, q.per_page, 20)?;
    super::staff::check_status_filter(q.status.as_deref())?;
    if let Some(t) = &q.request_type
        && !super::staff::REQUEST_TYPES.contains(&t.as_str())
    {
        return Err(ApiError::bad_request(format!(
            "type must be one of {}",
            super::staff::REQUEST_TYPES.join(", ")
        ))
        .with_field("type"));
    }
    let from = q
        .from
        .as_deref()
        .map(|s| parse_date("from", s))
        .transpose()?;
    let to = q.to.as_deref().map(|s| parse_date("to", s)).transpose()?;
    if let (Some(a), Some(b)) = (from, to)
        && a >= b
    {
        return Err(ApiError::bad_request("to must be after from").with_field("to"));
    }
    let filters = SearchFilters {
        unit: q.unit.filter(|s| !s.is_empty()),
        category: q.category.filter(|s| !s.is_empty()),
        request_type: q.request_type,
        status: q.status,
        from,
        to,
        // Handlers see their own unit's cases and published ones, as everywhere else.
        visible_unit: handler_unit(&staff)?,
    };
    let ix = index(&app)?;
    let page = blocking(move || ix.search_cases(&text, &filters, page as usize, per_page as usize))
        .await?;
    Ok(Json(page))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// How many, 1–50 (default 10).
    pub limit: Option<usize>,
}

/// A handler's unit (their search scope); `None` for every other role.
fn handler_unit(staff: &Staff) -> Result<Option<String>, ApiError> {
    let actor = staff.actor()?;
    Ok(match actor.role {
        crate::cases::Role::Handler => Some(actor.unit.unwrap_or_default()),
        _ => None,
    })
}

fn parse_number(s: &str) -> Result<CaseNumber, ApiError> {
    CaseNumber::parse(s).ok_or_else(|| {
        ApiError::not_found(format!("no case {s:?}: case numbers look like 2026-000123"))
    })
}

/// Similar cases (more-like-this over the case's subject and text), excluding the case itself
/// and the cases merged with it; cases of its category rank higher.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_number}/similar",
    params(("case_number" = String, Path, description = "e.g. 2026-000123"), SimilarQuery),
    responses((status = 200, body = Vec<SimilarCase>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "search"
)]
pub async fn similar(
    State(app): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
    ApiQuery(q): ApiQuery<SimilarQuery>,
) -> Result<Json<Vec<SimilarCase>>, ApiError> {
    let limit = q.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::bad_request("limit must be 1 to 50").with_field("limit"));
    }
    let number = parse_number(&number)?;
    let scope = handler_unit(&staff)?;
    if scope.is_some() {
        // The case itself must be the handler's (404 otherwise, like the case view).
        crate::workflow::load_visible(&app.store, &staff.actor()?, &number).await?;
    }
    let not_found = |e: StoreError| match e {
        StoreError::NotFound => ApiError::not_found(format!("no case {number}")),
        other => other.into(),
    };
    let id = app
        .store
        .case_id_by_number(number.as_str())
        .await
        .map_err(not_found)?;
    let row = app
        .store
        .search_cases_by_ids(&[id])
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("no case {number}")))?;
    let mut exclude = app.store.merge_group(id).await?;
    exclude.push(id);
    let ix = index(&app)?;
    let scoped = scope.is_some();
    let similar = blocking(move || {
        ix.similar_to_text(
            &row.title,
            &row.body,
            row.category.as_deref(),
            &exclude,
            // A handler's list keeps only their unit's cases: ask for more to fill it.
            if scoped { limit * 4 } else { limit },
            SimilarOptions::default(),
        )
    })
    .await?;
    let similar = match &scope {
        Some(unit) => similar
            .into_iter()
            .filter(|c| c.unit.as_deref() == Some(unit.as_str()))
            .take(limit)
            .collect(),
        None => similar,
    };
    Ok(Json(similar))
}

/// Likely duplicates (并单 candidates) of a case, for the staff case view, among the cases the
/// viewer may see (a handler: their unit's and published ones, as in the staff search — a
/// candidate shows another case's number and title). Empty when the index is unavailable: the
/// case view must not fail because search does.
pub async fn duplicate_candidates(
    app: &AppState,
    staff: &Staff,
    case_id: i64,
) -> Result<Vec<DuplicateCandidate>, ApiError> {
    // Outside the fallback below: an unknown role must not see every unit's candidates.
    let scope = handler_unit(staff)?;
    let result: Result<Vec<DuplicateCandidate>, ApiError> = async {
        let ix = index(app)?;
        let Some(row) = app.store.search_cases_by_ids(&[case_id]).await?.pop() else {
            return Ok(Vec::new());
        };
        let mut exclude = app.store.merge_group(case_id).await?;
        exclude.push(case_id);
        blocking(move || ix.duplicate_candidates(&row.title, &row.body, &exclude, scope.as_deref()))
            .await
    }
    .await;
    Ok(result.unwrap_or_else(|e| {
        tracing::warn!(case_id, error = %e.message, "duplicate candidates unavailable");
        Vec::new()
    }))
}

/// An FAQ entry (常见问题) as staff see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FaqView {
    pub id: i64,
    pub question: String,
    pub answer: String,
    pub unit: Option<String>,
    pub tags: Vec<String>,
    /// `active` or `retired`.
    pub status: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

impl From<FaqRecord> for FaqView {
    fn from(r: FaqRecord) -> Self {
        FaqView {
            tags: r.tag_list(),
            id: r.id,
            question: r.question,
            answer: r.answer,
            unit: r.unit,
            status: r.status,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaqRequest {
    /// 1–200 characters.
    pub question: String,
    /// 1–5,000 characters.
    pub answer: String,
    /// The unit that answers this kind of question.
    pub unit: Option<String>,
    /// Up to 10 tags of at most 20 characters each.
    #[serde(default)]
    pub tags: Vec<String>,
}

fn faq_fields(req: FaqRequest) -> Result<FaqFields, ApiError> {
    let question = req.question.trim().to_string();
    let answer = req.answer.trim().to_string();
    if question.is_empty() || question.chars().count() > 200 {
        return Err(ApiError::invalid_field(
            "question",
            "question must be 1 to 200 characters",
        ));
    }
    if answer.is_empty() || answer.chars().count() > 5000 {
        return Err(ApiError::invalid_field(
            "answer",
            "answer must be 1 to 5000 characters",
        ));
    }
    let unit = req
        .unit
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    if unit.as_ref().is_some_and(|u| u.chars().count() > 100) {
        return Err(ApiError::invalid_field(
            "unit",
            "unit must be at most 100 characters",
        ));
    }
    let tags: Vec<String> = req
        .tags
        .into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if tags.len() > 10 || tags.iter().any(|t| t.chars().count() > 20) {
        return Err(ApiError::invalid_field(
            "tags",
            "at most 10 tags of at most 20 characters each",
        ));
    }
    Ok(FaqFields {
        question,
        answer,
        unit,
        tags,
    })
}

fn actor(staff: &crate::store::StaffIdentity) -> String {
    format!("{} ({})", staff.name, staff.role)
}

/// Create an FAQ entry; it is searchable publicly within about a second.
#[utoipa::path(
    post,
    path = "/api/v1/faq",
    request_body = FaqRequest,
    responses((status = 201, body = FaqView), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "faq"
)]
pub async fn create_faq(
    State(app): State<AppState>,
    Staff(staff): Staff,
    ApiJson(req): ApiJson<FaqRequest>,
) -> Result<(StatusCode, Json<FaqView>), ApiError> {
    let fields = faq_fields(req)?;
    let rec = app
        .store
        .create_faq(&fields, &actor(&staff), Utc::now())
        .await?;
    Ok((StatusCode::CREATED, Json(rec.into())))
}

fn faq_not_found(id: i64) -> impl FnOnce(StoreError) -> ApiError {
    move |e| match e {
        StoreError::NotFound => ApiError::not_found(format!("no FAQ entry {id}")),
        other => other.into(),
    }
}

/// Replace an FAQ entry's question, answer, unit and tags.
#[utoipa::path(
    put,
    path = "/api/v1/faq/{id}",
    params(("id" = i64, Path)),
    request_body = FaqRequest,
    responses((status = 200, body = FaqView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "faq"
)]
pub async fn update_faq(
    State(app): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<FaqRequest>,
) -> Result<Json<FaqView>, ApiError> {
    let id = faq_id(&id)?;
    let fields = faq_fields(req)?;
    let rec = app
        .store
        .update_faq(id, &fields, &actor(&staff), Utc::now())
        .await
        .map_err(faq_not_found(id))?;
    Ok(Json(rec.into()))
}

fn faq_id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>().ok().filter(|&i| i > 0).ok_or_else(|| {
        ApiError::not_found(format!("no FAQ entry {s:?}: ids are positive integers"))
    })
}

/// Retire an FAQ entry: it leaves the public search; the record stays.
#[utoipa::path(
    post,
    path = "/api/v1/faq/{id}/retire",
    params(("id" = i64, Path)),
    responses((status = 200, body = FaqView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "faq"
)]
pub async fn retire_faq(
    State(app): State<AppState>,
    Staff(staff): Staff,
    Path(id): Path<String>,
) -> Result<Json<FaqView>, ApiError> {
    let id = faq_id(&id)?;
    let rec = app
        .store
        .retire_faq(id, &actor(&staff), Utc::now())
        .await
        .map_err(faq_not_found(id))?;
    Ok(Json(rec.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FaqListQuery {
    /// active or retired (default: both).
    pub status: Option<String>,
    pub page: Option<u32>,
    /// 1–100 (default 20).
    pub per_page: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FaqPage {
    pub items: Vec<FaqView>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
}

/// FAQ entries, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/faq",
    params(FaqListQuery),
    responses((status = 200, body = FaqPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "faq"
)]
pub async fn list_faq(
    State(app): State<AppState>,
    _staff: Staff,
    ApiQuery(q): ApiQuery<FaqListQuery>,
) -> Result<Json<FaqPage>, ApiError> {
    if let Some(s) = &q.status
        && s != "active"
        && s != "retired"
    {
        return Err(ApiError::bad_request("status must be active or retired").with_field("status"));
    }
    let (page, per_page) = paging(q.page, q.per_page, 20)?;
    let result = app
        .store
        .list_faq(q.status.as_deref(), page, per_page)
        .await?;
    Ok(Json(FaqPage {
        items: result.items.into_iter().map(FaqView::from).collect(),
        page,
        per_page,
        total: result.total,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicSearchQuery {
    /// What the citizen asks (required, at most 200 characters).
    pub q: Option<String>,
    /// Page from 1 (default 1); 10 hits per page.
    pub page: Option<u32>,
}

/// Self-service answers: active FAQ entries and published replies to earlier messages, with
/// personal data masked.
#[utoipa::path(
    get,
    path = "/api/public/faq/search",
    params(PublicSearchQuery),
    responses((status = 200, body = PublicPage), (status = 400, body = ErrorBody)),
    tag = "public"
)]
pub async fn public_search(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<PublicSearchQuery>,
) -> Result<Json<PublicPage>, ApiError> {
    let text = required_query(q.q)?;
    let (page, _) = paging(q.page, None, 10)?;
    let ix = index(&app)?;
    let result = blocking(move || ix.public_search(&text, page as usize, 10)).await?;
    Ok(Json(result))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What has been typed so far (at most 100 characters; empty gives no suggestions).
    pub q: Option<String>,
    /// How many, 1–20 (default 8).
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    /// Questions and subjects that continue the typed text (masked).
    pub suggestions: Vec<String>,
}

/// Suggestions while typing: public questions and subjects continuing the typed words.
#[utoipa::path(
    get,
    path = "/api/public/faq/suggest",
    params(SuggestQuery),
    responses((status = 200, body = Suggestions), (status = 400, body = ErrorBody)),
    tag = "public"
)]
pub async fn suggest(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<SuggestQuery>,
) -> Result<Json<Suggestions>, ApiError> {
    let text = q.q.unwrap_or_default();
    if text.chars().count() > 100 {
        return Err(ApiError::bad_request("q must be at most 100 characters").with_field("q"));
    }
    let limit = q.limit.unwrap_or(8);
    if !(1..=20).contains(&limit) {
        return Err(ApiError::bad_request("limit must be 1 to 20").with_field("limit"));
    }
    let ix = index(&app)?;
    let suggestions = blocking(move || ix.suggest(&text, limit)).await?;
    Ok(Json(Suggestions { suggestions }))
}
