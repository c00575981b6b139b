//! # tabx-cli
//!
//! The `tabx` binary's library half: clap arguments ([`args`]), resolved
//! settings, and one function per subcommand ([`commands`]) that parses
//! flags, calls the job's entry point in the `tabx` library crate, shows
//! progress and prints. Rust users call the `tabx` crate, not this one.

pub mod args;
pub mod commands;
mod eval_view;
pub mod kfp;
mod output;
pub mod remote;
mod schema_view;
mod settings;
mod summary;
