-- Search (PostgreSQL): the change sequence the search indexes follow, and the public FAQ.
--
-- Every INSERT or UPDATE of a case or FAQ entry appends a row here through a trigger, so no write
-- path (intake, import, triage decisions, every workflow step) can forget to tell the indexes.
-- Each service instance keeps its own index and remembers the last seq it has applied. Sequence
-- values are taken at insert time but become visible at commit, so seq 10 can be visible before
-- seq 9: the reader in src/search/sync.rs handles those gaps.
CREATE TABLE search_changes (
    seq BIGSERIAL PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX search_changes_changed_at ON search_changes(changed_at);

CREATE FUNCTION wz_record_search_change() RETURNS trigger AS $$
BEGIN
    INSERT INTO search_changes (entity, entity_id) VALUES (TG_ARGV[0], NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER cases_search_change AFTER INSERT OR UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION wz_record_search_change('case');

CREATE TABLE faq_entries (
    id BIGSERIAL PRIMARY KEY,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    unit TEXT,
    -- JSON array of strings.
    tags TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'active',
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX faq_entries_status ON faq_entries(status, id);

CREATE TRIGGER faq_search_change AFTER INSERT OR UPDATE ON faq_entries
    FOR EACH ROW EXECUTE FUNCTION wz_record_search_change('faq');
