//! A citizen's new message, parsed and validated at the edge into [`NewMessage`].

use serde::{Deserialize, Serialize};

pub const TITLE_MAX_CHARS: usize = 100;
/// The longest message in the shared data is about 9,000 characters; allow a little more.
pub const BODY_MAX_CHARS: usize = 10_000;
const NAME_MAX_CHARS: usize = 50;
const LOCATION_MAX_CHARS: usize = 200;

/// How the message reached the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Wechat,
    Phone,
    Email,
    Letter,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Web,
        Channel::Wechat,
        Channel::Phone,
        Channel::Email,
        Channel::Letter,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Wechat => "wechat",
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::Letter => "letter",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// A validation failure, naming the offending field as the client sent it (`contact.phone`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

fn invalid(field: &str, message: impl Into<String>) -> ValidationError {
    ValidationError {
        field: field.to_string(),
        message: message.into(),
    }
}

/// The message as the client sent it: every field optional so that a missing field is reported by
/// name instead of as a generic deserialisation error.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RawNewMessage {
    pub title: Option<String>,
    pub body: Option<String>,
    /// web, wechat, phone, email or letter.
    pub channel: Option<String>,
    pub contact: Option<RawContact>,
    pub location: Option<String>,
    pub publish_consent: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RawContact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// How to reach the citizen. All optional: the board accepts anonymous messages (the tracking
/// code is enough to follow the case).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A validated new message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub title: String,
    pub body: String,
    pub channel: Channel,
    pub contact: Contact,
    pub location: Option<String>,
    pub publish_consent: bool,
}

fn optional_text(
    value: Option<String>,
    field: &str,
    max: usize,
) -> Result<Option<String>, ValidationError> {
    match value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    {
        None => Ok(None),
        Some(v) if v.chars().count() > max => {
            Err(invalid(field, format!("must be at most {max} characters")))
        }
        Some(v)
            if v.chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') =>
        {
            Err(invalid(field, "contains control characters"))
        }
        Some(v) => Ok(Some(v)),
    }
}

fn required_text(
    value: Option<String>,
    field: &str,
    max: usize,
) -> Result<String, ValidationError> {
    optional_text(value, field, max)?
        .ok_or_else(|| invalid(field, "is required and must not be empty"))
}

