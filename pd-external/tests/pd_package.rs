//! `scripts/pd-package` makes a folder Pd can use as is: every object loads from it, finds the
//! bundled model beside itself by a relative path, and plays.

mod harness;

use std::path::Path;
use std::process::Command;

use harness::{assert_clean, built_library, objects, pd_extension, printed, Patch, PdDir};

/// Install the package under `work` (`out/bandmate`).
fn install(work: &PdDir) -> std::path::PathBuf {
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
    out.join("bandmate")
}

/// The help patches' steps that name the package's files (`load models/groove`, `read
/// loop.wav`, `corpus loops`, `watch fragments`), from a performer's own patch in a folder
/// elsewhere: the package on Pd's search path (`-path`), or `[declare]`d by the patch.
#[test]
fn the_help_steps_find_the_package_files_from_a_patch_elsewhere() {
    let work = PdDir::new("package-elsewhere");
    let pkg = install(&work);
    let mine = work.path("mine");
    std::fs::create_dir_all(&mine).unwrap();
    for declared in [false, true] {
        let mut p = Patch::new();
        if declared {
            p.obj(&format!("declare -path {}", pkg.display()));
        }
        let pi = p.obj("print info");
        let g = p.obj("bandmate.groove @blocking 1");
        p.connect(g, 1, pi, 0);
        let l = p.obj("bandmate.looper @blocking 1");
        p.connect(l, 1, pi, 0);
        let f = p.obj("bandmate.frag~");
        p.connect(f, 2, pi, 0);
        p.at(0.0, "load models/groove", g);
        p.at(10.0, "corpus loops", l);
        p.at(20.0, "read loop.wav", f);
        p.at(30.0, "watch fragments", f);
        p.quit_at(100.0);
        let mut text = p.text();
        if declared {
            // as Pd saves a [declare]: its line right after the canvas's
            let at = text.find('\n').unwrap() + 1;
            text.insert_str(at, &format!("#X declare -path {};\n", pkg.display()));
        }
        let file = mine.join("song.pd");
        std::fs::write(&file, text).unwrap();
        let mut cmd = Command::new("timeout");
        cmd.arg("60").arg(harness::pd_binary()).args([
            "-nogui", "-nosound", "-nomidi", "-noprefs", "-nrt", "-stderr", "-batch",
        ]);
        if !declared {
            cmd.arg("-path").arg(&pkg);
        }
        let run = cmd
            .arg("-open")
            .arg(&file)
            .current_dir(&mine)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&run.stderr).into_owned();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        assert_clean(&lines);
        let info = printed(&lines, "info");
        for want in ["loaded groove", "corpus ", "loaded 1 loop"] {
            assert!(
                info.iter().any(|l| l.starts_with(want)),
                "declared {declared}: {want} not in {text}"
            );
        }
    }
}

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
        "models/accomp/model.json",
        "models/accomp/accomp.onnx",
        "loops/18_hiphop_100_beat_4-4.mid",
        "bandmate.groove.display.pd",
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
