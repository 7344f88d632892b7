//! `wenzheng classify`: JSON lines in, JSON lines out, one at a time, so input of any length
//! streams through in constant memory.

use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::classify::Triage;

#[derive(clap::Args, Debug)]
pub struct ClassifyArgs {
    #[command(flatten)]
    pub models: super::ModelArgs,
    /// Suggest the department only (skip the request-type and urgency models).
    #[arg(long)]
    pub department_only: bool,
}

#[derive(Deserialize)]
struct Input {
    #[serde(default)]
    id: Value,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    body: Option<String>,
}

/// Lines longer than this are rejected without being parsed (1 MB of text is already far beyond
/// any real message).
const MAX_LINE_BYTES: usize = 4 << 20;

pub fn run(args: ClassifyArgs) -> anyhow::Result<ExitCode> {
    let mut triage = Triage::load(&args.models.model, &args.models.departments)?;
    if args.department_only {
        triage = triage.without_type_and_urgency();
    }
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut failed = 0usize;
    let mut reader = std::io::BufReader::new(stdin);
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        // Read at most MAX_LINE_BYTES + 1 bytes of a line, so a hostile gigabyte line costs no
        // more memory than a long message; the rest of an over-long line is skipped.
        let n = std::io::Read::take(&mut reader, MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .context("reading stdin")?;
        if n == 0 {
            break;
        }
        if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
            let mut sink = Vec::new();
            loop {
                sink.clear();
                let skipped = std::io::Read::take(&mut reader, 1 << 20)
                    .read_until(b'\n', &mut sink)
                    .context("reading stdin")?;
                if skipped == 0 || sink.last() == Some(&b'\n') {
                    break;
                }
            }
        }
        line_no += 1;
        let result = classify_line(&buf, &triage);
        let value = match result {
            Ok(v) => v,
            Err((id, message)) => {
                failed += 1;
                eprintln!("line {line_no}: {message}");
                json!({"id": id, "line": line_no, "error": message})
            }
        };
        serde_json::to_writer(&mut out, &value)?;
        out.write_all(b"\n")?;
        // Flush per line when interactive; a pipe of a million lines still streams.
        if reader.buffer().is_empty() {
            out.flush()?;
        }
    }
    out.flush()?;
    if failed > 0 {
        eprintln!(
            "error: {failed} of {line_no} lines could not be classified (see the error lines above)"
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn classify_line(raw: &[u8], triage: &Triage) -> Result<Value, (Value, String)> {
    if raw.len() > MAX_LINE_BYTES {
        return Err((
            Value::Null,
            format!("line is longer than {MAX_LINE_BYTES} bytes"),
        ));
    }
    let text = std::str::from_utf8(raw).map_err(|e| {
        (
            Value::Null,
            format!("not valid UTF-8 at byte {}", e.valid_up_to()),
        )
    })?;
    let text = text.trim_end_matches(['\n', '\r']);
    let input: Input = serde_json::from_str(text).map_err(|e| {
        (
            Value::Null,
            format!("not a JSON object with id, title, body: {e}"),
        )
    })?;
    let title = input.title.unwrap_or_default();
    let body = input.body.unwrap_or_default();
    if title.trim().is_empty() && body.trim().is_empty() {
        return Err((input.id, "title and body are both empty".to_string()));
    }
    let t = triage.triage(&title, &body);
    let d = t.department;
    let mut out = json!({
        "id": input.id,
        "label": d.category,
        "department": d.department,
        "confidence": (d.confidence * 10000.0).round() / 10000.0,
        "top3": d.top3,
        "uncertain": d.uncertain,
        "key_terms": d.key_terms,
    });
    if let Some(r) = t.request_type {
        out["request_type"] = json!(r);
    }
    if let Some(u) = t.urgency {
        out["urgency"] = json!(u);
    }
    Ok(out)
}
