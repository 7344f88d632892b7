//! Staff authentication: `Authorization: Bearer <token>`. Tokens are created with
//! `wenzheng token add`; the store keeps only their SHA-256.
//!
//! Verified tokens are cached for a minute so that a busy endpoint does not query the database on
//! every request; a revoked token therefore stops working within a minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use crate::cases::{Actor, Role};
use crate::store::StaffIdentity;

const CACHE_TTL: Duration = Duration::from_secs(60);
const CACHE_MAX: usize = 10_000;

/// An authenticated member of staff.
#[derive(Debug, Clone)]
pub struct Staff(pub StaffIdentity);

impl Staff {
    /// The workflow's view of this person.
    pub fn actor(&self) -> Result<Actor, ApiError> {
        let role = Role::parse_staff(&self.0.role)
            .ok_or_else(|| ApiError::forbidden(format!("unknown role {:?}", self.0.role)))?;
        Ok(Actor {
            name: self.0.name.clone(),
            role,
            unit: self.0.unit.clone(),
        })
    }

    /// Refuses unless the person has one of `roles` (admins always pass).
    pub fn require(&self, roles: &[Role]) -> Result<Actor, ApiError> {
        let actor = self.actor()?;
        if actor.role == Role::Admin || roles.contains(&actor.role) {
            Ok(actor)
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.code()).collect();
            Err(ApiError::forbidden(format!(
                "this needs one of the roles {} (you are {})",
                names.join(", "),
                actor.role.code()
            )))
        }
    }
}

/// The bearer token of a request, if any (for logout).
pub fn bearer_digest(parts: &axum::http::HeaderMap) -> Option<String> {
    parts
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .filter(|t| !t.trim().is_empty())
        .map(token_digest)
}

#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (StaffIdentity, Instant)>>,
}

impl TokenCache {
    fn get(&self, digest: &str) -> Option<StaffIdentity> {
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.get(digest)
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(id, _)| id.clone())
    }

    /// Drops one token (logout) so it stops working at once on this instance.
    pub fn forget(&self, digest: &str) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(digest);
    }

    /// Drops every cached token (after a change to people), so roles, units and deactivation
    /// take effect at once on this instance (other instances within the cache's minute).
    pub fn clear(&self) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.clear();
    }

    fn put(&self, digest: String, id: StaffIdentity) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CACHE_MAX {
            map.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
            if map.len() >= CACHE_MAX {
                map.clear();
            }
        }
        map.insert(digest, (id, Instant::now()));
    }
}

pub use crate::workflow::people::token_digest;

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized("staff endpoint: send Authorization: Bearer <token>")
        })?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("Authorization header must be: Bearer <token>")
            })?;
        let digest = token_digest(token);
        if let Some(id) = state.tokens.get(&digest) {
            return Ok(Staff(id));
        }
        match state
            .store
            .staff_by_token_digest(&digest, chrono::Utc::now())
            .await?
        {
            Some(id) => {
                state.tokens.put(digest, id.clone());
                Ok(Staff(id))
            }
            None => Err(ApiError::unauthorized("unknown or revoked token")),
        }
    }
}
