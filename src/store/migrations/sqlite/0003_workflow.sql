-- Case workflow (SQLite): units, people, assignment, audit log, leader instructions, replies,
-- satisfaction, archive, and the notification outbox.
ALTER TABLE cases ADD COLUMN is_complex INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN merged_into INTEGER REFERENCES cases(id);
ALTER TABLE cases ADD COLUMN assigned_at TEXT;
ALTER TABLE cases ADD COLUMN paused_at TEXT;
ALTER TABLE cases ADD COLUMN paused_from TEXT;
ALTER TABLE cases ADD COLUMN pause_reason TEXT;
ALTER TABLE cases ADD COLUMN reply_draft TEXT;
ALTER TABLE cases ADD COLUMN reply_submitted_by TEXT;
ALTER TABLE cases ADD COLUMN reply_published_at TEXT;
ALTER TABLE cases ADD COLUMN reply_published_by TEXT;
ALTER TABLE cases ADD COLUMN satisfaction TEXT;
ALTER TABLE cases ADD COLUMN satisfaction_comment TEXT;
ALTER TABLE cases ADD COLUMN rated_at TEXT;
ALTER TABLE cases ADD COLUMN reopen_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN closed_at TEXT;
ALTER TABLE cases ADD COLUMN archived_at TEXT;
ALTER TABLE cases ADD COLUMN due_soon_noticed_at TEXT;
ALTER TABLE cases ADD COLUMN overdue_noticed_at TEXT;
ALTER TABLE cases ADD COLUMN escalated_at TEXT;
-- Replies imported from the old board were public there.
UPDATE cases SET reply_published_at = replied_at WHERE reply_text IS NOT NULL AND replied_at IS NOT NULL;
CREATE INDEX cases_merged_into ON cases(merged_into);

CREATE TABLE units (
    name TEXT PRIMARY KEY,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE case_units (
    case_id INTEGER NOT NULL REFERENCES cases(id),
    unit TEXT NOT NULL,
    role TEXT NOT NULL,
    PRIMARY KEY (case_id, unit)
);
CREATE INDEX case_units_unit ON case_units(unit, case_id);

CREATE TABLE case_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    note TEXT,
    data TEXT
);
CREATE INDEX case_events_case ON case_events(case_id, id);

CREATE TABLE instructions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    leader TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    report_text TEXT,
    reported_by TEXT,
    reported_at TEXT
);
CREATE INDEX instructions_case ON instructions(case_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit TEXT,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

ALTER TABLE staff_tokens ADD COLUMN unit TEXT;
ALTER TABLE staff_tokens ADD COLUMN user_id INTEGER REFERENCES users(id);
ALTER TABLE staff_tokens ADD COLUMN expires_at TEXT;

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    case_id INTEGER REFERENCES cases(id),
    recipient TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    available_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_until TEXT,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox(sent_at, available_at);
