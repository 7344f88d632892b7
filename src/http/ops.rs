//! Operational endpoints: health, readiness, Prometheus metrics, the OpenAPI document, and the
//! JSON answers for unknown routes, wrong methods and (should one ever happen) panics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use utoipa::OpenApi;

use super::AppState;
use super::error::ApiError;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "alive")), tag = "ops")]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Readiness: the database answers and the model is loaded.
#[utoipa::path(get, path = "/readyz", responses((status = 200, description = "ready"), (status = 503, description = "not ready")), tag = "ops")]
pub async fn readyz(State(app): State<AppState>) -> Response {
    match app.store.ping().await {
        Ok(()) => Json(json!({
            "status": "ready",
            "database": app.store.backend_name(),
            "model": app.triage.department.version,
        }))
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "database is not reachable",
            )
            .into_response()
        }
    }
}

/// Prometheus metrics; queue sizes are read from the database at scrape time.
pub async fn metrics(State(app): State<AppState>) -> Response {
    match app.store.count_by_status().await {
        Ok(counts) => {
            for status in crate::cases::CaseStatus::ALL {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == status.code())
                    .map_or(0, |(_, n)| *n);
                metrics::gauge!("wenzheng_cases", "status" => status.code()).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "queue sizes unavailable for metrics"),
    }
    (
        [("content-type", "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
        .into_response()
}

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(super::ApiDoc::openapi())
}

pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("no route for {}", uri.path()))
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not accept that method",
    )
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::internal().into_response()
}
