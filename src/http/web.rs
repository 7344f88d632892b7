//! The web pages: the public portal at `/` and the staff console at `/staff`. They are static
//! files (HTML, one style sheet, small JavaScript modules) compiled into the binary and talking
//! to the JSON API like any other client, so there is one path to the data and nothing to build
//! or deploy besides `wenzheng` itself (docs/web.md says why).
//!
//! Every answer carries a strict Content-Security-Policy (scripts and styles from this origin
//! only, nothing inline), `nosniff`, and an ETag; the files have no fingerprinted names, so they
//! are served `no-cache` and a browser revalidates them with one 304 per file.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// The pages may load scripts, styles, images and data from this origin only; no inline code,
/// no frames, no form posts elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            body: include_bytes!(concat!("assets/", $name)),
        }
    };
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

static ASSETS: &[Asset] = &[
    asset!("index.html", HTML),
    asset!("staff.html", HTML),
    asset!("style.css", CSS),
    asset!("common.js", JS),
    asset!("portal.js", JS),
    asset!("staff.js", JS),
    asset!("icon.svg", SVG),
];

/// Strong ETags: the first 16 bytes of each file's SHA-256, computed once.
fn etags() -> &'static [String] {
    static ETAGS: OnceLock<Vec<String>> = OnceLock::new();
    ETAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| format!("\"{}\"", hex::encode(&Sha256::digest(a.body)[..16])))
            .collect()
    })
}

/// The pages' routes; they need no application state.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(portal))
        .route("/staff", get(staff))
        // A typed or bookmarked trailing slash still reaches the console.
        .route("/staff/", get(|| async { Redirect::permanent("/staff") }))
        .route("/assets/{name}", get(asset))
}

async fn portal(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn staff(headers: HeaderMap) -> Response {
    serve("staff.html", &headers)
}

async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    // The HTML pages have their own addresses.
    if name.ends_with(".html") {
        return ApiError::not_found(format!("no asset {name:?}")).into_response();
    }
    serve(&name, &headers)
}

fn serve(name: &str, request: &HeaderMap) -> Response {
    let Some(i) = ASSETS.iter().position(|a| a.name == name) else {
        return ApiError::not_found(format!("no asset {name:?}")).into_response();
    };
    let asset = &ASSETS[i];
    let etag = &etags()[i];
    let fresh = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == etag || t == "*" || t.strip_prefix("W/") == Some(etag)
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            )],
            asset.body,
        )
            .into_response()
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    // Tracking codes are typed into the portal, never put in URLs; no referrer leaks anyway.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_type_matching_its_name() {
        for a in ASSETS {
            let want = match a.name.rsplit('.').next() {
                Some("html") => HTML,
                Some("js") => JS,
                Some("css") => CSS,
                Some("svg") => SVG,
                other => panic!("unexpected asset type {other:?}"),
            };
            assert_eq!(a.content_type, want, "{}", a.name);
            assert!(!a.body.is_empty());
        }
    }

    /// The policy forbids inline code, so the pages must not contain any: every script is an
    /// external module and no element carries a style or an on… handler.
    #[test]
    fn pages_carry_no_inline_code() {
        let handler = regex::Regex::new(r"\son[a-z]+=").unwrap();
        for a in ASSETS.iter().filter(|a| a.name.ends_with(".html")) {
            let text = std::str::from_utf8(a.body).unwrap();
            for (i, _) in text.match_indices("<script") {
                let tag = &text[i..i + text[i..].find('>').unwrap()];
                assert!(
                    tag.contains(" src=\"/assets/"),
                    "{}: inline script {tag}",
                    a.name
                );
            }
            assert!(!text.contains(" style="), "{}: inline style", a.name);
            assert!(!text.contains("<style"), "{}: inline style", a.name);
            assert!(!handler.is_match(text), "{}: inline handler", a.name);
        }
    }

    /// Data reaches the DOM as text: the scripts never assign markup.
    #[test]
    fn scripts_insert_text_not_markup() {
        for a in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            let text = std::str::from_utf8(a.body).unwrap();
            for bad in [
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
            ] {
                assert!(!text.contains(bad), "{} uses {bad}", a.name);
            }
        }
    }
}
