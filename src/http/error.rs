//! The one API error type. Every failure a client can see goes through [`ApiError`], which maps
//! domain and storage errors to a status code and a stable machine-readable `code` (the table is
//! in docs/errors.md). Internal details are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::cases::ValidationError;
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable identifier of the error kind (see docs/errors.md).
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// The request field at fault, as the client named it (`contact.phone`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message).with_field(field)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; it has been logged",
        )
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        let message = format!("{} {}", e.field, e.message);
        ApiError::invalid_field(&e.field, message)
    }
}

impl From<crate::cases::WorkflowError> for ApiError {
    fn from(e: crate::cases::WorkflowError) -> Self {
        use crate::cases::WorkflowError as W;
        match &e {
            W::IllegalTransition { .. } => {
                ApiError::new(StatusCode::CONFLICT, "illegal_transition", e.to_string())
            }
            W::Forbidden { .. } => ApiError::forbidden(e.to_string()),
            W::Invalid { field, .. } => ApiError::invalid_field(field, e.to_string()),
        }
    }
}

impl From<crate::workflow::ActError> for ApiError {
    fn from(e: crate::workflow::ActError) -> Self {
        use crate::workflow::ActError as A;
        match e {
            A::NotFound(n) => ApiError::not_found(format!("no case {n}")),
            A::Workflow(w) => w.into(),
            A::Store(s) => s.into(),
        }
    }
}

impl From<crate::workflow::people::PeopleError> for ApiError {
    fn from(e: crate::workflow::people::PeopleError) -> Self {
        use crate::workflow::people::PeopleError as P;
        match e {
            P::Invalid { field, message } => {
                ApiError::invalid_field(field, format!("{field}: {message}"))
            }
            P::BadCredentials => ApiError::unauthorized("wrong username or password"),
            P::Store(s) => s.into(),
            P::Hash(h) => {
                tracing::error!(error = %h, "password hashing failed");
                ApiError::internal()
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found("not found"),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::Rejected { field, message } => {
                ApiError::invalid_field(field, format!("{field}: {message}"))
            }
            other => {
                tracing::error!(error = %other, "storage error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                field: self.field,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}
