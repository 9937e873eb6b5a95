//! `openinfusion serve`: migrate, optionally load the demo, then serve HTTP until SIGTERM or Ctrl-C, finishing the
//! requests in flight.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;

use crate::{DatabaseArgs, open_app, print_demo_logins};

#[derive(clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address to listen on (port 0 picks a free port)
    #[arg(long, env = "OPENINFUSION_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Load the synthetic demo data set when the database is empty, and print the demo logins
    #[arg(long)]
    pub demo: bool,
    /// Database connections in the pool
    #[arg(long, env = "OPENINFUSION_POOL_SIZE", default_value_t = 16)]
    pub pool_size: u32,
}

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let bind: SocketAddr = args
        .bind
        .parse()
        .with_context(|| format!("--bind {:?} is not an address such as 127.0.0.1:8080", args.bind))?;
    let app = open_app(&args.db, args.pool_size)?;
    if args.demo {
        match testkit::demo::load_demo(&app)? {
            Some(logins) => print_demo_logins(&logins),
            None => println!(
                "The database already holds data; demo data not loaded. Demo logins, if loaded before, use the password openinfusion-demo."
            ),
        }
    }
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        // Install the signal handler before announcing the address, so a SIGTERM that follows at once is graceful.
        let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("cannot install the SIGTERM handler")?;
        let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("cannot listen on {bind}"))?;
        let address = listener.local_addr().context("cannot read the bound address")?;
        println!("openinfusion listening on http://{address}");
        tracing::info!(%address, backend = ?app.backend(), "serving");
        let router = web::router(web::AppState::new(app));
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown_signal(terminate))
            .await
            .context("server error")?;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

async fn shutdown_signal(mut terminate: tokio::signal::unix::Signal) {
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = terminate.recv() => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
