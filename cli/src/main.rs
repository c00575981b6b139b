//! `tabx`: parse arguments, run the command, map the outcome to an exit status
//! (0 ok, 1 findings, 2 error; a closed pipe is not an error).

use std::process::ExitCode;

use clap::Parser;
use tabx_cli::args::{Cli, Command};
use tabx_cli::commands::{self, Outcome};
use tabx_cli::{kfp, remote};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.quiet, cli.verbose);
    if let Err(err) = tabx_core::failpoint::check() {
        eprintln!("error: {err}");
        return ExitCode::from(2);
    }
    let result = match &cli.command {
        Command::Stats(args) => commands::stats(args, cli.quiet),
        Command::Merge(args) => commands::merge(args, cli.quiet),
        Command::Demo(args) => commands::demo(args, cli.quiet),
        Command::Schema(command) => commands::schema(command, cli.quiet),
        Command::Validate(args) => commands::validate(args, cli.quiet),
        Command::Datasets(command) => commands::datasets(command, cli.quiet),
        Command::Transform(command) => commands::transform(command, cli.quiet),
        Command::Split(args) => commands::split(args, cli.quiet),
        Command::Evaluate(args) => commands::evaluate(args, cli.quiet),
        Command::Train(args) => commands::train(args, cli.quiet),
        Command::Predict(args) => commands::predict(args, cli.quiet),
        Command::Report(args) => commands::report(args, cli.quiet),
        Command::Push(args) => commands::push(args, cli.quiet),
        Command::Watch(args) => commands::watch(args, cli.quiet),
    };
    // Outputs named by URLs go up only after the command succeeded.
    let result = match result {
        Ok(outcome) => kfp::write(cli.kfp_metrics.as_deref(), cli.kfp_executor_input.as_deref())
            .and_then(|()| publish(cli.quiet))
            .map(|()| outcome),
        Err(err) => {
            remote::discard();
            Err(err)
        }
    };
    if tracing::enabled!(target: "tabx::resources", tracing::Level::INFO)
        && let Some(bytes) = tabx_engine::peak_rss_bytes()
    {
        // What a pod's memory limit must hold (k8s-job/run_local.py reads it).
        tracing::info!(target: "tabx::resources", peak_rss_mib = bytes as f64 / 1048576.0, "peak memory");
    }
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) if cli.findings_exit_zero => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", render(&err));
            ExitCode::from(2)
        }
    }
}

/// Uploads the outputs named by URLs, saying where each went.
fn publish(quiet: bool) -> anyhow::Result<()> {
    for url in remote::publish()? {
        if !quiet {
            eprintln!("uploaded {url}");
        }
    }
    Ok(())
}

/// The error chain on one line, with any `hint:` lines moved to the end.
fn render(err: &anyhow::Error) -> String {
    let mut message = Vec::new();
    let mut hints = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        let mut lines = text.lines();
        // anyhow chains often repeat the cause's text in the context: say it once.
        if let Some(first) = lines.next().filter(|f| !message.iter().any(|m: &String| m.contains(f))) {
            message.push(first.to_string());
        }
        hints.extend(lines.map(str::to_string));
    }
    hints.dedup();
    let mut out = message.join(": ");
    for hint in hints {
        out.push('\n');
        out.push_str(&hint);
    }
    out
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().filter_map(|c| c.downcast_ref::<std::io::Error>()).any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

fn init_logging(quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TABX_LOG").unwrap_or_else(|_| level.into());
    // Colours only on a terminal: logs piped to a file or a pod's log stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .without_time()
        .init();
}
