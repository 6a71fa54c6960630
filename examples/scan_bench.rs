//! Benchmark driver until `ghcr-gen rename` exists: renames the benchmark corpus' two
//! images (owner acme-labs, repo axon-doc, services nextjs and crawler) by a suffix.
//!
//! usage: scan_bench DIR [--write] [--revert] [--suffix S] [--json]
//!
//! Prints `references N files M` (the plan's counts). `--write` applies the plan;
//! `--revert` renames the suffixed names back; `--json` prints the edits instead.

use std::path::PathBuf;
use std::process::ExitCode;

use ghcr_gen::rewrite::{Matcher, Rename, ScanOptions, apply, scan};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut root = None;
    let (mut write, mut revert, mut json) = (false, false, false);
    let mut suffix = String::from("-api");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--write" => write = true,
            "--revert" => revert = true,
            "--json" => json = true,
            "--suffix" => suffix = args.next().unwrap_or_default(),
            _ => root = Some(PathBuf::from(arg)),
        }
    }
    let Some(root) = root else {
        eprintln!("usage: scan_bench DIR [--write] [--revert] [--suffix S] [--json]");
        return ExitCode::from(2);
    };
    let mut renames: Vec<Rename> = ["axon-doc-nextjs", "axon-doc-crawler"]
        .iter()
        .map(|p| Rename::with_suffix("ghcr.io", "acme-labs", "axon-doc", p, &suffix))
        .collect();
    if revert {
        renames = renames.iter().map(Rename::reversed).collect();
    }
    let matcher = Matcher::new(&renames);
    let plan = match scan(&root, &matcher, &ScanOptions::default()) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        println!("{}", serde_json::to_string(&plan).unwrap_or_default());
    } else {
        println!(
            "references {} files {}",
            plan.reference_count(),
            plan.files.len()
        );
    }
    if write && let Err(e) = apply(&root, &plan) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
