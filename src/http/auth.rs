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
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::ApiError;
use crate::store::StaffIdentity;

const CACHE_TTL: Duration = Duration::from_secs(60);
const CACHE_MAX: usize = 10_000;

/// An authenticated member of staff.
#[derive(Debug, Clone)]
pub struct Staff(pub StaffIdentity);

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

pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

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
        match state.store.staff_by_token_digest(&digest).await? {
            Some(id) => {
                state.tokens.put(digest, id.clone());
                Ok(Staff(id))
            }
            None => Err(ApiError::unauthorized("unknown or revoked token")),
        }
    }
}
