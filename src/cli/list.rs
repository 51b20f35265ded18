//! `hvsim list`: the bundled scenarios (description, the versions their `expect` blocks
//! name) and the Harvester versions hvsim knows.

use super::input_error;
use crate::report::list::{render, Listed};
use crate::scenario::{self, parse_expect_key, version::KNOWN};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_: Args) -> ExitCode {
    let mut scns = Vec::new();
    for (path, text) in scenario::bundled() {
        match scenario::load_str(path, text) {
            Ok(s) => scns.push(s),
            Err(e) => return input_error(e),
        }
    }
    let listed: Vec<Listed> = scns
        .iter()
        .map(|s| {
            let mut expects: Vec<String> = Vec::new();
            for key in s.expect.keys() {
                let v = parse_expect_key(key)
                    .map(|(v, _)| v.to_string())
                    .unwrap_or_else(|_| key.clone());
                if !expects.contains(&v) {
                    expects.push(v);
                }
            }
            Listed {
                name: &s.name,
                description: &s.description,
                expects,
            }
        })
        .collect();
    out!("{}", render(&listed, KNOWN));
    ExitCode::SUCCESS
}
