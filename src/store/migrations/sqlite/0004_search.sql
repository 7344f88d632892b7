-- Search (SQLite): the change sequence the search indexes follow, and the public FAQ.
--
-- Every INSERT or UPDATE of a case or FAQ entry appends a row here through a trigger, so no write
-- path (intake, import, triage decisions, every workflow step) can forget to tell the indexes.
-- Each service instance keeps its own index and remembers the last seq it has applied.
CREATE TABLE search_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX search_changes_changed_at ON search_changes(changed_at);

CREATE TRIGGER cases_search_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO search_changes (entity, entity_id) VALUES ('case', NEW.id);
END;
CREATE TRIGGER cases_search_update AFTER UPDATE ON cases
BEGIN
    INSERT INTO search_changes (entity, entity_id) VALUES ('case', NEW.id);
END;

CREATE TABLE faq_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    unit TEXT,
    -- JSON array of strings.
    tags TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'active',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX faq_entries_status ON faq_entries(status, id);

CREATE TRIGGER faq_search_insert AFTER INSERT ON faq_entries
BEGIN
    INSERT INTO search_changes (entity, entity_id) VALUES ('faq', NEW.id);
END;
CREATE TRIGGER faq_search_update AFTER UPDATE ON faq_entries
BEGIN
    INSERT INTO search_changes (entity, entity_id) VALUES ('faq', NEW.id);
END;
