//! The rules of a task: how a custom task is parsed (every error at once) and the state
//! machine, one table read by [`crate::transitions::check`].

use std::collections::HashSet;

use jiff::Timestamp;
use uuid::Uuid;

use super::{
    input::NewTask,
    types::{TaskKind, TaskSpec, TaskStatus},
};
use crate::{
    DomainError,
    calendar::{MAX_BUSINESS_DAYS, OfficeCalendar},
    error::{FieldError, Validation},
    input::PARSED,
    timestamp::Ts,
    transitions::{self, Edge, TransitionError},
};

impl NewTask {
    /// A custom task for `me` (the default assignee), due at `due_at` or
    /// `due_in_business_days` office days after `now` — exactly one of them. `assignable`
    /// holds which of the named users may hold work (see `case::store::cases::assignable_users`),
    /// `sees_case` which of them see the task's case (see `task::store::who_sees_case`):
    /// a case's task goes only to someone who sees the case.
    ///
    /// # Errors
    /// `Validation` listing every broken rule.
    pub fn parse(
        self,
        me: Uuid,
        assignable: &HashSet<Uuid>,
        sees_case: &HashSet<Uuid>,
        now: Timestamp,
        calendar: &OfficeCalendar,
    ) -> Result<TaskSpec, DomainError> {
        let mut v = Validation::new();
        let title = v.required_label("title", self.title.as_deref());
        let assignee = self.assignee.unwrap_or(me);
        if !assignable.contains(&assignee) {
            v.push(FieldError::new(
                "assignee",
                "not_assignable",
                "must be an active caseworker or supervisor",
            ));
        } else if self.case_id.is_some() && !sees_case.contains(&assignee) {
            v.push(FieldError::new(
                "assignee",
                "assignee_cannot_see_case",
                "must be someone who sees the case (its primary, a collaborator or a supervisor)",
            ));
        }
        let due_at = match (self.due_at, self.due_in_business_days) {
            (Some(_), Some(_)) => {
                for f in ["due_at", "due_in_business_days"] {
                    v.push(FieldError::new(
                        f,
                        "exactly_one",
                        "give exactly one of due_at and due_in_business_days",
                    ));
                }
                None
            }
            (None, None) => {
                v.push(FieldError::new(
                    "due_at",
                    "required",
                    "give due_at or due_in_business_days",
                ));
                None
            }
            (Some(t), None) => Some(t),
            (None, Some(n)) if (1..=MAX_BUSINESS_DAYS).contains(&n) => Some(calendar.add_business_days(now, n)),
            (None, Some(_)) => {
                v.push(FieldError::new(
                    "due_in_business_days",
                    "out_of_range",
                    format!("must be between 1 and {MAX_BUSINESS_DAYS}"),
                ));
                None
            }
        };
        v.into_result(|| {
            Some(TaskSpec {
                kind: TaskKind::Custom,
                title: title?,
                case_id: self.case_id,
                assignee,
                due_at: Ts::new(due_at?),
                subject: None,
                data: serde_json::json!({}),
                parsed: PARSED,
            })
        })
    }
}

/// Tasks have no guards: every listed move is allowed to whoever sees the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskGuard {}

impl transitions::Guard for TaskGuard {
    fn code(self) -> &'static str {
        match self {}
    }
}

use TaskStatus::{Cancelled, Done, Open};

/// The task state machine: open → done | cancelled; nothing leaves done or cancelled.
pub const TASK_TRANSITIONS: &[Edge<TaskStatus, TaskGuard>] = &[(Open, Done, &[]), (Open, Cancelled, &[])];

/// Whether a task may move `from → to`.
///
/// # Errors
/// `NotAllowed` (409) when the table has no such edge.
pub fn check_task_move(from: TaskStatus, to: TaskStatus) -> Result<(), TransitionError> {
    transitions::check("a task", TASK_TRANSITIONS, from, to, |g| match g {})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::field_codes;

    fn now() -> Timestamp {
        "2026-11-23T17:00:00Z".parse().expect("instant")
    }

    #[test]
    fn a_body_missing_fields_names_each() {
        let me = Uuid::now_v7();
        let all = HashSet::from([me]);
        let cal = OfficeCalendar::standard();
        let got = field_codes(NewTask::default().parse(me, &all, &all, now(), &cal));
        assert_eq!(
            got,
            [("title".to_owned(), "required"), ("due_at".to_owned(), "required")]
        );
        let both = NewTask {
            title: Some("Call back".into()),
            due_at: Some(now()),
            due_in_business_days: Some(2),
            assignee: Some(Uuid::nil()),
            ..NewTask::default()
        };
        let got = field_codes(both.parse(me, &all, &all, now(), &cal));
        assert_eq!(
            got,
            [
                ("assignee".to_owned(), "not_assignable"),
                ("due_at".to_owned(), "exactly_one"),
                ("due_in_business_days".to_owned(), "exactly_one"),
            ]
        );
    }

    #[test]
    fn a_case_task_goes_only_to_someone_who_sees_the_case() {
        let (me, other) = (Uuid::now_v7(), Uuid::now_v7());
        let cal = OfficeCalendar::standard();
        let task = |assignee| NewTask {
            case_id: Some(Uuid::now_v7()),
            title: Some("Call back".into()),
            due_at: Some(now()),
            assignee: Some(assignee),
            ..NewTask::default()
        };
        let assignable = HashSet::from([me, other]);
        let sees = HashSet::from([me]);
        let got = field_codes(task(other).parse(me, &assignable, &sees, now(), &cal));
        assert_eq!(got, [("assignee".to_owned(), "assignee_cannot_see_case")]);
        assert!(task(me).parse(me, &assignable, &sees, now(), &cal).is_ok());
    }

    #[test]
    fn business_days_land_at_close_of_the_nth_office_day() {
        let me = Uuid::now_v7();
        let cal = OfficeCalendar::standard();
        let t = NewTask {
            title: Some(" Call back ".into()),
            due_in_business_days: Some(5),
            ..NewTask::default()
        }
        .parse(me, &HashSet::from([me]), &HashSet::new(), now(), &cal)
        .expect("valid");
        // Monday 2026-11-23 + 5 office days = Monday 2026-11-30, 16:30 UTC−7.
        assert_eq!(t.due_at.get().to_string(), "2026-11-30T23:30:00Z");
        assert_eq!(
            (t.title.as_str(), t.assignee, t.kind),
            ("Call back", me, TaskKind::Custom)
        );
    }

    #[test]
    fn the_transition_table() {
        for from in TaskStatus::ALL {
            for to in TaskStatus::ALL {
                let ok = check_task_move(*from, *to).is_ok();
                assert_eq!(ok, *from == Open && *to != Open, "{from} → {to}");
            }
        }
    }
}
