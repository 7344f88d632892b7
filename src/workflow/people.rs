//! People: argon2 password hashes and login sessions (bearer tokens that expire).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};

use crate::cases::Role;
use crate::store::{Store, StoreError, UserRecord};

/// How long a login session lasts.
pub const SESSION_HOURS: i64 = 12;
pub const PASSWORD_MIN_CHARS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("wrong username or password")]
    BadCredentials,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// A new person, as the admin (or `wenzheng user add`) describes them.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit: Option<String>,
    pub password: String,
}

/// A new bearer token: 32 random bytes, hex.
pub fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness available: {e}"))?;
    Ok(hex::encode(bytes))
}

/// What the store keeps of a bearer token.
pub fn token_digest(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// A well-formed hash that no password is expected to match: verified against when the
/// username is unknown, so that both cases cost one argon2 run.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3o6Dq2JQJd2w8O8x8cpoXJ4j7jU8h+1mNfz0A7q1n6I";

pub fn hash_password(password: &str) -> Result<String, PeopleError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PeopleError::Hash(e.to_string()))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

fn check_password(password: &str) -> Result<(), PeopleError> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(PeopleError::Invalid {
            field: "password",
            message: format!("must be at least {PASSWORD_MIN_CHARS} characters"),
        });
    }
    if password.len() > 1024 {
        return Err(PeopleError::Invalid {
            field: "password",
            message: "must be at most 1024 bytes".into(),
        });
    }
    Ok(())
}

/// Checks a role and unit pair: handlers need an active unit, others have none.
pub async fn check_role_unit(
    store: &Store,
    role: &str,
    unit: Option<&str>,
) -> Result<(), PeopleError> {
    let Some(r) = Role::parse_staff(role) else {
        let all: Vec<&str> = Role::STAFF.iter().map(|r| r.code()).collect();
        return Err(PeopleError::Invalid {
            field: "role",
            message: format!("must be one of {}", all.join(", ")),
        });
    };
    match (r, unit) {
        (Role::Handler, None) => Err(PeopleError::Invalid {
            field: "unit",
            message: "a handler belongs to a unit".into(),
        }),
        (Role::Handler, Some(u)) if !store.unit_is_active(u).await? => Err(PeopleError::Invalid {
            field: "unit",
            message: format!("{u:?} is not an active unit"),
        }),
        (Role::Handler, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(PeopleError::Invalid {
            field: "unit",
            message: "only handlers belong to a unit".into(),
        }),
    }
}

/// Adds a person. The password is hashed on the blocking pool (argon2 is deliberately slow).
pub async fn add_user(store: &Store, u: NewUser, now: DateTime<Utc>) -> Result<i64, PeopleError> {
    let username = u.username.trim().to_string();
    if username.is_empty()
        || username.chars().count() > 64
        || !username
            .chars()
            .all(|c| c.is_alphanumeric() || "._-@".contains(c))
    {
        return Err(PeopleError::Invalid {
            field: "username",
            message: "1–64 letters, digits or . _ - @".into(),
        });
    }
    let display = u.display_name.trim().to_string();
    if display.is_empty() || display.chars().count() > 64 {
        return Err(PeopleError::Invalid {
            field: "display_name",
            message: "1–64 characters".into(),
        });
    }
    check_password(&u.password)?;
    check_role_unit(store, &u.role, u.unit.as_deref()).await?;
    let password = u.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| PeopleError::Hash(e.to_string()))??;
    Ok(store
        .add_user(&username, &display, &u.role, u.unit.as_deref(), &hash, now)
        .await?)
}

/// Hashes a new password for an existing user.
pub async fn new_password_hash(password: String) -> Result<String, PeopleError> {
    check_password(&password)?;
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| PeopleError::Hash(e.to_string()))?
}

/// Checks a password and opens a session: returns the bearer token and the user.
pub async fn login(
    store: &Store,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>, UserRecord), PeopleError> {
    let user = store.user_by_username(username.trim()).await?;
    // Verify against a fixed hash when the user is unknown, so timing does not tell which
    // usernames exist.
    let hash = user
        .as_ref()
        .map_or(DUMMY_HASH.to_string(), |u| u.password_hash.clone());
    let pw = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
        .await
        .unwrap_or(false);
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => return Err(PeopleError::BadCredentials),
    };
    let token = random_token().map_err(PeopleError::Hash)?;
    let expires = now + Duration::hours(SESSION_HOURS);
    store
        .add_staff_token(
            &user.display_name,
            &user.role,
            user.unit.as_deref(),
            &token_digest(&token),
            Some(user.id),
            Some(expires),
            now,
        )
        .await?;
    Ok((token, expires, user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsf", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn the_unknown_user_hash_is_well_formed() {
        // A malformed stand-in would return at once and tell unknown usernames apart by timing.
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("correct horse", DUMMY_HASH));
    }
}
