-- Cases, triage suggestions and staff corrections (SQLite).
CREATE TABLE case_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_number TEXT NOT NULL UNIQUE,
    tracking_digest TEXT NOT NULL UNIQUE,
    external_id TEXT UNIQUE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    channel TEXT NOT NULL,
    contact_name TEXT,
    contact_phone TEXT,
    contact_email TEXT,
    location TEXT,
    publish_consent INTEGER NOT NULL,
    status TEXT NOT NULL,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    suggested_category TEXT,
    suggested_department TEXT,
    suggested_confidence REAL,
    suggested_uncertain INTEGER,
    suggested_key_terms TEXT,
    suggested_type TEXT,
    suggested_urgency TEXT,
    model_version TEXT,
    category TEXT,
    department TEXT,
    request_type TEXT,
    urgency TEXT,
    confirmed INTEGER NOT NULL DEFAULT 0,
    confirmed_by TEXT,
    confirmed_at TEXT,
    reply_text TEXT,
    replied_at TEXT
);
CREATE INDEX cases_status ON cases(status, received_at);
CREATE INDEX cases_department ON cases(department, received_at);
CREATE INDEX cases_suggested_department ON cases(suggested_department, received_at);

CREATE TABLE corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT,
    at TEXT NOT NULL
);
CREATE INDEX corrections_case ON corrections(case_id);

CREATE TABLE staff_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    token_digest TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
