//! docs/osc.md is made from the declarations (the generated-files test keeps the committed one
//! current): every address the daemon answers has an entry and an `oscsend` example.

use bandmate_osc::protocol::AddressSpace;

#[test]
fn every_address_is_documented_with_an_example() {
    let md = bandmate_gen::osc_doc::markdown();
    for a in AddressSpace::standard().addresses() {
        assert!(md.contains(&format!("#### `{a}")), "{a} has no entry");
        assert!(
            md.contains(&format!("oscsend localhost 8000 {a}")),
            "{a} has no example"
        );
    }
    assert!(md.contains(&format!("(version {})", bandmate_osc::PROTOCOL_VERSION)));
}
