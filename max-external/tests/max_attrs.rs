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

/// `getattr NAME` answers `NAME value` out of the rightmost outlet, the dumpout outlet Max's
/// objects with attributes have (Max's obex sends it through the class's `dumpout` method):
/// `[bandmate.groove]`'s `getattr tempo` is `tempo 120`. Before, there was no dumpout outlet
/// and `getattr` printed nothing.
#[test]
fn getattr_answers_out_of_the_rightmost_dumpout_outlet() {
    let max = MaxDir::new("attr-dumpout");
    let mut script = String::new();
    for (i, e) in OBJECTS.iter().enumerate() {
        script.push_str(&format!("new o{i} {}\n", e.decl.name));
        for m in e.decl.attributes() {
            script.push_str(&format!(
                "getattr o{i} {n}\nsend o{i} getattr {n}\n",
                n = m.name
            ));
        }
    }
    let out = max.run(&script);
    out.assert_clean();
    let groove = OBJECTS
        .iter()
        .position(|e| e.decl.name == "bandmate.groove")
        .expect("groove");
    let tempo: Vec<_> = out
        .outs()
        .into_iter()
        .filter(|o| o.id == format!("o{groove}") && o.sel == "tempo")
        .map(|o| (o.outlet, o.atoms))
        .collect();
    let rightmost = OBJECTS[groove].decl.outlets.len();
    assert_eq!(tempo, vec![(rightmost, vec!["120".to_string()])]);
    for (i, e) in OBJECTS.iter().enumerate() {
        let id = format!("o{i}");
        let n = e.decl.outlets.len();
        let outlets = out
            .lines
            .iter()
            .filter(|l| l.contains(&format!(" assist {id} out ")))
            .count();
        assert_eq!(
            outlets,
            n + 1,
            "{}: the declared outlets and dumpout",
            e.decl.name
        );
        // every attribute answers once, out of the dumpout outlet, with the value Max reads
        let want: Vec<(usize, String, Vec<String>)> = out
            .of_kind("attr")
            .into_iter()
            .filter(|a| a.words[0] == id)
            .map(|a| (n, a.words[1].clone(), a.words[2..].to_vec()))
            .collect();
        let got: Vec<(usize, String, Vec<String>)> = out
            .outs()
            .into_iter()
            .filter(|o| o.id == id)
            .map(|o| (o.outlet, o.sel, o.atoms))
            .collect();
        assert_eq!(got, want, "{}", e.decl.name);
        assert_eq!(want.len(), e.decl.attributes().count(), "{}", e.decl.name);
    }
}

/// Every declared attribute but the offline switches (`blocking`, flag OFFLINE) is flagged
/// "save", so Max keeps it with the patcher. Before, none was.
#[test]
fn attributes_are_saved_with_the_patcher_except_offline_switches() {
    use bandmate_core::objects::decl::Flags;
    let max = MaxDir::new("attr-save");
    let mut script = String::new();
    let mut want = Vec::new();
    for (i, e) in OBJECTS.iter().enumerate() {
        script.push_str(&format!("new o{i} {}\nsaved o{i}\n", e.decl.name));
        for m in e.decl.attributes() {
            if !m.flags.has(Flags::OFFLINE) {
                want.push(format!("o{i} {}", m.name));
            }
        }
    }
    let out = max.run(&script);
    out.assert_clean();
    let got: Vec<String> = out
        .of_kind("saved")
        .into_iter()
        .map(|e| format!("{} {}", e.words[0], e.words[1]))
        .collect();
    assert!(want.len() >= 15, "{want:?}");
    assert_eq!(got, want);
}
