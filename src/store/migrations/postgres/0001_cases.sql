-- Cases, triage suggestions and staff corrections (PostgreSQL).
CREATE TABLE case_counters (
    year INTEGER PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE cases (
    id BIGSERIAL PRIMARY KEY,
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
    publish_consent BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    suggested_category TEXT,
    suggested_department TEXT,
    suggested_confidence DOUBLE PRECISION,
    suggested_uncertain BOOLEAN,
    suggested_key_terms TEXT,
    suggested_type TEXT,
    suggested_urgency TEXT,
    model_version TEXT,
    category TEXT,
    department TEXT,
    request_type TEXT,
    urgency TEXT,
    confirmed BOOLEAN NOT NULL DEFAULT FALSE,
    confirmed_by TEXT,
    confirmed_at TIMESTAMPTZ,
    reply_text TEXT,
    replied_at TIMESTAMPTZ
);
CREATE INDEX cases_status ON cases(status, received_at);
CREATE INDEX cases_department ON cases(department, received_at);
CREATE INDEX cases_suggested_department ON cases(suggested_department, received_at);

CREATE TABLE corrections (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id),
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX corrections_case ON corrections(case_id);

CREATE TABLE staff_tokens (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    token_digest TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);
