//! Housekeeping: drops idempotency records past their 24 hours and stale per-address
//! sign-in failure counts.

use apalis::prelude::*;
use apalis_postgres::PostgresStorage;
use casework_domain::{idempotency, identity::store as identity, jobs::Housekeeping};

use crate::{JobEnv, SWEEP_INTERVAL};

/// The job handler.
///
/// # Errors
/// Database errors; apalis retries the job.
pub async fn handle(job: Housekeeping, ctx: Data<JobEnv>) -> Result<(), BoxDynError> {
    let mut conn = ctx.db.acquire().await?;
    let purged = idempotency::purge_expired(&mut conn, ctx.clock.ts()).await?;
    let login_failures = identity::purge_stale_login_failures(&mut conn, ctx.clock.ts()).await?;
    tracing::info!(reason = %job.reason, purged, login_failures, "housekeeping done");
    Ok(())
}

/// Enqueues housekeeping at start and then every [`SWEEP_INTERVAL`].
pub async fn sweep(mut storage: PostgresStorage<Housekeeping>) {
    let mut tick = tokio::time::interval(SWEEP_INTERVAL);
    loop {
        tick.tick().await;
        if let Err(e) = storage.push(Housekeeping { reason: "sweep".into() }).await {
            tracing::warn!(error = %e, "could not enqueue housekeeping");
        }
    }
}
