//! Identifiers a citizen or member of staff sees: the readable case number and the secret
//! tracking code.

use std::fmt;

/// `2026-000123`: the year of receipt and a per-year sequence number. Readable on the phone and
/// in letters; not a secret (it says nothing of the citizen).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseNumber(String);

impl CaseNumber {
    pub fn new(year: i32, sequence: i64) -> Self {
        CaseNumber(format!("{year:04}-{sequence:06}"))
    }

    /// Accepts exactly `YYYY-NNNNNN` (six or more digits).
    pub fn parse(s: &str) -> Option<Self> {
        let (year, seq) = s.split_once('-')?;
        let ok = year.len() == 4
            && seq.len() >= 6
            && seq.len() <= 12
            && year.bytes().all(|b| b.is_ascii_digit())
            && seq.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| CaseNumber(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The citizen's secret for following their case: 12 characters from an alphabet without look-alikes
/// (no 0/O, 1/I/L), shown as `XXXX-XXXX-XXXX`. 59 bits of entropy: guessing one of a million
/// live codes at 1,000 tries a second would take about nine thousand years on average. Only its
/// SHA-256 is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct TrackingCode(String);

const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTUVWXY";

impl TrackingCode {
    /// Builds a code from 12 random bytes (the caller supplies randomness: this module has no IO).
    pub fn from_random(bytes: [u8; 12]) -> Self {
        let chars: String = bytes
            .iter()
            .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
            .collect();
        TrackingCode(format!(
            "{}-{}-{}",
            &chars[0..4],
            &chars[4..8],
            &chars[8..12]
        ))
    }

    /// Accepts the code with or without dashes, any case, surrounding spaces ignored.
    pub fn parse(s: &str) -> Option<Self> {
        let cleaned: String = s
            .trim()
            .chars()
            .filter(|c| *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if cleaned.len() != 12 || !cleaned.bytes().all(|b| ALPHABET.contains(&b)) {
            return None;
        }
        Some(TrackingCode(format!(
            "{}-{}-{}",
            &cleaned[0..4],
            &cleaned[4..8],
            &cleaned[8..12]
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the store keeps: the SHA-256 of the canonical form, hex.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl fmt::Debug for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print a secret into logs by accident.
        f.write_str("TrackingCode(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_number_format() {
        assert_eq!(CaseNumber::new(2026, 123).as_str(), "2026-000123");
        assert!(CaseNumber::parse("2026-000123").is_some());
        assert!(CaseNumber::parse("2026-1234567").is_some());
        assert!(CaseNumber::parse("26-000123").is_none());
        assert!(CaseNumber::parse("2026-00012a").is_none());
        assert!(CaseNumber::parse("../../etc").is_none());
    }

    #[test]
    fn tracking_code_parse_is_lenient_in_form_strict_in_content() {
        let c = TrackingCode::from_random([7; 12]);
        assert_eq!(
            TrackingCode::parse(&c.as_str().to_lowercase()),
            Some(c.clone())
        );
        assert_eq!(
            TrackingCode::parse(&c.as_str().replace('-', "")),
            Some(c.clone())
        );
        assert_eq!(TrackingCode::parse("0000-0000-0000"), None);
        assert_eq!(TrackingCode::parse("short"), None);
        assert_eq!(format!("{c:?}"), "TrackingCode(****)");
        assert_eq!(c.digest().len(), 64);
    }
}
