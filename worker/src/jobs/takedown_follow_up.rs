//! Takedown follow-ups (contract §8): at a request's `follow_up_due_at`, if the platform
//! has still not answered, a follow-up task for the caseworker, the next follow-up one
//! interval later, and from the third on an escalation to supervisors (see
//! `casework_domain::takedown::follow_up`).

use apalis::prelude::BoxDynError;
use casework_domain::{Ts, calendar, jobs::TakedownFollowUp, takedown::follow_up};

use super::Perform;
use crate::{JobEnv, runner};

impl Perform for TakedownFollowUp {
    async fn perform(self, env: &JobEnv) -> Result<runner::Outcome, BoxDynError> {
        let mut tx = env.db.begin().await?;
        let cal = calendar::store::load(&mut tx).await?;
        let outcome = follow_up::run(&mut tx, self.takedown_id, Ts::new(self.due_at), &cal, env.clock.ts()).await?;
        tx.commit().await?;
        tracing::info!(takedown.id = %self.takedown_id, ?outcome, "takedown follow-up");
        Ok(runner::Outcome::Done)
    }
}
