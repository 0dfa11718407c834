//! The `smelt` command-line tool as a library: the subcommands, the spec
//! test runner and the linker driver, shared by the binary and the tests.

pub mod commands;
pub mod common;
pub mod link;
pub mod wast;
