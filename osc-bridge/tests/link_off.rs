//! Without the `link` cargo feature (the default build), `bandmated --link` is refused with
//! how to build one that can, rather than taken as an unknown flag.

#![cfg(not(feature = "link"))]

mod common;

use std::process::Command;

#[test]
fn link_without_the_feature_says_how_to_build_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_bandmated"))
        .current_dir(common::workspace())
        .args(["--port", "0", "--rules", "--link"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "bandmated: link: this bandmated was built without Link: cargo build --features link"
        ),
        "{err}"
    );
    // a bad quantum is named, with or without the feature
    let out = Command::new(env!("CARGO_BIN_EXE_bandmated"))
        .current_dir(common::workspace())
        .args(["--port", "0", "--rules", "--link-quantum", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("link-quantum: 0 is out of range"), "{err}");
}
