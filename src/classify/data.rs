//! Reading labelled and unlabelled messages from CSV, with errors that name the line and field.
//!
//! Files come from outside (the competition data, staff exports, other systems), so every
//! malformation — missing columns, broken quoting, bytes that are not UTF-8, empty text — is
//! reported with its line number rather than skipped silently or allowed to panic.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DataError {
    #[error("{file}: cannot read: {message}")]
    Io { file: String, message: String },
    #[error("{file}: missing column(s) {missing} (found: {found})")]
    MissingColumns {
        file: String,
        missing: String,
        found: String,
    },
    #[error("{file}: line {line}: {message}")]
    Line {
        file: String,
        line: u64,
        message: String,
    },
}

/// A CSV table with a header, read whole, values as UTF-8 strings.
#[derive(Debug)]
pub struct Table {
    pub file: String,
    columns: HashMap<String, usize>,
    pub rows: Vec<TableRow>,
}

#[derive(Debug)]
pub struct TableRow {
    /// 1-based line number where the record starts (the header is line 1).
    pub line: u64,
    pub fields: Vec<String>,
}

impl Table {
    pub fn read_path(path: &Path, required: &[&str]) -> Result<Table, DataError> {
        let file = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|e| DataError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Self::read(f, &file, required)
    }

    /// Reads a CSV with a header row; every name in `required` must be a column.
    pub fn read(input: impl Read, file: &str, required: &[&str]) -> Result<Table, DataError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(input);
        let line_err = |line: u64, message: String| DataError::Line {
            file: file.to_string(),
            line,
            message,
        };
        let headers = reader
            .byte_headers()
            .map_err(|e| csv_error(file, e))?
            .clone();
        let mut columns = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            let name = std::str::from_utf8(h)
                .map_err(|_| line_err(1, format!("column {} name is not UTF-8", i + 1)))?;
            // Excel writes a byte-order mark before the first header.
            columns.insert(name.trim_start_matches('\u{feff}').trim().to_string(), i);
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !columns.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            let mut found: Vec<(&String, &usize)> = columns.iter().collect();
            found.sort_by_key(|(_, i)| **i);
            return Err(DataError::MissingColumns {
                file: file.to_string(),
                missing: missing.join(", "),
                found: found
                    .into_iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let names: Vec<String> = {
            let mut v = vec![String::new(); headers.len()];
            for (n, &i) in &columns {
                v[i] = n.clone();
            }
            v
        };
        let mut rows = Vec::new();
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(csv_error(file, e)),
            }
            let line = record.position().map_or(0, |p| p.line());
            let mut fields = Vec::with_capacity(record.len());
            for (i, raw) in record.iter().enumerate() {
                let s = std::str::from_utf8(raw).map_err(|_| {
                    line_err(line, format!("field {} is not valid UTF-8", names[i]))
                })?;
                fields.push(s.to_string());
            }
            rows.push(TableRow { line, fields });
        }
        Ok(Table {
            file: file.to_string(),
            columns,
            rows,
        })
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.columns.contains_key(name)
    }

    /// The value of `column` in `row` (empty if the column does not exist).
    pub fn get<'a>(&self, row: &'a TableRow, column: &str) -> &'a str {
        self.columns
            .get(column)
            .and_then(|&i| row.fields.get(i))
            .map_or("", |s| s.as_str())
    }
}

fn csv_error(file: &str, e: csv::Error) -> DataError {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("has {len} fields but the header has {expected_len} (broken quoting?)")
        }
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    };
    if line == 0 {
        DataError::Io {
            file: file.to_string(),
            message,
        }
    } else {
        DataError::Line {
            file: file.to_string(),
            line,
            message,
        }
    }
}

/// A message with a gold label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledText {
    pub id: String,
    pub line: u64,
    pub title: String,
    pub text: String,
    pub label: String,
}

/// Title and body as one text, the form the classifiers see at run time.
pub fn message_text(title: &str, body: &str) -> String {
    format!("{}\n{}", title.trim(), body.trim())
}

/// Reads raw labelled messages: columns 留言主题, 留言详情 and `label_column` (留言编号 optional).
/// Rows with an empty label or empty text are errors, named by line.
pub fn read_raw_labelled(path: &Path, label_column: &str) -> Result<Vec<LabelledText>, DataError> {
    let table = Table::read_path(path, &["留言主题", "留言详情", label_column])?;
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let title = table.get(row, "留言主题");
        let body = table.get(row, "留言详情");
        let label = table.get(row, label_column).trim();
        let err = |message: String| DataError::Line {
            file: table.file.clone(),
            line: row.line,
            message,
        };
        if label.is_empty() {
            return Err(err(format!("{label_column} is empty")));
        }
        if title.trim().is_empty() && body.trim().is_empty() {
            return Err(err("留言主题 and 留言详情 are both empty".to_string()));
        }
        let id = table.get(row, "留言编号").trim();
        out.push(LabelledText {
            id: if id.is_empty() {
                format!("line{}", row.line)
            } else {
                id.to_string()
            },
            line: row.line,
            title: title.trim().to_string(),
            text: message_text(title, body),
            label: label.to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_columns_are_named() {
        let err = Table::read(
            "留言主题,一级标签\na,b\n".as_bytes(),
            "x.csv",
            &["留言主题", "留言详情", "一级标签"],
        )
        .unwrap_err();
        assert_eq!(
            err,
            DataError::MissingColumns {
                file: "x.csv".into(),
                missing: "留言详情".into(),
                found: "留言主题, 一级标签".into()
            }
        );
    }

    #[test]
    fn broken_quoting_names_the_line() {
        let err = Table::read("a,b\n1,2\n\"3,4\n5,6\n".as_bytes(), "x.csv", &["a"]);
        // An unterminated quote swallows the rest of the file into one field: one field short.
        let msg = err.unwrap_err().to_string();
        assert!(msg.contains("line 3"), "{msg}");
    }

    #[test]
    fn non_utf8_names_line_and_field() {
        let mut bytes = b"a,b\n1,2\n3,".to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
        let msg = Table::read(&bytes[..], "x.csv", &["a"])
            .unwrap_err()
            .to_string();
        assert_eq!(msg, "x.csv: line 3: field b is not valid UTF-8");
    }

    #[test]
    fn bom_in_header_is_ignored() {
        let t = Table::read("\u{feff}a,b\n1,2\n".as_bytes(), "x.csv", &["a"]).unwrap();
        assert_eq!(t.get(&t.rows[0], "a"), "1");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Arbitrary bytes as a CSV file: an error naming the file, or a table; never a panic.
        #[test]
        fn any_bytes_give_a_table_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut input = b"\xe7\x95\x99\xe8\xa8\x80\xe4\xb8\xbb\xe9\xa2\x98,b\n".to_vec();
            input.extend(bytes);
            match Table::read(&input[..], "fuzz.csv", &["留言主题"]) {
                Ok(t) => prop_assert!(t.rows.iter().all(|r| r.line >= 2)),
                Err(e) => prop_assert!(e.to_string().starts_with("fuzz.csv")),
            }
        }
    }
}
