//! Command-line interface. Doc comments on these structs are the `--help` text.
//!
//! Exit codes: 0 = every checked property holds (`check`) or every verdict is as expected
//! (`verify`); 1 = a property is violated, unknown (bounded run) or vacuous, or a verdict differs
//! from the expected one; 2 = bad usage or bad input (one line on stderr).

mod actors;
mod args;
mod checking;
mod resume;
mod runs;

use crate::app::registry::Registry;
use crate::error::{Error, Result};
use args::{Cli, Command};
use checking::{audit, check, explore, list, new_crate, replay, verify_cmd};
use clap::{CommandFactory, FromArgMatches};
use runs::{bench, overlay, prob, simulate, sweep};
use std::io::Write;

/// The whole command line with the built-in models; returns the exit code.
pub fn main() -> i32 {
    main_with(Registry::builtin())
}

/// The whole command line for the models of `reg` (a user's crate: the built-ins and its own,
/// `Registry::builtin().with(&MY_ENTRY)`): parses arguments, runs, prints; returns the exit
/// code.
pub fn main_with(reg: Registry) -> i32 {
    if let Err(e) = reg.validate() {
        say(&format!("error: {e}"));
        return 2;
    }
    let prog = std::env::args_os()
        .next()
        .and_then(|a| {
            std::path::Path::new(&a)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "broadcheck".into());
    crate::app::report::set_program(&prog);
    let parsed = Cli::command()
        .name(crate::app::report::program())
        .bin_name(crate::app::report::program())
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return 0;
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                let _ = e.print();
                return 2;
            }
            // One line: clap's message without its usage block.
            let text = e.render().to_string();
            let msg: Vec<&str> = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            say(&format!("{} (see '{prog} --help')", msg.join(" ")));
            return 2;
        }
    };
    // A panic (a handler of the model that panics, a model error such as a send to a process
    // that does not exist) ends in one line and exit 2, never a backtrace.
    let last_panic = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let seen = last_panic.clone();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".into());
        let at = info
            .location()
            .map(|l| format!(" (at {}:{})", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut slot) = seen.lock() {
            slot.get_or_insert(format!("{msg}{at}"));
        }
    }));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli, &reg)));
    match result {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            say(&format!("error: {e}"));
            2
        }
        Err(_) => {
            let what = last_panic
                .lock()
                .ok()
                .and_then(|s| s.clone())
                .unwrap_or_else(|| "a panic".into());
            if what.starts_with("model error: ") {
                say(&format!("error: {what}"));
            } else {
                say(&format!("error: model error: the model panicked: {what}"));
            }
            2
        }
    }
}

/// Writes to stdout; a failed write (a full disk, a closed pipe) is an error (exit 2).
fn out(text: &str) -> Result<()> {
    let mut so = std::io::stdout().lock();
    so.write_all(text.as_bytes())
        .and_then(|()| so.flush())
        .map_err(|e| Error::Io(format!("cannot write the output: {e}")))
}

/// One line on stderr; if even that fails there is no one left to tell.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| Error::Io(format!("cannot encode JSON: {e}")))
}

fn run(cli: Cli, reg: &Registry) -> Result<i32> {
    use crate::engine::stop;
    let budget = match &cli.memory_limit {
        Some(m) => stop::parse_size(m).map_err(|e| Error::input(format!("--memory-limit: {e}")))?,
        None => stop::default_budget(),
    };
    stop::set_budget(budget);
    if !stop::counting() {
        say("warning: the memory budget is not enforced: this binary's global allocator is not broadcheck's counting one (engine::stop::Budgeted)");
    }
    stop::install_signal_handlers()
        .map_err(|e| Error::Io(format!("cannot install signal handlers: {e}")))?;
    match cli.command {
        Command::List { format } => {
            out(&list(reg, format)?)?;
            Ok(0)
        }
        Command::Check(args) => check(args, reg),
        Command::Verify {
            paths,
            format,
            junit,
            jobs,
            reduce,
        } => verify_cmd(reg, paths, format, junit, jobs, &reduce),
        Command::Prob(args) => prob(args, reg),
        Command::Simulate(args) => simulate(args, reg),
        Command::Sweep(args) => sweep(args, reg),
        Command::Overlay(args) => overlay(args, reg),
        Command::Replay(args) => replay(args, reg),
        Command::Resume(args) => resume::resume(args, reg),
        Command::Explore(args) => explore(args, reg),
        Command::Run(args) => actors::run(args, reg),
        Command::CheckTrace(args) => actors::check_trace(args),
        Command::Conform(args) => actors::conform(args, reg),
        Command::Bench(args) => bench(args, reg),
        Command::Audit(args) => audit(args, reg),
        Command::New(args) => new_crate(args),
    }
}
