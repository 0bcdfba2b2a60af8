//! `casework-api`: parse configuration, start logging, serve (and, with `--with-worker`,
//! run the background worker in the same process).

use std::io::BufRead;

use casework_api::{Application, Cli, config::Command, startup::prepare_database};
use casework_domain::{
    db,
    identity::{Email, Label, NewUser, Password, Role, store},
    runtime,
};
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    runtime::init_tracing(cli.settings.log_format);
    let clock = runtime::clock(cli.settings.clock_start);
    match cli.command {
        Some(Command::Openapi) => {
            println!("{}", casework_api::openapi::build().to_pretty_json()?);
            Ok(())
        }
        Some(Command::Migrate) => {
            prepare_database(&cli.settings, &clock).await?;
            println!("database ready");
            Ok(())
        }
        Some(Command::CreateAdmin { email, display_name }) => {
            let email = Email::parse("email", &email).map_err(|e| anyhow::anyhow!(e.message))?;
            let display_name = Label::parse("display_name", &display_name).map_err(|e| anyhow::anyhow!(e.message))?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            let password = Password::parse("password", line.trim_end_matches(['\r', '\n']))
                .map_err(|e| anyhow::anyhow!(e.message))?;
            prepare_database(&cli.settings, &clock).await?;
            let pool = db::pool(
                db::options(&cli.settings.database_url)?,
                1,
                std::time::Duration::from_secs(10),
            );
            let mut conn = pool.acquire().await?;
            let user = store::insert_user(
                &mut conn,
                &NewUser {
                    email,
                    display_name,
                    role: Role::Admin,
                    password,
                },
                clock.ts(),
            )
            .await?;
            println!("created admin {}", user.id);
            Ok(())
        }
        None => {
            let app = Application::build(cli.settings.clone(), clock.clone()).await?;
            tracing::info!(port = app.port(), "listening");
            if cli.with_worker {
                let pool = app.state.db.clone();
                let worker = tokio::spawn(casework_worker::run(
                    pool,
                    clock,
                    casework_worker::WorkerConfig::default(),
                    runtime::shutdown_signal(),
                ));
                app.run_until_stopped().await?;
                worker.await??;
            } else {
                app.run_until_stopped().await?;
            }
            Ok(())
        }
    }
}
