//! Every file made from the declarations (help patches, Max patchers and devices, the TouchOSC
//! layout, docs/objects.md, docs/osc.md) is committed as made: this test fails when one is out
//! of date (`cargo run -p bandmate-gen` rewrites them; so does `BANDMATE_BLESS=1` with this
//! test).

#[test]
fn every_generated_file_is_up_to_date() {
    if std::env::var_os("BANDMATE_BLESS").is_some_and(|v| v == "1") {
        bandmate_gen::write_all().unwrap();
    }
    let stale = bandmate_gen::stale();
    assert!(
        stale.is_empty(),
        "out of date with the declarations: {stale:?}; run cargo run -p bandmate-gen"
    );
}

#[test]
fn every_registered_object_has_its_help_and_reference() {
    let files: Vec<String> = bandmate_gen::generated()
        .into_iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
    let reference = bandmate_gen::docs::objects_reference();
    for e in bandmate_core::objects::OBJECTS {
        let name = e.decl.name;
        // a Max for Live object (a Live MIDI Tool) has no Pd help, and no Pd object
        assert_eq!(
            files.contains(&format!("patches/pd/{name}-help.pd")),
            !e.decl.max_only,
            "{name}"
        );
        assert!(
            files.contains(&format!("patches/max/{name}.maxhelp")),
            "{name}"
        );
        assert!(reference.contains(&format!("## `{name}`")), "{name}");
    }
}
