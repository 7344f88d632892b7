//! The saved model format (`.wzm`), version 2 (reads 1 and 2).
//!
//! Layout, all integers and floats little-endian:
//! `b"WZMODEL\0"`, u32 header length, the header as JSON ([`ModelHeader`]), u32 term count, each
//! term as u16 byte length + UTF-8, then `f32` IDF per term, `f32` weights (term-major, one per
//! class), `f32` bias per class. A binary body keeps a 300k-term model around 10 MB and loads in
//! well under a second; the JSON header keeps the metadata readable with `head -c`.
//!
//! Changing the layout means a new `FORMAT_VERSION`, a reader for the old one, and a committed
//! model of the old version that the tests still load.
//!
//! Versions: 1, the first. 2 (2026-11-28) has the same layout and may set
//! `feature_config.title_weight`, which changes how vectors are built: a build that knew only
//! version 1 would ignore the field and compute wrong features, so it must refuse the file
//! instead. Version 1 files are read as they are (no title weight); `models/department.wzm` is one.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::features::{FeatureConfig, Vectorizer};
use super::linear::LinearModel;
use super::metrics::Evaluation;

pub const MAGIC: &[u8; 8] = b"WZMODEL\0";
pub const FORMAT_VERSION: u32 = 2;
/// Every version this build reads.
pub const READABLE_VERSIONS: [u32; 2] = [1, 2];

/// Everything about a model except its arrays.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelHeader {
    pub format_version: u32,
    /// `department`, `type` or `urgency`.
    pub task: String,
    pub labels: Vec<String>,
    pub created_at: String,
    pub algorithm: String,
    pub training_data_sha256: String,
    pub training_examples: usize,
    pub feature_config: FeatureConfig,
    pub temperature: f32,
    /// Below this top probability a prediction is flagged `uncertain` (chosen on the dev split).
    pub uncertain_threshold: f32,
    /// Task-specific decision thresholds, e.g. `urgent` for the urgency model.
    #[serde(default)]
    pub thresholds: BTreeMap<String, f32>,
    /// Held-out evaluations, keyed by data set name (`dev_split`, `raw_sample`, ...).
    pub dev_metrics: BTreeMap<String, Evaluation>,
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    #[error("cannot read model file: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a wenzheng model file (bad magic bytes)")]
    BadMagic,
    #[error(
        "model format version {0} is not supported by this build (reads 1 and {FORMAT_VERSION})"
    )]
    UnsupportedVersion(u32),
    #[error("model header is not valid: {0}")]
    BadHeader(String),
    #[error("model body is truncated or inconsistent: {0}")]
    BadBody(&'static str),
}

pub fn write(
    out: &mut impl Write,
    header: &ModelHeader,
    vectorizer: &Vectorizer,
    model: &LinearModel,
) -> std::io::Result<()> {
    let json = serde_json::to_vec(header).map_err(std::io::Error::other)?;
    out.write_all(MAGIC)?;
    out.write_all(&(json.len() as u32).to_le_bytes())?;
    out.write_all(&json)?;
    out.write_all(&(vectorizer.terms.len() as u32).to_le_bytes())?;
    for t in &vectorizer.terms {
        let b = t.as_bytes();
        let len = u16::try_from(b.len())
            .map_err(|_| std::io::Error::other("feature term longer than 64 KiB"))?;
        out.write_all(&len.to_le_bytes())?;
        out.write_all(b)?;
    }
    for arr in [&vectorizer.idf, &model.weights, &model.bias] {
        let mut buf = Vec::with_capacity(arr.len() * 4);
        for v in arr.iter() {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        out.write_all(&buf)?;
    }
    Ok(())
}

pub fn read(
    input: &mut impl Read,
) -> Result<(ModelHeader, Vectorizer, LinearModel), ModelFileError> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    let mut cur = Cursor {
        bytes: &bytes,
        pos: 0,
    };
    if cur.take(8)? != MAGIC {
        return Err(ModelFileError::BadMagic);
    }
    let header_len = cur.u32()? as usize;
    let header_bytes = cur.take(header_len)?;
    // Read the version alone first, so a future header shape still gives a clear version error.
    #[derive(Deserialize)]
    struct VersionOnly {
        format_version: u32,
    }
    let v: VersionOnly = serde_json::from_slice(header_bytes)
        .map_err(|e| ModelFileError::BadHeader(e.to_string()))?;
    if !READABLE_VERSIONS.contains(&v.format_version) {
        return Err(ModelFileError::UnsupportedVersion(v.format_version));
    }
    let header: ModelHeader = serde_json::from_slice(header_bytes)
        .map_err(|e| ModelFileError::BadHeader(e.to_string()))?;
    let n_terms = cur.u32()? as usize;
    let mut terms = Vec::with_capacity(n_terms);
    for _ in 0..n_terms {
        let len = u16::from_le_bytes(cur.take(2)?.try_into().expect("2 bytes")) as usize;
        let s = std::str::from_utf8(cur.take(len)?)
            .map_err(|_| ModelFileError::BadBody("term is not UTF-8"))?;
        terms.push(s.to_string());
    }
    let k = header.labels.len();
    let idf = cur.f32s(n_terms)?;
    let weights = cur.f32s(n_terms * k)?;
    let bias = cur.f32s(k)?;
    if cur.pos != bytes.len() {
        return Err(ModelFileError::BadBody("trailing bytes after the model"));
    }
    let vectorizer = Vectorizer::from_parts(header.feature_config.clone(), terms, idf);
    let model = LinearModel {
        n_features: n_terms,
        n_classes: k,
        weights,
        bias,
    };
    Ok((header, vectorizer, model))
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelFileError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(ModelFileError::BadBody("unexpected end of file"))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, ModelFileError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn f32s(&mut self, n: usize) -> Result<Vec<f32>, ModelFileError> {
        let raw = self.take(
            n.checked_mul(4)
                .ok_or(ModelFileError::BadBody("size overflow"))?,
        )?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }
}
