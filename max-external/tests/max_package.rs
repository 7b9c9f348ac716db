//! `scripts/max-package` makes a Max package folder: the objects load from its `externals`
//! folder, find the model bundled in the package by themselves, and the help patchers and
//! devices are where Max and Live look for them.

mod harness;

use std::path::Path;
use std::process::Command;

use bandmate_core::model::{ort_library_for, plugin_runtime_places, Os};
use harness::{built_library, mockmax};

#[test]
fn the_package_folder_loads_and_finds_its_own_model() {
    let work = harness::MaxDir::empty("package");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = work.path("out");
    for os in ["macos", "windows", "linux"] {
        let status = Command::new(repo.join("scripts/max-package"))
            .arg("--lib")
            .arg(built_library())
            .args(["--os", os, "--out"])
            .arg(out.join(os))
            .status()
            .unwrap();
        assert!(status.success(), "{os}");
        let pkg = out.join(os).join("bandmate");
        for o in harness::objects() {
            let ext = match os {
                "macos" => format!("{o}.mxo/Contents/MacOS/{o}"),
                "windows" => format!("{o}.mxe64"),
                _ => format!("{o}.so"),
            };
            assert!(pkg.join("externals").join(&ext).is_file(), "{os}: {ext}");
            assert!(
                pkg.join(format!("help/{o}.maxhelp")).is_file(),
                "{os}: {o} help"
            );
        }
        for f in [
            "patchers/bandmate-groove.amxd",
            "patchers/bandmate-frag.amxd",
            "patchers/bandmate-accomp.amxd",
            "media/loop.wav",
            "help/loops/18_hiphop_100_beat_4-4.mid",
            "models/groove/model.json",
            "models/groove/decoder.onnx",
            "models/accomp/model.json",
            "models/accomp/accomp.onnx",
            "package-info.json",
            "NOTICE",
        ] {
            assert!(pkg.join(f).is_file(), "{os}: {f}");
        }
        // The ONNX Runtime library lies where, and under the name, the objects look for it on
        // that system (the core's own table of names and places, not a copy of it).
        let target = match os {
            "macos" => Os::MacOs,
            "windows" => Os::Windows,
            _ => Os::Linux,
        };
        let [dir, name] = plugin_runtime_places(target)[0];
        assert_eq!(name, ort_library_for(target));
        assert!(pkg.join(dir).join(name).is_file(), "{os}: {dir}/{name}");
        let info: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(pkg.join("package-info.json")).unwrap())
                .unwrap();
        assert_eq!(info["name"], "bandmate");
    }
    if cfg!(target_os = "macos") {
        return; // the plist and bundle are checked above; the mock host below is Linux's
    }
    // The Linux package in the mock host: the model the package holds (renamed, to tell it
    // from the repository's) is the one loaded.
    let pkg = out.join("linux/bandmate");
    let card = pkg.join("models/groove/model.json");
    let text = std::fs::read_to_string(&card).unwrap();
    std::fs::write(
        &card,
        text.replacen("\"name\": \"groove\"", "\"name\": \"packaged\"", 1),
    )
    .unwrap();
    std::fs::write(
        work.path("s.maxscript"),
        "new g bandmate.groove @blocking 1\nsend g seed 1\nsend g generate\nadvance 10\n",
    )
    .unwrap();
    let run = Command::new("timeout")
        .arg("60")
        .arg(mockmax())
        .arg("-path")
        .arg(pkg.join("externals"))
        .arg("-patcher")
        .arg(pkg.join("help"))
        .arg(work.path("s.maxscript"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{text}");
    assert!(text.contains("out g 1 loaded packaged"), "{text}");
    assert!(text.contains("out g 1 ready generate 1"), "{text}");
    assert!(
        !text
            .lines()
            .any(|l| l.contains(" error ") && !l.contains(" assist ")),
        "{text}"
    );
}
