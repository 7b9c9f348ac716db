//! `scripts/pd-package` makes a folder Pd can use as is: every object loads from it, finds the
//! bundled model beside itself by a relative path, and plays.

mod harness;

use std::path::Path;
use std::process::Command;

use harness::{assert_clean, built_library, objects, pd_extension, printed, Patch, PdDir};

#[test]
fn the_package_folder_works_in_pd() {
    let work = PdDir::new("package");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = work.path("out");
    let status = Command::new(repo.join("scripts/pd-package"))
        .arg("--lib")
        .arg(built_library())
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let pkg = out.join("bandmate");
    for o in objects() {
        assert!(pkg.join(format!("{o}.{}", pd_extension())).is_file(), "{o}");
        assert!(pkg.join(format!("{o}-help.pd")).is_file(), "{o} help");
    }
    for f in [
        "models/groove/model.json",
        "models/groove/encoder.onnx",
        "loops/18_hiphop_100_beat_4-4.mid",
        "NOTICE",
    ] {
        assert!(pkg.join(f).is_file(), "{f}");
    }
    assert!(pkg.join(bandmate_core::model::ORT_LIBRARY).is_file());
    assert!(
        pkg.join("fragments").is_dir(),
        "the folder the frag~ help watches"
    );
    let dek: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".dek"))
        .collect();
    assert_eq!(dek.len(), 1, "one .dek archive");
    // a patch in the package folder, using only what the package holds
    let mut p = Patch::new();
    let g = p.obj("bandmate.groove @blocking 1");
    let pi = p.obj("print info");
    p.connect(g, 1, pi, 0);
    p.at(0.0, "load models/groove, seed 1, generate", g);
    p.quit_at(50.0);
    let file = pkg.join("try.pd");
    std::fs::write(&file, p.text()).unwrap();
    let lines = Command::new("timeout")
        .arg("60")
        .arg(harness::pd_binary())
        .args([
            "-nogui", "-nosound", "-nomidi", "-noprefs", "-nrt", "-stderr", "-batch",
        ])
        .arg("-path")
        .arg(&pkg)
        .arg("-open")
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&lines.stderr).into_owned();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert_clean(&lines);
    let info = printed(&lines, "info");
    assert!(
        info.iter().any(|l| l.starts_with("loaded groove")),
        "{text}"
    );
    assert!(
        info.iter().any(|l| l.starts_with("ready generate 1")),
        "{text}"
    );
}
