//! Housekeeping: drops idempotency records past their 24 hours, stale per-address sign-in
//! failure counts, and finished jobs past their retention (apalis-postgres never prunes).

use std::time::Duration;

use apalis::prelude::BoxDynError;
use casework_domain::{idempotency, identity::store as identity, jobs, jobs::Housekeeping};
use sqlx::PgPool;

use super::Perform;
use crate::{JobEnv, runner};

impl Perform for Housekeeping {
    async fn perform(self, env: &JobEnv) -> Result<runner::Outcome, BoxDynError> {
        let mut conn = env.db.acquire().await?;
        let purged = idempotency::purge_expired(&mut conn, env.clock.ts()).await?;
        let login_failures = identity::purge_stale_login_failures(&mut conn, env.clock.ts()).await?;
        let pruned = jobs::prune_finished(&mut conn, env.config.job_retention).await?;
        tracing::info!(reason = %self.reason, purged, login_failures, pruned, "housekeeping done");
        Ok(runner::Outcome::Done)
    }
}

/// Enqueues housekeeping at start and then every `interval` (every worker process does;
/// the job is idempotent).
pub async fn sweep(db: PgPool, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        let pushed = async {
            let mut conn = db.acquire().await?;
            jobs::enqueue(&mut conn, &Housekeeping { reason: "sweep".into() }).await?;
            Ok::<_, anyhow::Error>(())
        };
        if let Err(e) = pushed.await {
            tracing::warn!(error = %e, "could not enqueue housekeeping");
        }
    }
}
