-- Supervision (SQLite): the lead unit at the time of each audit entry (a 退单 counts against the
-- unit that returned the case), and early warnings (舆情预警).
ALTER TABLE case_events ADD COLUMN unit TEXT;
CREATE INDEX case_events_action_at ON case_events(action, at);
CREATE INDEX cases_received_at ON cases(received_at);
CREATE INDEX instructions_created_at ON instructions(created_at);

CREATE TABLE warnings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic_key TEXT NOT NULL UNIQUE,
    reasons TEXT NOT NULL,
    place TEXT,
    keywords TEXT NOT NULL,
    representative_titles TEXT NOT NULL,
    recent_messages INTEGER NOT NULL,
    earlier_messages INTEGER NOT NULL,
    urgent_messages INTEGER NOT NULL,
    first_time TEXT NOT NULL,
    last_time TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX warnings_created_at ON warnings(created_at);

CREATE TABLE warning_cases (
    warning_id INTEGER NOT NULL REFERENCES warnings(id),
    case_number TEXT NOT NULL,
    PRIMARY KEY (warning_id, case_number)
);
CREATE INDEX warning_cases_case ON warning_cases(case_number);
