//! Workflow endpoints: actions on a case (交办, 签收, 退单, 并单, 挂起, 批示, 答复, 审核发布, 办结,
//! 重新办理, 催办 …), the audit log, the citizen's rating, the public 部门回应 column, login and
//! the admin's people and units.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::{Staff, bearer_digest};
use super::error::{ApiError, ErrorBody};
use super::extract::{ApiJson, ApiQuery};
use crate::cases::{Action, Actor, CaseNumber, Role, Satisfaction, TrackingCode};
use crate::store::{EventRecord, UnitRecord};
use crate::text::mask_personal_data;
use crate::workflow::people::{self, NewUser};

/// What an action needs; each action reads the fields it uses and refuses a missing one by name.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// assign: the lead unit (主办单位).
    pub lead_unit: Option<String>,
    /// assign: co-handling units (协办单位).
    pub co_units: Option<Vec<String>>,
    /// assign: complex case (15 working days instead of 7).
    pub complex: Option<bool>,
    /// merge: the main case's number.
    pub main_case: Option<String>,
    /// return, pause, reject_reply, reopen: why.
    pub reason: Option<String>,
    /// instruct: the instruction; report_instruction: the report; submit_reply: the reply.
    pub text: Option<String>,
    /// instruct: working days until the report is due (default from the policy).
    pub due_working_days: Option<u32>,
    /// report_instruction: which instruction.
    pub instruction_id: Option<i64>,
    /// Any action: a note for the audit log.
    pub note: Option<String>,
}

fn need<T>(v: Option<T>, field: &str) -> Result<T, ApiError> {
    v.ok_or_else(|| ApiError::invalid_field(field, format!("{field} is required for this action")))
}

/// Actions staff may take through `POST /api/v1/cases/{n}/actions/{action}`.
pub const STAFF_ACTIONS: [&str; 15] = [
    "assign",
    "accept",
    "return",
    "merge",
    "pause",
    "resume",
    "instruct",
    "report_instruction",
    "submit_reply",
    "reject_reply",
    "publish",
    "close",
    "reopen",
    "urge",
    "escalate",
];

fn parse_action(code: &str, r: ActionRequest, app: &AppState) -> Result<Action, ApiError> {
    Ok(match code {
        "assign" => Action::Assign {
            lead_unit: need(r.lead_unit, "lead_unit")?,
            co_units: r.co_units.unwrap_or_default(),
            complex: r.complex.unwrap_or(false),
            note: r.note,
        },
        "accept" => Action::Accept { note: r.note },
        "return" => Action::Return {
            reason: need(r.reason, "reason")?,
        },
        "merge" => Action::Merge {
            main_case: need(r.main_case, "main_case")?,
            note: r.note,
        },
        "pause" => Action::Pause {
            reason: need(r.reason, "reason")?,
        },
        "resume" => Action::Resume { note: r.note },
        "instruct" => Action::Instruct {
            text: need(r.text, "text")?,
            due_working_days: r
                .due_working_days
                .unwrap_or(app.rules.workflow.instruction_working_days),
        },
        "report_instruction" => Action::ReportInstruction {
            instruction_id: need(r.instruction_id, "instruction_id")?,
            text: need(r.text, "text")?,
        },
        "submit_reply" => Action::SubmitReply {
            text: need(r.text, "text")?,
        },
        "reject_reply" => Action::RejectReply {
            reason: need(r.reason, "reason")?,
        },
        "publish" => Action::Publish { note: r.note },
        "close" => Action::Close { note: r.note },
        "reopen" => Action::Reopen {
            reason: need(r.reason, "reason")?,
        },
        "urge" => Action::Urge { note: r.note },
        "escalate" => Action::Escalate { note: r.note },
        other => {
            return Err(ApiError::not_found(format!(
                "no action {other:?}; actions are {}",
                STAFF_ACTIONS.join(", ")
            )));
        }
    })
}

