//! docs/objects.md is made from the objects' declarations: this test fails when it is out of
//! date (`BANDMATE_BLESS=1 cargo test -p bandmate-core --test objects_doc` rewrites it).

use std::path::Path;

use bandmate_core::objects::docs::markdown;
use bandmate_core::objects::{FRAG, GROOVE, LOOPER};

const HEADER: &str = "# Objects reference

Generated from the declarations in `core/src/host/` (do not edit by hand: run
`BANDMATE_BLESS=1 cargo test -p bandmate-core --test objects_doc`). The same messages work in
Pure Data, in Max, and over OSC as `/bandmate/<object>/<message>` (see `docs/osc.md`). In Pd and
Max, attributes can also be given when the object is created: `[bandmate.groove @tempo 96]`.
Slots are numbered from 1. Errors go to the console naming the object, and out of the info outlet
as `error ...`; the object keeps its state.

";

#[test]
fn objects_reference_is_up_to_date() {
    let want = format!(
        "{HEADER}{}\n{}\n{}",
        markdown(&GROOVE),
        markdown(&LOOPER),
        markdown(&FRAG)
    );
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/objects.md");
    if std::env::var_os("BANDMATE_BLESS").is_some_and(|v| v == "1") {
        bandmate_core::fsutil::write_atomic(&file, want.as_bytes()).unwrap();
    }
    let have = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        have == want,
        "docs/objects.md is out of date: run BANDMATE_BLESS=1 cargo test -p bandmate-core --test objects_doc"
    );
    // every message of every object is in it
    for d in [&GROOVE, &LOOPER, &FRAG] {
        for m in d.messages {
            assert!(have.contains(&format!("| `{}` |", m.name)), "{}", m.name);
        }
    }
}