fn has_content(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

impl TryFrom<RawNewMessage> for NewMessage {
    type Error = ValidationError;

    fn try_from(raw: RawNewMessage) -> Result<Self, ValidationError> {
        let title = required_text(raw.title, "title", TITLE_MAX_CHARS)?;
        let body = required_text(raw.body, "body", BODY_MAX_CHARS)?;
        if !has_content(&title) && !has_content(&body) {
            return Err(invalid("body", "must contain words, not only symbols"));
        }
        let channel = match raw.channel {
            None => {
                return Err(invalid(
                    "channel",
                    "is required (web, wechat, phone, email or letter)",
                ));
            }
            Some(c) => Channel::parse(c.trim()).ok_or_else(|| {
                invalid(
                    "channel",
                    "must be one of web, wechat, phone, email, letter",
                )
            })?,
        };
        let rc = raw.contact.unwrap_or_default();
        let name = optional_text(rc.name, "contact.name", NAME_MAX_CHARS)?;
        let phone = optional_text(rc.phone, "contact.phone", 30)?;
        if let Some(p) = &phone {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            let allowed = p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
            if !allowed || !(5..=20).contains(&digits) {
                return Err(invalid(
                    "contact.phone",
                    "must be a phone number (5 to 20 digits, may contain + - ( ) and spaces)",
                ));
            }
        }
        let email = optional_text(rc.email, "contact.email", 254)?;
        if let Some(e) = &email {
            let valid = e.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
            }) && !e.contains(char::is_whitespace);
            if !valid {
                return Err(invalid("contact.email", "must be an e-mail address"));
            }
        }
        let location = optional_text(raw.location, "location", LOCATION_MAX_CHARS)?;
        let publish_consent = raw.publish_consent.ok_or_else(|| {
            invalid(
                "publish_consent",
                "is required: true to allow publishing the reply (with personal data masked)",
            )
        })?;
        Ok(NewMessage {
            title,
            body,
            channel,
            contact: Contact { name, phone, email },
            location,
            publish_consent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawNewMessage {
        RawNewMessage {
            title: Some("小区停车费乱收".into()),
            body: Some("物业擅自涨停车费".into()),
            channel: Some("web".into()),
            contact: Some(RawContact {
                name: Some("张三".into()),
                phone: Some("138 0000 0000".into()),
                email: None,
            }),
            location: None,
            publish_consent: Some(true),
        }
    }

    fn field_of(r: RawNewMessage) -> String {
        NewMessage::try_from(r).unwrap_err().field
    }

    #[test]
    fn valid_message_parses_and_trims() {
        let mut r = raw();
        r.title = Some("  小区停车费乱收 ".into());
        let m = NewMessage::try_from(r).unwrap();
        assert_eq!(m.title, "小区停车费乱收");
        assert_eq!(m.channel, Channel::Web);
    }

    #[test]
    fn each_bad_field_is_named() {
        assert_eq!(
            field_of(RawNewMessage {
                title: None,
                ..raw()
            }),
            "title"
        );
        assert_eq!(
            field_of(RawNewMessage {
                body: Some("   ".into()),
                ..raw()
            }),
            "body"
        );
        assert_eq!(
            field_of(RawNewMessage {
                body: Some("字".repeat(BODY_MAX_CHARS + 1)),
                ..raw()
            }),
            "body"
        );
        assert_eq!(
            field_of(RawNewMessage {
                channel: Some("fax".into()),
                ..raw()
            }),
            "channel"
        );
        assert_eq!(
            field_of(RawNewMessage {
                publish_consent: None,
                ..raw()
            }),
            "publish_consent"
        );
        let bad_phone = RawContact {
            phone: Some("call me".into()),
            ..Default::default()
        };
        assert_eq!(
            field_of(RawNewMessage {
                contact: Some(bad_phone),
                ..raw()
            }),
            "contact.phone"
        );
        let bad_mail = RawContact {
            email: Some("a@b".into()),
            ..Default::default()
        };
        assert_eq!(
            field_of(RawNewMessage {
                contact: Some(bad_mail),
                ..raw()
            }),
            "contact.email"
        );
        assert_eq!(
            field_of(RawNewMessage {
                title: Some("!!!".into()),
                body: Some("😀😀".into()),
                ..raw()
            }),
            "body"
        );
    }

    #[test]
    fn anonymous_message_is_accepted() {
        let m = NewMessage::try_from(RawNewMessage {
            contact: None,
            ..raw()
        })
        .unwrap();
        assert_eq!(m.contact, Contact::default());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any combination of field values is either a valid message or an error naming a field.
        #[test]
        fn any_input_parses_or_names_a_field(
            title in proptest::option::of("\\PC{0,120}"),
            body in proptest::option::of("\\PC{0,50}"),
            channel in proptest::option::of("web|fax|\\PC{0,5}"),
            phone in proptest::option::of("[0-9 +()-]{0,25}|\\PC{0,10}"),
            email in proptest::option::of("\\PC{0,20}"),
            consent in proptest::option::of(any::<bool>()),
        ) {
            let raw = RawNewMessage {
                title, body, channel,
                contact: Some(RawContact { name: None, phone, email }),
                location: None,
                publish_consent: consent,
            };
            match NewMessage::try_from(raw) {
                Ok(m) => prop_assert!(!m.title.is_empty() && m.title.chars().count() <= TITLE_MAX_CHARS),
                Err(e) => prop_assert!(["title", "body", "channel", "contact.phone", "contact.email", "publish_consent"].contains(&e.field.as_str())),
            }
        }
    }
}
