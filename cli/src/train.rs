//! `bandmate train` and `bandmate models`: fine-tuning the groove model on the performer's
//! own loops (bandmate-tune) with a progress bar, and the model library.

use bandmate_core::{Error, Result};
use bandmate_tune::{examples, fine_tune, hold_out, training_files, write_model, Options, Record};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

fn mmss(d: std::time::Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}

/// Which loops are held out to compare the new model with the old.
pub enum Held<'a> {
    /// Every Nth file of the training folder (0: none).
    Every(usize),
    /// The MIDI loops of another folder.
    Folder(&'a Path),
}

pub fn train(
    dir: &Path,
    name: Option<String>,
    label: Option<&str>,
    base: &Path,
    library: &Path,
    opts: &Options,
    held: Held,
) -> Result<()> {
    if let Some(l) = label {
        bandmate_core::sculpt::check_label(l)?;
    }
    let name = match name {
        Some(n) => n,
        None => {
            let folder = dir
                .canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "mine".into());
            match label {
                Some(l) => format!("{folder}-{l}"),
                None => folder,
            }
        }
    };
    bandmate_tune::free_place(library, &name)?;
    let files = training_files(dir, label)?;
    if files.is_empty() {
        return Err(Error::invalid(format!(
            "{}: no MIDI loops to train on{}",
            dir.display(),
            label.map_or(String::new(), |l| format!(" labelled {l}"))
        )));
    }
    let (train_files, held_files) = match held {
        Held::Every(n) => hold_out(&files, n),
        Held::Folder(h) => (files.clone(), training_files(h, None)?),
    };
    let (train, bad) = examples(&train_files);
    let (held, bad_held) = examples(&held_files);
    for (f, why) in bad.iter().chain(&bad_held) {
        eprintln!("bandmate: skipped {}: {why}", f.display());
    }
    let train_files: Vec<PathBuf> = train_files
        .into_iter()
        .filter(|f| !bad.iter().any(|(b, _)| b == f))
        .collect();
    let held_files: Vec<PathBuf> = held_files
        .into_iter()
        .filter(|f| !bad_held.iter().any(|(b, _)| b == f))
        .collect();
    if train.is_empty() {
        return Err(Error::invalid(format!(
            "{}: none of the {} file(s) has a 2-bar window with hits to train on",
            dir.display(),
            files.len()
        )));
    }
    eprintln!(
        "bandmate: fine-tuning {} on {} windows of {} file(s), {} held out ({} windows); {} epochs",
        base.display(),
        train.len(),
        train_files.len(),
        held_files.len(),
        held.len(),
        opts.epochs
    );
    let tty = std::io::stderr().is_terminal();
    let mut report = |p: &bandmate_tune::Progress| {
        let width = 24;
        let done = width * p.epoch / p.epochs.max(1);
        let bar = format!("{}{}", "#".repeat(done), ".".repeat(width - done));
        let held = p
            .held_out
            .map_or(String::new(), |h| format!(", held out {h:.2}"));
        let line = format!(
            "epoch {}/{} [{bar}] loss {:.2}{held}, {} gone, {} left",
            p.epoch,
            p.epochs,
            p.loss,
            mmss(p.elapsed),
            mmss(p.left)
        );
        if tty {
            eprint!("\r{line}  ");
            if p.epoch == p.epochs {
                eprintln!();
            }
        } else {
            eprintln!("{line}");
        }
        let _ = std::io::stderr().flush();
    };
    let tuned = fine_tune(
        base,
        &train,
        &held,
        opts,
        &mut report,
        &AtomicBool::new(false),
    )?;
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let rec = Record {
        name: &name,
        base,
        files: &train_files,
        held_out_files: &held_files,
        train_windows: train.len(),
        held_out: &held,
        options: opts,
        command: &command,
    };
    let out = write_model(library, &tuned, &rec)?;
    println!(
        "wrote {} ({} epochs, {:.1} s){}",
        out.display(),
        tuned.epochs,
        tuned.seconds,
        match (tuned.held_out_before, tuned.held_out_after) {
            (Some(b), Some(a)) => format!("; held-out loss {b:.2} -> {a:.2}"),
            _ => String::new(),
        }
    );
    Ok(())
}

/// `bandmate models`: one line per model folder of the library.
pub fn models(library: &Path) -> Result<()> {
    let rd = match std::fs::read_dir(library) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!(
                "{}: no models yet (bandmate train FOLDER NAME)",
                library.display()
            );
            return Ok(());
        }
        Err(e) => return Err(Error::io(library, &e)),
    };
    let mut rows = Vec::new();
    for e in rd.flatten() {
        let p = e.path();
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with('.') || !p.join("model.json").is_file() {
            continue;
        }
        let j: serde_json::Value = std::fs::read(p.join("model.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let t = &j["training"];
        let from = t["fine_tuned_from"].as_str().unwrap_or("-");
        let what = match (t["train_windows"].as_u64(), t["files"].as_array()) {
            (Some(w), Some(f)) => format!("{w} windows of {} file(s)", f.len()),
            _ => "the Groove MIDI Dataset".to_string(),
        };
        rows.push(format!("{n}  from {from}, trained on {what}"));
    }
    rows.sort();
    if rows.is_empty() {
        println!(
            "{}: no models yet (bandmate train FOLDER NAME)",
            library.display()
        );
    }
    for r in rows {
        println!("{r}");
    }
    Ok(())
}
