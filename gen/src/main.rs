//! `bandmate-gen`: writes (`write`, the default) or checks (`check`) every file made from the
//! declarations: help patches, Max patchers and devices, the TouchOSC layout, the reference
//! docs.

use std::process::ExitCode;

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None | Some("write") => match bandmate_gen::write_all() {
            Ok(written) => {
                for p in &written {
                    println!("wrote {}", p.display());
                }
                if written.is_empty() {
                    println!("every generated file is up to date");
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("bandmate-gen: {e}");
                ExitCode::FAILURE
            }
        },
        Some("check") => {
            let stale = bandmate_gen::stale();
            for p in &stale {
                eprintln!("out of date: {}", p.display());
            }
            if stale.is_empty() {
                ExitCode::SUCCESS
            } else {
                eprintln!("bandmate-gen: run `cargo run -p bandmate-gen` to write them");
                ExitCode::FAILURE
            }
        }
        Some(other) => {
            eprintln!("bandmate-gen: unknown command '{other}' (write or check)");
            ExitCode::from(2)
        }
    }
}