pub(super) fn parse_number(s: &str) -> Result<CaseNumber, ApiError> {
    CaseNumber::parse(s).ok_or_else(|| {
        ApiError::not_found(format!("no case {s:?}: case numbers look like 2026-000123"))
    })
}

/// Take an action on a case. The action is in the path; the JSON body carries what it needs
/// (see `ActionRequest`; `{}` for actions that need nothing). An action the case's state does not allow is 409 `illegal_transition`; one
/// the role does not allow is 403; a handler of another unit gets 404.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_number}/actions/{action}",
    params(
        ("case_number" = String, Path, description = "e.g. 2026-000123"),
        ("action" = String, Path, description = "assign, accept, return, merge, pause, resume, instruct, report_instruction, submit_reply, reject_reply, publish, close, reopen, urge, escalate"),
    ),
    request_body = ActionRequest,
    responses(
        (status = 200, description = "The case after the action", body = super::staff::CaseDetail),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
    ),
    security(("staff_token" = [])),
    tag = "workflow"
)]
pub async fn take_action(
    State(app): State<AppState>,
    staff: Staff,
    Path((number, action)): Path<(String, String)>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> Result<Json<super::staff::CaseDetail>, ApiError> {
    let number = parse_number(&number)?;
    let actor = staff.actor()?;
    let action = parse_action(&action, req, &app)?;
    let case =
        crate::workflow::act(&app.store, &app.rules, &actor, &number, &action, Utc::now()).await?;
    Ok(Json(super::staff::detail(&app, &staff, case).await?))
}

/// The audit log (办理记录) of a case, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_number}/events",
    params(("case_number" = String, Path, description = "e.g. 2026-000123")),
    responses((status = 200, body = [EventRecord]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("staff_token" = [])),
    tag = "workflow"
)]
pub async fn case_events(
    State(app): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
) -> Result<Json<Vec<EventRecord>>, ApiError> {
    let number = parse_number(&number)?;
    let (case, _) = crate::workflow::load_visible(&app.store, &staff.actor()?, &number).await?;
    Ok(Json(app.store.case_events(case.id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// 满意, 基本满意 or 不满意.
    pub satisfaction: String,
    pub comment: Option<String>,
}

/// The citizen rates the published reply of their case (by tracking code). 不满意 reopens the case
/// when the policy says so.
#[utoipa::path(
    post,
    path = "/api/v1/track/{tracking_code}/rating",
    params(("tracking_code" = String, Path)),
    request_body = RatingRequest,
    responses((status = 200, body = super::messages::TrackView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    tag = "public"
)]
pub async fn rate(
    State(app): State<AppState>,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<RatingRequest>,
) -> Result<Json<super::messages::TrackView>, ApiError> {
    let not_found = || ApiError::not_found("no case with this tracking code");
    let code = TrackingCode::parse(&code).ok_or_else(not_found)?;
    let satisfaction = Satisfaction::parse(req.satisfaction.trim()).ok_or_else(|| {
        ApiError::invalid_field(
            "satisfaction",
            "satisfaction must be 满意, 基本满意 or 不满意",
        )
    })?;
    let case = app
        .store
        .case_by_tracking_digest(&code.digest())
        .await
        .map_err(|e| match e {
            crate::store::StoreError::NotFound => not_found(),
            other => other.into(),
        })?;
    let units = app.store.case_units(case.id).await?;
    let state = crate::workflow::case_state(&case, &units);
    crate::workflow::act_on(
        &app.store,
        &app.rules,
        &Actor::citizen(),
        &case,
        &state,
        &Action::Rate {
            satisfaction,
            comment: req.comment,
        },
        &[],
        Utc::now(),
    )
    .await?;
    let case = app.store.case_by_id(case.id).await?;
    Ok(Json(super::messages::track_view(case)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number from 1 (default 1).
    pub page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    pub per_page: Option<u32>,
}

/// One published reply in the 部门回应 column. Personal data is masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicReply {
    pub case_number: String,
    pub title: String,
    pub body: String,
    pub department: Option<String>,
    pub received_at: DateTime<Utc>,
    pub replied_at: Option<DateTime<Utc>>,
    pub reply: String,
    pub satisfaction: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicReplyPage {
    pub items: Vec<PublicReply>,
    pub page: u32,
    pub per_page: u32,
    pub total: i64,
}

/// 部门回应: published replies of citizens who consented to publication, newest first, with
/// phone and ID numbers, names and exact addresses masked.
#[utoipa::path(
    get,
    path = "/api/public/replies",
    params(PageQuery),
    responses((status = 200, body = PublicReplyPage), (status = 400, body = ErrorBody)),
    tag = "public"
)]
pub async fn public_replies(
    State(app): State<AppState>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<PublicReplyPage>, ApiError> {
    let page = q.page.unwrap_or(1);
    if page == 0 || page > 10_000 {
        return Err(ApiError::bad_request("page must be 1 to 10000").with_field("page"));
    }
    let per_page = q.per_page.unwrap_or(20);
    if !(1..=100).contains(&per_page) {
        return Err(ApiError::bad_request("per_page must be 1 to 100").with_field("per_page"));
    }
    let result = app.store.published_replies(page, per_page).await?;
    Ok(Json(PublicReplyPage {
        items: result
            .items
            .into_iter()
            .map(|c| PublicReply {
                case_number: c.case_number,
                title: mask_personal_data(&c.title),
                body: mask_personal_data(&c.body),
                department: c.department,
                received_at: c.received_at,
                replied_at: c.reply_published_at,
                reply: mask_personal_data(c.reply_text.as_deref().unwrap_or("")),
                satisfaction: c.satisfaction,
            })
            .collect(),
        page,
        per_page,
        total: result.total,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub name: String,
    pub role: String,
    pub role_name: String,
    pub unit: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: Me,
}

fn me(name: &str, role: &str, unit: Option<String>) -> Me {
    Me {
        name: name.to_string(),
        role: role.to_string(),
        role_name: Role::parse_staff(role)
            .map_or("", Role::chinese)
            .to_string(),
        unit,
    }
}

/// Password login: answers a session token valid for 12 hours.
#[utoipa::path(
    post,
    path = "/api/v1/login",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    tag = "people"
)]
pub async fn login(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let (token, expires_at, user) =
        people::login(&app.store, &req.username, &req.password, Utc::now()).await?;
    Ok(Json(LoginResponse {
        token,
        expires_at,
        user: me(&user.display_name, &user.role, user.unit),
    }))
}

/// Ends the session of the token sent.
#[utoipa::path(post, path = "/api/v1/logout", responses((status = 204), (status = 401, body = ErrorBody)), security(("staff_token" = [])), tag = "people")]
pub async fn logout(
    State(app): State<AppState>,
    _staff: Staff,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    if let Some(d) = bearer_digest(&headers) {
        app.store.revoke_staff_token(&d).await?;
        app.tokens.forget(&d);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = ErrorBody)), security(("staff_token" = [])), tag = "people")]
pub async fn whoami(staff: Staff) -> Json<Me> {
    Json(me(&staff.0.name, &staff.0.role, staff.0.unit.clone()))
}

/// Units (承办单位).
#[utoipa::path(get, path = "/api/v1/units", responses((status = 200, body = [UnitRecord]), (status = 401, body = ErrorBody)), security(("staff_token" = [])), tag = "people")]
pub async fn list_units(
    State(app): State<AppState>,
    _staff: Staff,
) -> Result<Json<Vec<UnitRecord>>, ApiError> {
    Ok(Json(app.store.list_units().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitRequest {
    pub name: Option<String>,
    pub active: Option<bool>,
}

/// Add a unit (admin).
#[utoipa::path(post, path = "/api/v1/units", request_body = UnitRequest, responses((status = 201), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("staff_token" = [])), tag = "people")]
pub async fn add_unit(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(req): ApiJson<UnitRequest>,
) -> Result<StatusCode, ApiError> {
    staff.require(&[])?;
    let name = req.name.unwrap_or_default();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::invalid_field("name", "name: 1–64 characters"));
    }
    app.store.add_unit(name, false, Utc::now()).await?;
    Ok(StatusCode::CREATED)
}

/// Retire or re-activate a unit (admin). A retired unit gets no new cases.
#[utoipa::path(put, path = "/api/v1/units/{name}", request_body = UnitRequest, params(("name" = String, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("staff_token" = [])), tag = "people")]
pub async fn update_unit(
    State(app): State<AppState>,
    staff: Staff,
    Path(name): Path<String>,
    ApiJson(req): ApiJson<UnitRequest>,
) -> Result<StatusCode, ApiError> {
    staff.require(&[])?;
    let active = need(req.active, "active")?;
    app.store
        .set_unit_active(&name, active)
        .await
        .map_err(|e| match e {
            crate::store::StoreError::NotFound => ApiError::not_found(format!("no unit {name:?}")),
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit: Option<String>,
    pub active: bool,
}

/// People who log in (admin).
#[utoipa::path(get, path = "/api/v1/users", responses((status = 200, body = [UserView]), (status = 403, body = ErrorBody)), security(("staff_token" = [])), tag = "people")]
pub async fn list_users(
    State(app): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<UserView>>, ApiError> {
    staff.require(&[])?;
    Ok(Json(
        app.store
            .list_users()
            .await?
            .into_iter()
            .map(|u| UserView {
                username: u.username,
                display_name: u.display_name,
                role: u.role,
                unit: u.unit,
                active: u.active,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRequest {
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub unit: Option<String>,
    pub password: Option<String>,
    pub active: Option<bool>,
}

/// Add a person (admin).
#[utoipa::path(post, path = "/api/v1/users", request_body = UserRequest, responses((status = 201), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("staff_token" = [])), tag = "people")]
pub async fn add_user(
    State(app): State<AppState>,
    staff: Staff,
    ApiJson(req): ApiJson<UserRequest>,
) -> Result<StatusCode, ApiError> {
    staff.require(&[])?;
    let username = need(req.username, "username")?;
    people::add_user(
        &app.store,
        NewUser {
            display_name: req.display_name.unwrap_or_else(|| username.clone()),
            username,
            role: need(req.role, "role")?,
            unit: req.unit,
            password: need(req.password, "password")?,
        },
        Utc::now(),
    )
    .await?;
    Ok(StatusCode::CREATED)
}

/// Change a person's role, unit, password or active flag (admin). Takes effect at once.
#[utoipa::path(put, path = "/api/v1/users/{username}", request_body = UserRequest, params(("username" = String, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("staff_token" = [])), tag = "people")]
pub async fn update_user(
    State(app): State<AppState>,
    staff: Staff,
    Path(username): Path<String>,
    ApiJson(req): ApiJson<UserRequest>,
) -> Result<StatusCode, ApiError> {
    staff.require(&[])?;
    if req.username.is_some() || req.display_name.is_some() {
        return Err(ApiError::invalid_field(
            "username",
            "username and display_name cannot be changed",
        ));
    }
    let current = app
        .store
        .user_by_username(&username)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no user {username:?}")))?;
    let role = req.role.clone().unwrap_or(current.role.clone());
    let unit = if req.unit.is_some() || req.role.is_some() {
        req.unit.clone()
    } else {
        current.unit.clone()
    };
    // Role and unit are checked when they change (a user of a retired unit can still be
    // deactivated or given a new password).
    if req.role.is_some() || req.unit.is_some() {
        people::check_role_unit(&app.store, &role, unit.as_deref()).await?;
    }
    let hash = match req.password {
        Some(p) => Some(people::new_password_hash(p).await?),
        None => None,
    };
    app.store
        .update_user(
            &username,
            req.role.as_deref(),
            Some(unit.as_deref()),
            req.active,
            hash.as_deref(),
        )
        .await?;
    app.tokens.clear();
    Ok(StatusCode::NO_CONTENT)
}
