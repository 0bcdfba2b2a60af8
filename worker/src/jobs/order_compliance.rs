//! Order compliance: the check when a binding's breach would begin (`max(comply_by,
//! served_at)`), and the escalations that follow while it stays non-compliant (see
//! `casework_domain::order::compliance`; the binding moves through `order::moves`, as a
//! caseworker's do).

use apalis::prelude::BoxDynError;
use casework_domain::{
    calendar,
    jobs::{ComplianceCheck, PenaltyEscalation},
    order::compliance,
};

use super::Perform;
use crate::{JobEnv, runner};

impl Perform for ComplianceCheck {
    async fn perform(self, env: &JobEnv) -> Result<runner::Outcome, BoxDynError> {
        let mut tx = env.db.begin().await?;
        let cal = calendar::store::load(&mut tx).await?;
        let outcome = compliance::check(&mut tx, self.order_id, self.binding_id, &cal, env.clock.ts()).await?;
        tx.commit().await?;
        tracing::info!(binding.id = %self.binding_id, ?outcome, "order compliance check");
        Ok(runner::Outcome::Done)
    }
}

impl Perform for PenaltyEscalation {
    async fn perform(self, env: &JobEnv) -> Result<runner::Outcome, BoxDynError> {
        let mut tx = env.db.begin().await?;
        let escalated =
            compliance::escalate(&mut tx, self.order_id, self.binding_id, self.round, env.clock.ts()).await?;
        tx.commit().await?;
        tracing::info!(binding.id = %self.binding_id, round = self.round, escalated, "breach escalation");
        Ok(runner::Outcome::Done)
    }
}
