//! `bandmate train` and `bandmate models`: fine-tuning the groove model on the performer's
//! own loops (bandmate-tune) with a progress bar, and the model library.

use bandmate_core::training::{self, Event};
use bandmate_core::Result;
use bandmate_tune::accomp::AccompOptions;
use bandmate_tune::Options;
use std::io::{IsTerminal, Write};
use std::path::Path;
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
    (opts, accomp): (&Options, &AccompOptions),
    held: Held,
) -> Result<()> {
    if let Some(l) = label {
        bandmate_core::sculpt::check_label(l)?;
    }
    let name = name.unwrap_or_else(|| training::default_name(dir, label, library));
    // the library (by default out/models) is made here; the trainer checks it is a folder
    std::fs::create_dir_all(library).map_err(|e| bandmate_core::Error::io(library, &e))?;
    let req = training::Request {
        base: base.to_path_buf(),
        data: dir.to_path_buf(),
        label: label.map(str::to_string),
        name,
        library: library.to_path_buf(),
        roots: None,
        epochs: None,
        hold_out: match held {
            Held::Every(n) => Some(n),
            Held::Folder(_) => None,
        },
        held_out_dir: match held {
            Held::Folder(h) => Some(h.to_path_buf()),
            Held::Every(_) => None,
        },
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    let accompanist = bandmate_tune::accomp::is_accompanist(base);
    let tty = std::io::stderr().is_terminal();
    let mut report = |e: Event| match e {
        Event::Skipped(f, why) => eprintln!("bandmate: skipped {}: {why}", f.display()),
        Event::Start {
            files,
            windows,
            held_out_files,
            held_out_windows: _,
            epochs,
        } if accompanist => eprintln!(
            "bandmate: fine-tuning {} on {files} song(s) ({windows} sequences: 12 \
             transpositions, accompanying and alone), {held_out_files} held out; {epochs} epochs",
            base.display(),
        ),
        Event::Start {
            files,
            windows,
            held_out_files,
            held_out_windows,
            epochs,
        } => eprintln!(
            "bandmate: fine-tuning {} on {windows} windows of {files} file(s), \
             {held_out_files} held out ({held_out_windows} windows); {epochs} epochs",
            base.display(),
        ),
        Event::Epoch(p) => {
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
        }
    };
    let done = bandmate_tune::train_any(&req, opts, accomp, &mut report, &AtomicBool::new(false))?;
    println!(
        "wrote {} ({} epochs, {:.1} s){}",
        done.dir.display(),
        if accompanist {
            accomp.epochs
        } else {
            opts.epochs
        },
        done.seconds,
        match (done.nll_before, done.nll_after) {
            (Some(b), Some(a)) if accompanist =>
                format!("; held-out negative log-likelihood per part token {b:.3} -> {a:.3} nats"),
            (Some(b), Some(a)) => format!("; held-out negative log-likelihood {b:.2} -> {a:.2}"),
            _ => String::new(),
        }
    );
    Ok(())
}

/// `bandmate models`: one line per model folder of the library.
pub fn models(library: &Path) -> Result<()> {
    let models = training::library(library)?;
    if models.is_empty() {
        println!(
            "{}: no models yet (bandmate train FOLDER NAME)",
            library.display()
        );
    }
    for m in models {
        let accompanist = m.format.as_deref() == Some(bandmate_core::accomp::model::MODEL_FORMAT);
        let what = match (m.windows, m.files, accompanist) {
            (Some(w), Some(f), true) => format!("{w} sequences of {f} song(s)"),
            (Some(w), Some(f), false) => format!("{w} windows of {f} file(s)"),
            (_, _, true) => "music21's Bach chorales".to_string(),
            _ => "the Groove MIDI Dataset".to_string(),
        };
        println!(
            "{}  {}, from {}, trained on {what}",
            m.name,
            if accompanist {
                "accompanist"
            } else {
                "groove model"
            },
            m.from.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}
