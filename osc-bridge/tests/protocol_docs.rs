//! docs/osc.md is made from the declarations: the committed file must be exactly what
//! `bandmated --print-protocol` prints, so the reference never drifts from the code.

mod common;

use std::process::Command;

#[test]
fn docs_osc_md_is_up_to_date() {
    let path = common::workspace().join("docs/osc.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = bandmate_osc::markdown();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "the end".to_string(), |n| format!("line {}", n + 1));
        panic!(
            "docs/osc.md is out of date (first difference at {line}): run\n  \
             cargo run -q -p bandmate-osc --bin bandmated -- --print-protocol > docs/osc.md"
        );
    }
    let printed = Command::new(env!("CARGO_BIN_EXE_bandmated"))
        .arg("--print-protocol")
        .output()
        .unwrap();
    assert!(printed.status.success());
    assert_eq!(String::from_utf8(printed.stdout).unwrap(), generated);
}

#[test]
fn every_address_is_documented_with_an_example() {
    let md = bandmate_osc::markdown();
    for a in bandmate_osc::protocol::addresses() {
        assert!(md.contains(&format!("#### `{a}")), "{a} has no entry");
        assert!(
            md.contains(&format!("oscsend localhost 8000 {a}")),
            "{a} has no example"
        );
    }
    assert!(md.contains(&format!("(version {})", bandmate_osc::PROTOCOL_VERSION)));
}
