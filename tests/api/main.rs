//! The integration-test binary: starts the real application on port 0 with a fresh database —
//! SQLite always, PostgreSQL when WENZHENG_TEST_DATABASE_URL is set — and drives it over HTTP.

mod architecture;
mod draft;
mod e2e;
mod helpers;
mod intake;
mod process;
mod search;
mod staff;
mod supervise;
mod web;
mod workflow;
