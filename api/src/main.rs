//! `casework-api`: parse configuration, start logging, serve (and, with `--with-worker`,
//! run the background worker in the same process).

use std::io::BufRead;

use casework_api::{
    Application, Cli, Settings,
    config::Command,
    startup::{install_key_ring, prepare_database},
};
use casework_domain::{
    Clock, db,
    identity::{Email, Label, NewUser, Password, Role, store},
    keyring::{self, KeyRing},
    rekey, runtime,
};
use clap::Parser;

/// `create-user` / `create-admin`: a staff account whose role applies at once (the first
/// supervisor of an installation can only come from here). The password is the first line
/// of standard input, so it never appears in the process list or shell history.
async fn create_user(
    settings: &Settings,
    clock: &Clock,
    email: &str,
    role: Role,
    display_name: &str,
) -> anyhow::Result<()> {
    let email = Email::parse("email", email).map_err(|e| anyhow::anyhow!("email: {}", e.message))?;
    let display_name =
        Label::parse("display_name", display_name).map_err(|e| anyhow::anyhow!("display name: {}", e.message))?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = Password::parse("password", line.trim_end_matches(['\r', '\n']))
        .map_err(|e| anyhow::anyhow!("password: {}", e.message))?;
    prepare_database(settings, clock).await?;
    let pool = db::pool(
        db::options(&settings.database_url)?,
        1,
        std::time::Duration::from_secs(10),
    );
    let mut tx = pool.begin().await?;
    let user = store::provision_user(
        &mut tx,
        &NewUser {
            email,
            display_name,
            role,
            password,
        },
        "cli",
        clock.ts(),
    )
    .await?;
    tx.commit().await?;
    println!("created {role} {}", user.id);
    Ok(())
}

/// `rekey`: re-seal everything under the primary key, or (`--check`) prove that every
/// sealed value opens with the configured ring.
async fn rekey(settings: &Settings, clock: &Clock, check_only: bool) -> anyhow::Result<()> {
    prepare_database(settings, clock).await?;
    let pool = db::pool(
        db::options(&settings.database_url)?,
        2,
        std::time::Duration::from_secs(10),
    );
    let ring = keyring::installed();
    let counts = if check_only {
        rekey::check(&pool, ring).await?
    } else {
        rekey::rekey(&pool, ring).await?
    };
    for c in &counts {
        let verb = if check_only { "open" } else { "re-sealed" };
        println!("{}.{}: {} {verb}", c.column.table, c.column.column, c.count);
    }
    if check_only {
        println!("every sealed value opens with key ring {:?}", ring.ids());
    } else {
        println!("everything is sealed under {}", ring.primary_id());
        let n = rekey::client_indexes(&pool, ring).await?;
        println!("cases.client_*_index: {n} recomputed");
    }
    pool.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    runtime::init_tracing(cli.settings.log_format);
    let clock = runtime::clock(cli.settings.clock_start);
    match &cli.command {
        Some(Command::Openapi) => {
            println!("{}", casework_api::openapi::build().to_pretty_json()?);
            return Ok(());
        }
        Some(Command::Keygen { id }) => {
            println!("{}", KeyRing::generate_entry(id.as_deref()));
            return Ok(());
        }
        // Every other command reads or writes sealed values: a bad ring stops it here.
        _ => install_key_ring(&cli.settings)?,
    }
    match cli.command {
        Some(Command::Openapi | Command::Keygen { .. }) => Ok(()),
        Some(Command::Rekey { check }) => rekey(&cli.settings, &clock, check).await,
        Some(Command::Migrate) => {
            prepare_database(&cli.settings, &clock).await?;
            println!("database ready");
            Ok(())
        }
        Some(Command::CreateAdmin { email, display_name }) => {
            create_user(&cli.settings, &clock, &email, Role::Admin, &display_name).await
        }
        Some(Command::CreateUser {
            email,
            role,
            display_name,
        }) => {
            let default_name = match role {
                Role::Admin => "Administrator",
                Role::Supervisor => "Supervisor",
                Role::Caseworker => "Caseworker",
            };
            create_user(
                &cli.settings,
                &clock,
                &email,
                role,
                display_name.as_deref().unwrap_or(default_name),
            )
            .await
        }
        None => {
            let app = Application::build(cli.settings.clone(), clock.clone()).await?;
            tracing::info!(port = app.port(), "listening");
            if cli.with_worker {
                let pool = app.state.db.clone();
                let worker = tokio::spawn(casework_worker::run(
                    pool,
                    clock,
                    cli.worker.config(),
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
