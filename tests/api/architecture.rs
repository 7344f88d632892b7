//! The invariants of ARCHITECTURE.md, checked on the source tree (rust-analyzer's "tidy" idea):
//! a rule that only lives in a document erodes.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn files_using(krate: &str) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let needle = format!("{krate}::");
    files
        .into_iter()
        .filter(|f| std::fs::read_to_string(f).unwrap().contains(&needle))
        .map(|f| f.strip_prefix(&src).unwrap().display().to_string())
        .collect()
}

#[test]
fn axum_only_in_http() {
    let offenders: Vec<String> = files_using("axum")
        .into_iter()
        .filter(|f| !f.starts_with("http/"))
        .collect();
    assert!(
        offenders.is_empty(),
        "axum used outside src/http: {offenders:?}"
    );
}

#[test]
fn sql_only_in_store() {
    let offenders: Vec<String> = files_using("sqlx")
        .into_iter()
        .filter(|f| !f.starts_with("store/"))
        .collect();
    assert!(
        offenders.is_empty(),
        "sqlx used outside src/store: {offenders:?}"
    );
}

#[test]
fn cases_is_pure() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cases");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        // Tests may read fixture files; the domain code may not do IO or read the clock.
        let code = text.split("#[cfg(test)]").next().unwrap();
        for forbidden in [
            "std::fs",
            "tokio",
            "Utc::now",
            "crate::store",
            "crate::http",
            "crate::classify",
        ] {
            assert!(
                !code.contains(forbidden),
                "{} uses {forbidden}",
                f.display()
            );
        }
    }
}
