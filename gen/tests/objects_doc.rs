//! docs/objects.md, made from the registry's declarations (the generated-files test keeps the
//! committed one current), names every message of every object.

use bandmate_core::objects::OBJECTS;

#[test]
fn the_objects_reference_has_every_message() {
    let have = bandmate_gen::docs::objects_reference();
    for e in OBJECTS {
        for m in e.decl.messages {
            assert!(
                have.contains(&format!("| `{}` |", m.name)),
                "{}: {}",
                e.decl.name,
                m.name
            );
        }
    }
}
