-- Deadlines from the service levels and the working-day calendar.
ALTER TABLE cases ADD COLUMN first_response_due TEXT;
ALTER TABLE cases ADD COLUMN reply_due TEXT;
ALTER TABLE cases ADD COLUMN deadline_note TEXT;
CREATE INDEX cases_reply_due ON cases(reply_due);
