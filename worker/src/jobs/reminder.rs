//! Task reminders: delivered as a notification at the first office-open instant at or
//! after the reminder falls due (08:30–16:30 Mon–Fri Vancouver, closures included), exactly
//! once (see `casework_domain::task::store::deliver_reminder`).

use apalis::prelude::BoxDynError;
use casework_domain::{
    calendar,
    jobs::DeliverReminder,
    task::store::{self, Delivery},
};

use super::Perform;
use crate::{JobEnv, runner};

impl Perform for DeliverReminder {
    async fn perform(self, env: &JobEnv) -> Result<runner::Outcome, BoxDynError> {
        let mut tx = env.db.begin().await?;
        let cal = calendar::store::load(&mut tx).await?;
        let outcome = store::deliver_reminder(&mut tx, self.reminder_id, &cal, env.clock.ts()).await?;
        tx.commit().await?;
        Ok(match outcome {
            Delivery::NotBefore(t) => runner::Outcome::NotBefore(t),
            Delivery::Delivered | Delivery::Nothing => runner::Outcome::Done,
        })
    }
}
