//! HTTP API (axum): the only module that knows about HTTP. Handlers parse requests into domain
//! types, call the application layer (`intake`, `store`, `classify`), and map errors through
//! [`error::ApiError`].

mod auth;
mod draft;
mod error;
mod extract;
mod messages;
mod ops;
mod rate_limit;
mod reports;
mod search;
mod staff;
mod web;
mod workflow;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use metrics_exporter_prometheus::PrometheusHandle;
use utoipa::OpenApi;

pub use auth::token_digest;
pub use error::ApiError;

use crate::classify::Triage;
use crate::store::Store;

/// Largest request body accepted (413 above). The longest legitimate message is 10,000 characters
/// (30 KB of UTF-8) plus a small JSON envelope.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub triage: Arc<Triage>,
    pub rules: Arc<crate::cases::CaseRules>,
    pub metrics: PrometheusHandle,
    pub(crate) tokens: Arc<auth::TokenCache>,
    /// The per-address limit on new messages (`None`: no limit).
    pub(crate) limiter: Option<Arc<rate_limit::RateLimiter>>,
    /// Reply drafting (#6); `None` until startup sets it with [`AppState::with_drafter`].
    pub drafter: Option<Arc<crate::draft::Drafter>>,
    /// Assessment weights and early-warning thresholds.
    pub supervision: Arc<crate::reporting::SupervisionSettings>,
    pub(crate) stats_cache: Arc<reports::StatsCache>,
    /// This instance's search index (`None`: search answers 503).
    pub search: Option<Arc<crate::search::SearchIndex>>,
}

impl AppState {
    pub fn new(
        store: Store,
        triage: Arc<Triage>,
        rules: Arc<crate::cases::CaseRules>,
        metrics: PrometheusHandle,
    ) -> Self {
        AppState {
            store,
            triage,
            rules,
            metrics,
            tokens: Arc::default(),
            limiter: None,
            drafter: None,
            supervision: Arc::default(),
            stats_cache: Arc::default(),
            search: None,
        }
    }

    /// The same state with these supervision settings.
    pub fn with_supervision(self, supervision: crate::reporting::SupervisionSettings) -> Self {
        AppState {
            supervision: Arc::new(supervision),
            ..self
        }
    }

    pub fn with_drafter(mut self, drafter: Arc<crate::draft::Drafter>) -> Self {
        self.drafter = Some(drafter);
        self
    }

    /// Limits new messages per client address as `config` says (0 per minute: no limit).
    pub fn with_rate_limit(mut self, config: &crate::config::RateLimitConfig) -> Self {
        self.limiter = rate_limit::RateLimiter::new(config).map(Arc::new);
        self
    }

    pub fn with_search(mut self, search: Arc<crate::search::SearchIndex>) -> Self {
        self.search = Some(search);
        self
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "wenzheng 问政 API", description = "Intake, tracking, triage and the staff queue of an online inquiry board."),
    paths(
        messages::post_message,
        messages::track,
        messages::post_triage,
        staff::list_cases,
        staff::get_case,
        staff::decide_triage,
        staff::hot_topics,
        staff::choices,
        reports::monthly,
        reports::assessment,
        reports::public_stats,
        reports::warnings,
        reports::scan_warnings,
        workflow::take_action,
        workflow::case_events,
        workflow::rate,
        workflow::public_replies,
        workflow::login,
        workflow::logout,
        workflow::whoami,
        workflow::list_units,
        workflow::add_unit,
        workflow::update_unit,
        workflow::list_users,
        workflow::add_user,
        workflow::update_user,
        draft::get_draft,
        search::search,
        search::similar,
        search::create_faq,
        search::update_faq,
        search::retire_faq,
        search::list_faq,
        search::public_search,
        search::suggest,
        ops::healthz,
        ops::readyz,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "staff_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Serves the application on `listener` until `shutdown` completes, then lets in-flight requests
/// finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address feeds the per-address limit on new messages.
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// The whole application's routes.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route(
            "/api/v1/messages",
            post(messages::post_message).layer(middleware::from_fn_with_state(
                state.clone(),
                rate_limit::limit,
            )),
        )
        .route("/api/v1/track/{tracking_code}", get(messages::track))
        .route("/api/v1/triage", post(messages::post_triage))
        .route("/api/v1/cases", get(staff::list_cases))
        .route("/api/v1/cases/{case_number}", get(staff::get_case))
        .route(
            "/api/v1/cases/{case_number}/triage",
            post(staff::decide_triage),
        )
        .route("/api/v1/hot", get(staff::hot_topics))
        .route("/api/v1/choices", get(staff::choices))
        .route("/api/v1/reports/monthly", get(reports::monthly))
        .route("/api/v1/reports/assessment", get(reports::assessment))
        .route("/api/public/stats", get(reports::public_stats))
        .route("/api/v1/warnings", get(reports::warnings))
        .route("/api/v1/warnings/scan", post(reports::scan_warnings))
        .route(
            "/api/v1/cases/{case_number}/actions/{action}",
            post(workflow::take_action),
        )
        .route(
            "/api/v1/cases/{case_number}/events",
            get(workflow::case_events),
        )
        .route("/api/v1/track/{tracking_code}/rating", post(workflow::rate))
        .route("/api/public/replies", get(workflow::public_replies))
        .route("/api/v1/login", post(workflow::login))
        .route("/api/v1/logout", post(workflow::logout))
        .route("/api/v1/me", get(workflow::whoami))
        .route(
            "/api/v1/units",
            get(workflow::list_units).post(workflow::add_unit),
        )
        .route(
            "/api/v1/units/{name}",
            axum::routing::put(workflow::update_unit),
        )
        .route(
            "/api/v1/users",
            get(workflow::list_users).post(workflow::add_user),
        )
        .route(
            "/api/v1/users/{username}",
            axum::routing::put(workflow::update_user),
        )
        .route("/api/v1/cases/{case_number}/draft", get(draft::get_draft))
        .route("/api/v1/search", get(search::search))
        .route("/api/v1/cases/{case_number}/similar", get(search::similar))
        .route(
            "/api/v1/faq",
            get(search::list_faq).post(search::create_faq),
        )
        .route("/api/v1/faq/{id}", axum::routing::put(search::update_faq))
        .route("/api/v1/faq/{id}/retire", post(search::retire_faq))
        .route("/api/public/faq/search", get(search::public_search))
        .route("/api/public/faq/suggest", get(search::suggest))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/api/openapi.json", get(ops::openapi))
        .merge(web::routes());
    let swagger: Router = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi-ui.json", ApiDoc::openapi())
        .into();
    api.with_state(state)
        .merge(swagger)
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(middleware::from_fn(track_metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            ops::panic_response,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Counts requests and records latencies per route (the matched pattern, not the raw path, so
/// tracking codes never become metric labels).
async fn track_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("wenzheng_http_requests_total", "method" => method.clone(), "path" => path.clone(), "status" => status).increment(1);
    metrics::histogram!("wenzheng_http_request_duration_seconds", "method" => method, "path" => path).record(start.elapsed().as_secs_f64());
    response
}
