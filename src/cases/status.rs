//! Case states, with the Chinese names the board shows.

use serde::{Deserialize, Serialize};

/// Where a case stands. The happy path is 已受理 → 已交办 → 办理中 → 待审核 → 已回复 → 已办结 →
/// 已归档; 已退单, 已挂起 and 已并单 are the side roads (see `workflow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// 已受理: received and acknowledged.
    Received,
    /// 已交办: assigned to a lead unit, not yet accepted by it.
    Assigned,
    /// 办理中: the unit is working on it.
    InProgress,
    /// 已退单: the unit returned it; the dispatcher must assign it again (改派).
    Returned,
    /// 已挂起: waiting on the citizen; the reply clock is stopped.
    Paused,
    /// 待审核: reply drafted, waiting for the office's review.
    PendingReview,
    /// 已回复: public reply published.
    Replied,
    /// 已办结: finished.
    Closed,
    /// 已并单: merged into another case, which answers for it.
    Merged,
    /// 已归档: archived with its record.
    Archived,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 10] = [
        CaseStatus::Received,
        CaseStatus::Assigned,
        CaseStatus::InProgress,
        CaseStatus::Returned,
        CaseStatus::Paused,
        CaseStatus::PendingReview,
        CaseStatus::Replied,
        CaseStatus::Closed,
        CaseStatus::Merged,
        CaseStatus::Archived,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::Received => "received",
            CaseStatus::Assigned => "assigned",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::Returned => "returned",
            CaseStatus::Paused => "paused",
            CaseStatus::PendingReview => "pending_review",
            CaseStatus::Replied => "replied",
            CaseStatus::Closed => "closed",
            CaseStatus::Merged => "merged",
            CaseStatus::Archived => "archived",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            CaseStatus::Received => "已受理",
            CaseStatus::Assigned => "已交办",
            CaseStatus::InProgress => "办理中",
            CaseStatus::Returned => "已退单",
            CaseStatus::Paused => "已挂起",
            CaseStatus::PendingReview => "待审核",
            CaseStatus::Replied => "已回复",
            CaseStatus::Closed => "已办结",
            CaseStatus::Merged => "已并单",
            CaseStatus::Archived => "已归档",
        }
    }

    pub fn parse(code: &str) -> Option<CaseStatus> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Still waiting for the government's answer: the reply deadline runs (except while paused)
    /// and the case counts as overdue once it passes.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseStatus::Received
                | CaseStatus::Assigned
                | CaseStatus::InProgress
                | CaseStatus::Returned
                | CaseStatus::Paused
                | CaseStatus::PendingReview
        )
    }
}

impl std::fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.chinese(), self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.code()), Some(s));
        }
        assert_eq!(CaseStatus::parse("已受理"), None);
    }
}
