//! The objects' Max attributes as Max sees them: their declared types and sizes on every
//! system (the mock's `-windows` makes C's `long` 4 bytes, as on Windows).

mod harness;

use bandmate_core::objects::{Kind, OBJECTS};
use harness::MaxDir;

/// Every declared int attribute is the SDK's 64-bit `atom_long`, 8 bytes, on Windows too
/// (where `long` is 4 bytes and Max would read half of the object's 8-byte slot), and Max reads
/// back the value set.
#[test]
fn int_attributes_are_atom_long_on_windows_too() {
    let max = MaxDir::new("attr-types");
    let mut script = String::new();
    let mut want = Vec::new();
    for (i, e) in OBJECTS.iter().enumerate() {
        let d = e.decl;
        script.push_str(&format!("new o{i} {}\n", d.name));
        for m in d.attributes() {
            let Some(Kind::Int { max: hi, .. }) = m.args.first().map(|a| &a.kind) else {
                continue;
            };
            script.push_str(&format!(
                "attrtype o{i} {n}\nsend o{i} {n} {hi}\ngetattr o{i} {n}\n",
                n = m.name
            ));
            want.push(format!("attrtype o{i} {} atom_long 8", m.name));
            want.push(format!("attr o{i} {} {hi}", m.name));
        }
    }
    assert!(want.len() >= 8, "int attributes: {want:?}");
    let out = max.run_with_flags(&script, &["-windows"]);
    out.assert_clean();
    let got: Vec<String> = out
        .lines
        .iter()
        .filter_map(|l| l.split_once(' ').map(|x| x.1.to_string()))
        .filter(|l| l.starts_with("attrtype ") || l.starts_with("attr "))
        .collect();
    assert_eq!(got, want);
}
