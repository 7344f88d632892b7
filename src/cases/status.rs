//! Case states, with the Chinese names the board shows.

use serde::{Deserialize, Serialize};

/// Where a case stands. The full workflow (交办, 退单, 挂起, 审核, 办结, 归档) builds on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// 已受理: received and acknowledged.
    Received,
    /// 已交办: assigned to a lead unit.
    Assigned,
    /// 办理中: the unit is working on it.
    InProgress,
    /// 待审核: reply drafted, waiting for the office's review.
    PendingReview,
    /// 已回复: public reply published.
    Replied,
    /// 已办结: finished.
    Closed,
    /// 已归档: archived with its record.
    Archived,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 7] = [
        CaseStatus::Received,
        CaseStatus::Assigned,
        CaseStatus::InProgress,
        CaseStatus::PendingReview,
        CaseStatus::Replied,
        CaseStatus::Closed,
        CaseStatus::Archived,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::Received => "received",
            CaseStatus::Assigned => "assigned",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::PendingReview => "pending_review",
            CaseStatus::Replied => "replied",
            CaseStatus::Closed => "closed",
            CaseStatus::Archived => "archived",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            CaseStatus::Received => "已受理",
            CaseStatus::Assigned => "已交办",
            CaseStatus::InProgress => "办理中",
            CaseStatus::PendingReview => "待审核",
            CaseStatus::Replied => "已回复",
            CaseStatus::Closed => "已办结",
            CaseStatus::Archived => "已归档",
        }
    }

    pub fn parse(code: &str) -> Option<CaseStatus> {
        Self::ALL.into_iter().find(|s| s.code() == code)
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
