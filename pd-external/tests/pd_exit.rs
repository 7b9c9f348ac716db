//! Issue 18, item 6: no exit path may crash the host. Quitting Pd while `[bandmate.groove]`'s
//! worker is inside ONNX Runtime (loading the model) used to crash Pd in about half the runs:
//! the main thread ran ONNX Runtime's exit handlers while the worker still used it. Real time
//! (not batch), so the worker really races the quit.

mod harness;

use std::process::Command;

use harness::{pd_binary, Patch, PdDir};

#[test]
fn quitting_while_the_model_loads_never_crashes_pd() {
    let pd = PdDir::new("exit");
    let mut p = Patch::new();
    let g = p.obj("bandmate.groove");
    // a reload at 300 ms, and the quit 5 ms after it: the worker is loading then
    p.at(300.0, "reload", g);
    p.quit_at(305.0);
    std::fs::write(pd.path("exit.pd"), p.text()).unwrap();
    let mut crashes = Vec::new();
    for run in 0..20 {
        let out = Command::new("timeout")
            .arg("30")
            .arg(pd_binary())
            .args([
                "-nogui", "-nosound", "-nomidi", "-noprefs", "-nrt", "-stderr",
            ])
            .arg("-path")
            .arg(&pd.dir)
            .arg("-open")
            .arg(pd.path("exit.pd"))
            .current_dir(&pd.dir)
            .output()
            .unwrap();
        if !out.status.success() {
            crashes.push(format!(
                "run {run}: {} {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            ));
        }
    }
    assert!(crashes.is_empty(), "Pd did not exit cleanly: {crashes:#?}");
}
