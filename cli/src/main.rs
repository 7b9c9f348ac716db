//! `bandmate`: the command line for musicians and for the training code.

use bandmate_core::baseline::RuleDrummer;
use bandmate_core::compose;
use bandmate_core::eval;
use bandmate_core::gesture::{feel_from_percent, swing_offset_from_percent, Accent, Groove};
use bandmate_core::groove::{self, Drummer, Request};
use bandmate_core::midi::{self, ChannelSelect, MidiFile};
use bandmate_core::model::GrooveModel;
use bandmate_core::patfile;
use bandmate_core::pattern::{check_bpm, Pattern};
use bandmate_core::render::{self, Kit, Tail};
use bandmate_core::wav::{write_wav, WavFormat};
use bandmate_core::{gmd, Error, Result, Voice};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "bandmate",
    version,
    about = "Drum loops for performers: inspect, convert, swing, accent and render MIDI loops; \
             export the Groove MIDI Dataset for training.",
    after_help = "Loops are MIDI files (.mid) or bandmate pattern files (.json). \
                  Run 'bandmate demo' to hear one."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

mod map;
mod train;

/// What `bandmate data` does to a dataset.
#[derive(Subcommand)]
enum DataAction {
    /// Every item: its number, file, labels, and whether it is excluded or missing (a scan
    /// first: new MIDI files are added).
    List {
        /// Only the items with this label.
        #[arg(long)]
        label: Option<String>,
    },
    /// Add the folder's new MIDI files; mark the ones gone as missing.
    Scan,
    /// Put a label (one word) on items (numbers from `list`, or files).
    Label { label: String, items: Vec<String> },
    /// Take a label off items.
    Unlabel { label: String, items: Vec<String> },
    /// Leave items out of training.
    Exclude { items: Vec<String> },
    /// Take items back into training.
    Include { items: Vec<String> },
    /// Take the last action back (the manifest as it was before it).
    Undo,
    /// The journal of actions, oldest first.
    History,
}

#[derive(Subcommand)]
enum Command {
    /// Sculpt a dataset of your own MIDI loops: a folder and its manifest (bandmate-data.json),
    /// with labels, exclusions and a journal that can undo every action.
    Data {
        /// The dataset's folder.
        dir: PathBuf,
        #[command(subcommand)]
        action: DataAction,
    },
    /// The map of a dataset as a picture (PNG): each loop placed by the groove model's reading
    /// of it, coloured by its label; the places are printed too.
    Map {
        /// The dataset's folder.
        dir: PathBuf,
        /// The picture to write (.png).
        out: PathBuf,
        /// The groove model folder (default: the bundled one).
        #[arg(long)]
        model: Option<PathBuf>,
        /// How the readings are laid out: pca (the two principal components) or tsne
        /// (neighbours together, clusters apart; 10 loops or more).
        #[arg(long, default_value = "pca")]
        method: String,
    },
    /// Fine-tune the groove model on your own MIDI loops (a folder of them, or a dataset and one
    /// of its labels), in bandmate itself on the CPU: a new model in the library, with a card
    /// comparing it with the model it started from on a fifth of the files, held out.
    Train {
        /// The folder of MIDI loops (with a dataset manifest: its training files).
        dir: PathBuf,
        /// The new model's name: a folder in the library (default: the folder's name, and the
        /// label's).
        name: Option<String>,
        /// Only the dataset's items with this label.
        #[arg(long)]
        label: Option<String>,
        /// The model to start from.
        #[arg(long, default_value = "models/groove", env = "BANDMATE_MODEL")]
        model: PathBuf,
        /// The model library: each model a folder in it.
        #[arg(long, default_value = "out/models", env = "BANDMATE_LIBRARY")]
        library: PathBuf,
        /// Passes over the data (default: 20 for the groove model, 4 for the accompanist).
        #[arg(long)]
        epochs: Option<usize>,
        /// Windows a step (default: 32 for the groove model, 16 for the accompanist).
        #[arg(long)]
        batch: Option<usize>,
        /// Adam's learning rate (decays to a twentieth over the epochs; default: 3e-4 for the
        /// groove model, 1e-3 for the accompanist).
        #[arg(long)]
        lr: Option<f64>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Hold out every Nth file (0: none) to compare the new model with the old on.
        #[arg(long, default_value_t = 5)]
        hold_out: usize,
        /// How strongly the weights are held near the model's own (0: free; default: 1 for the
        /// groove model, 0 for the accompanist; docs/tune.md).
        #[arg(long)]
        anchor: Option<f64>,
        /// Threads for the training's matrix products (1 was the fastest on 2 cores: the
        /// matrices are small; docs/benchmarks.md).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Train the decoder only (the encoder, and so the latent space the joint prior was
        /// fitted to, as they were).
        #[arg(long)]
        freeze_encoder: bool,
        /// Hold out this folder's MIDI loops instead (all of DIR is trained on).
        #[arg(long)]
        held_out_dir: Option<PathBuf>,
    },
    /// The models in the library: name, the model each started from, what it was trained on.
    Models {
        #[arg(long, default_value = "out/models", env = "BANDMATE_LIBRARY")]
        library: PathBuf,
    },
    /// Show what a MIDI or pattern file holds: tempo, meter, drums, and the loop as a grid.
    Inspect {
        file: PathBuf,
        /// Which notes are drums: auto (channel 10 if used, else all), all, or 1..16.
        #[arg(long, default_value = "auto")]
        channel: String,
    },
    /// Convert between MIDI (.mid) and pattern files (.json), by the output's extension.
    Convert {
        input: PathBuf,
        output: PathBuf,
        /// Tempo of the output (default: the input's).
        #[arg(long)]
        bpm: Option<f64>,
    },
    /// Apply swing and/or accents to a loop and write the result (.mid or .json).
    Apply {
        input: PathBuf,
        output: PathBuf,
        /// Swing like a drum machine: percent, 50 = straight, 66.7 = triplet, 75 = dotted.
        #[arg(long, value_name = "PERCENT")]
        swing: Option<f32>,
        /// Swing as the offset of every other 16th, in fractions of a step (-0.5..0.5).
        #[arg(
            long,
            value_name = "STEPS",
            conflicts_with = "swing",
            allow_hyphen_values = true
        )]
        swing_offset: Option<f32>,
        /// 8th-note swing: the loop plays on a swung grid, each beat's off-beat 8th at this
        /// percent of the beat (50 = straight, 66.7 = triplet, 75 = dotted); its 16ths between.
        #[arg(long, value_name = "PERCENT")]
        swing8: Option<f32>,
        /// Accented steps as a drum-machine string, e.g. "x...x...x...x..." (repeats over the loop).
        #[arg(long, value_name = "PATTERN")]
        accents: Option<String>,
        /// How strongly accents are applied, 0..1.
        #[arg(long, default_value_t = 0.6)]
        accent_depth: f32,
        /// Tempo of the output (default: the input's).
        #[arg(long)]
        bpm: Option<f64>,
    },
    /// Render a loop to a WAV file with the built-in synthesized kit or your own one-shots.
    Render {
        input: PathBuf,
        output: PathBuf,
        /// Sample rate in Hz.
        #[arg(long, default_value_t = 48_000)]
        rate: u32,
        /// A folder of WAV one-shots named after the voices (kick.wav, snare.wav, ...).
        #[arg(long)]
        kit: Option<PathBuf>,
        /// Tempo (default: the input's).
        #[arg(long)]
        bpm: Option<f64>,
        /// Sound past the loop's end: wrap (seamless loop), cut, or ring (longer file).
        #[arg(long, value_enum, default_value_t = TailArg::Wrap)]
        tail: TailArg,
        /// Sample format of the WAV.
        #[arg(long, value_enum, default_value_t = FormatArg::Float32)]
        format: FormatArg,
    },
    /// Tokenize the accompanist's training music (events.json from
    /// models/train/accomp_corpus.py) into train/, validation/, test/ and manifest.json.
    AccompDataset {
        /// The works, as models/train/accomp_corpus.py wrote them.
        #[arg(long, default_value = "data/accomp/events.json")]
        events: PathBuf,
        /// Where to write the splits.
        #[arg(long, default_value = "data/accomp")]
        out: PathBuf,
    },
    /// Rehearse bandmate.accomp for a long time in logical time (the real model, a random
    /// performer, chord tracks and tempo changing): is every chunk made in time on this
    /// computer, does any note stay sounding.
    AccompRehearse {
        /// Logical minutes to play.
        #[arg(long, default_value_t = 60.0)]
        minutes: f64,
        /// Slowest and fastest tempo, e.g. 60,200 (the same twice: one tempo).
        #[arg(long, value_delimiter = ',', default_value = "60,200")]
        bpm: Vec<f64>,
        /// Chunk length in beats: 0.5, 1, 2 or 4.
        #[arg(long, default_value_t = 1.0)]
        delta2: f64,
        /// A chunk must be ready this long before its start (ms).
        #[arg(long, default_value_t = 50.0)]
        margin: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, env = "BANDMATE_ACCOMP_MODEL", default_value = "models/accomp")]
        model: PathBuf,
        /// bandmate.accomp's temperature.
        #[arg(long, default_value_t = bandmate_core::objects::accomp::DEFAULT_TEMPERATURE as f32)]
        temperature: f32,
        /// bandmate.accomp's harmony.
        #[arg(long, default_value_t = bandmate_core::objects::accomp::DEFAULT_HARMONY as f32)]
        harmony: f32,
        /// It plays alone (listen 0, the melody too) instead of accompanying the performer.
        #[arg(long)]
        alone: bool,
    },
    /// Measure the accompanist on held-out works: the chord tones of what it plays over each
    /// work's chord track (beside the music's own), alone and accompanying the work's melody,
    /// and the time each chunk takes.
    AccompEval {
        #[arg(long, default_value = "data/accomp/events.json")]
        events: PathBuf,
        /// validation (to choose settings) or test (the final table).
        #[arg(long, default_value = "test")]
        split: String,
        #[arg(long, default_value_t = 32)]
        beats: u32,
        /// Beats ahead (and the performer's delay): 0.5, 1, 2 or 4.
        #[arg(long, default_value_t = 1.0)]
        delta2: f32,
        /// Sampling temperature (bandmate.accomp's default, chosen on validation).
        #[arg(long, default_value_t = bandmate_core::objects::accomp::DEFAULT_TEMPERATURE as f32)]
        temperature: f32,
        /// How strongly the parts are pulled to the chord sounding, 0..1 (0: the model as
        /// trained; bandmate.accomp's default, chosen on validation).
        #[arg(long, default_value_t = bandmate_core::objects::accomp::DEFAULT_HARMONY as f32)]
        harmony: f32,
        #[arg(long, env = "BANDMATE_ACCOMP_MODEL", default_value = "models/accomp")]
        model: PathBuf,
        /// Give the model the chords a beat at a time, as chords played live reach it.
        #[arg(long)]
        beat_chords: bool,
        /// Loop each work's chords (and melody) up to --beats: a long performance.
        #[arg(long)]
        looped: bool,
        /// Also measure compose mode's infill of a part, best of this many draws (0: not).
        #[arg(long, default_value_t = 0)]
        infill: usize,
    },
    /// Measure the drums that listen (the groove object's `listen 1`): the onsets of the drums
    /// made from two bars the performer played against what they play in the next two, beside
    /// an echo of what was heard (rule-based), the same model not listening, and 8th notes.
    /// The performers: the GMD's drummers and music21's melodies.
    ListenEval {
        #[arg(long, default_value = "models/groove", env = "BANDMATE_MODEL")]
        model: PathBuf,
        /// The GMD export (bandmate dataset).
        #[arg(long, default_value = "data/gmd")]
        data: PathBuf,
        /// The accompanist's corpus (its melodies).
        #[arg(long, default_value = "data/accomp/events.json")]
        events: PathBuf,
        /// validation or test (the final table).
        #[arg(long, default_value = "test", value_parser = ["test", "validation"])]
        split: String,
        /// At most this many pairs of each source.
        #[arg(long)]
        limit: Option<usize>,
        /// The groove object's (1).
        #[arg(long, default_value_t = 1.0)]
        temperature: f32,
    },
    /// Export the Groove MIDI Dataset as tensors for training (see docs/dataset.md).
    Dataset {
        /// The dataset folder (holding info.csv).
        #[arg(
            long,
            env = "BANDMATE_GMD",
            default_value = "../shared/data/groove-midi-dataset"
        )]
        gmd: PathBuf,
        /// Where to write train/, validation/, test/ and manifest.json.
        #[arg(long, default_value = "data/gmd")]
        out: PathBuf,
    },
    /// Play the accompanist over a chord track, alone or with a performer's notes (a MIDI
    /// file), as it plays live: each chunk of delta2 beats is generated ahead of the playhead
    /// from the chords (known a beat ahead) and the notes played before it. Writes its parts as
    /// MIDI (bass channel 1, inner voices 2, melody 3; the performer's notes on 4).
    Accomp(AccompArgs),
    /// Generate a 2-bar drum loop from gestures with the groove model (or the rule-based
    /// drum machine): humanize a score, drumify a tapped groove, or start from nothing.
    Groove {
        /// Where to write the loop (.mid, .json or .wav).
        output: PathBuf,
        /// What to play: a MIDI or pattern file whose first 2 bars are the score.
        #[arg(long)]
        score: Option<PathBuf>,
        /// Only these voices of the score are fixed (comma-separated); the model plays the rest.
        #[arg(long, value_delimiter = ',', requires = "score")]
        voices: Vec<String>,
        /// Voices to leave out entirely (comma-separated), e.g. crash,ride.
        #[arg(long, value_delimiter = ',')]
        without: Vec<String>,
        /// How to play it: a MIDI or pattern file whose first 2 bars are tapped (drums ignored).
        #[arg(long)]
        tap: Option<PathBuf>,
        /// Swing percent applied to the tapped groove (without --tap: a tap on every 16th).
        #[arg(long, value_name = "PERCENT")]
        swing: Option<f32>,
        /// 8th-note swing: the loop plays on a swung grid, each beat's off-beat 8th at this
        /// percent of the beat (50 = straight, 66.7 = triplet, 75 = dotted).
        #[arg(long, value_name = "PERCENT")]
        swing8: Option<f32>,
        /// Accented steps, e.g. "x...x...x...x..." (repeats over the loop).
        #[arg(long)]
        accents: Option<String>,
        /// 0 = the most likely loop; 1 = as trained; up to 3.
        #[arg(long, default_value_t = 1.0)]
        temperature: f32,
        /// A style: rock, latin, jazz, funk, afrobeat, afrocuban, hiphop, neworleans, dance,
        /// soul, reggae, country, pop, middleeastern (the model's; not the rule-based machine).
        #[arg(long)]
        style: Option<String>,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Model folder.
        #[arg(long, default_value = "models/groove", env = "BANDMATE_MODEL")]
        model: PathBuf,
        /// Use the rule-based drum machine instead of the model.
        #[arg(long)]
        rules: bool,
        /// Tempo of the output (default: the score's, else 100).
        #[arg(long)]
        bpm: Option<f64>,
    },
    /// Compose mode: fill the empty bars of a drum clip (4-32 bars of 4/4), or some drums in
    /// some bars, in the feel of the bars around them; every note of the clip is kept as it is.
    Infill {
        /// The clip (.mid).
        input: PathBuf,
        /// Where to write the clip with the notes added (.mid).
        output: PathBuf,
        /// The bars to fill, 1-based: 5-8, or 5 (default: every bar with no note).
        #[arg(long)]
        bars: Option<String>,
        /// Only these drums are filled (comma-separated; default: every drum the bars lack).
        #[arg(long, value_delimiter = ',', conflicts_with = "part")]
        voices: Vec<String>,
        /// 0 = the most likely notes; 1 = as trained; up to 3.
        #[arg(long, default_value_t = 1.0)]
        temperature: f32,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Model folder.
        #[arg(long, default_value = "models/groove", env = "BANDMATE_MODEL")]
        model: PathBuf,
        /// Fill this part of a song instead of the drums: bass, inner or melody (channels 1, 2
        /// and 3, as `bandmate accomp` writes them), by the accompanist, over --chords.
        #[arg(long)]
        part: Option<String>,
        /// With --part: the chord track, e.g. "C:maj7 A:min7 D:min7 G:7" (repeated).
        #[arg(long, requires = "part")]
        chords: Option<String>,
        /// With --part: beats each chord lasts.
        #[arg(long, default_value_t = 4)]
        beats_per_chord: u32,
        /// With --part: draws made, the one closest to the bars around the gap kept.
        #[arg(long, default_value_t = bandmate_core::accomp::infill::DEFAULT_TRIES)]
        tries: usize,
        /// With --part: the accompanist's model folder.
        #[arg(long, env = "BANDMATE_ACCOMP_MODEL", default_value = "models/accomp")]
        accomp_model: PathBuf,
    },
    /// Evaluate the groove model and the rule-based drum machine on GMD windows (the paper's
    /// Tables 1 and 2, score and onset fidelity, and the music beside the real performances).
    Eval {
        #[arg(long, default_value = "models/groove", env = "BANDMATE_MODEL")]
        model: PathBuf,
        /// The dataset export (bandmate dataset).
        #[arg(long, default_value = "data/gmd")]
        data: PathBuf,
        /// test, validation or train: choose settings on validation, keep test for the final
        /// table.
        #[arg(long, default_value = "test", value_parser = ["test", "validation", "train"])]
        split: String,
        /// Only the first N windows.
        #[arg(long)]
        limit: Option<usize>,
        /// Write the table into this model card (between its eval markers).
        #[arg(long)]
        card: Option<PathBuf>,
        /// Write each window's Humanize swing beside the real performance's to this CSV (row,
        /// performance, real_swing, humanize_swing; the model's), for a look at where they part
        /// (models/train/split_spread.py reads it).
        #[arg(long)]
        per_window: Option<PathBuf>,
    },
    /// Prepare a generated audio fragment for the fragment bank: resample, trim silences, find
    /// its tempo, fit it to the set's tempo grid, match its loudness (what `import` does in
    /// bandmate.frag~ and bandmated).
    Fragment {
        input: PathBuf,
        output: PathBuf,
        /// The set's tempo (with --quantize).
        #[arg(long, default_value_t = 120.0)]
        tempo: f64,
        /// off, stretch (the whole fragment to the tempo) or warp (every beat onto the grid).
        #[arg(long, default_value = "off")]
        quantize: String,
        /// Sample rate of the output (default: the input's).
        #[arg(long)]
        rate: Option<u32>,
        /// Do not remove silences.
        #[arg(long)]
        no_trim: bool,
        /// Silence threshold, dBFS.
        #[arg(long, default_value_t = -50.0)]
        threshold: f32,
        /// Shortest inner silence removed, ms.
        #[arg(long, default_value_t = 1000.0)]
        gap: f64,
        /// Target loudness in LUFS (default: leave the level).
        #[arg(long, allow_hyphen_values = true)]
        normalize: Option<f64>,
        /// Stretch the result, keeping the pitch: 2 = half-time, 4 = quarter-time.
        #[arg(long)]
        stretch: Option<f64>,
    },
    /// Make an audio fragment from a prompt with a text-to-audio model folder (Stable Audio Open
    /// Small exported by scripts/export-sao; docs/text-to-audio.md): what 'model', 'prompt' and
    /// 'generate' do in bandmate.frag~, written as a WAV.
    Prompt {
        /// The words, as you would prompt Stable Audio.
        #[arg(required = true)]
        words: Vec<String>,
        /// The model folder.
        #[arg(long)]
        model: PathBuf,
        /// The WAV file to write.
        #[arg(long)]
        out: PathBuf,
        /// How long, in seconds (within the model's window).
        #[arg(long, default_value_t = 4.0)]
        seconds: f64,
        /// Sampler steps (default: the model's own).
        #[arg(long)]
        steps: Option<usize>,
        /// Classifier-free guidance (default: the model's own; 1 = none).
        #[arg(long)]
        cfg: Option<f64>,
        /// Which take: the same prompt and seed give the same fragment.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The transformer's INT8 weights (where the export made them).
        #[arg(long)]
        int8: bool,
        /// Threads (default: all the cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Build (or bring up to date) the looper's corpus of a folder of MIDI loops and say what
    /// is in it (bandmate.looper's 'corpus FOLDER' does the same).
    Corpus {
        folder: PathBuf,
        /// auto (the groove model's encoder for drum corpora), handcrafted, or a model folder.
        #[arg(long, default_value = "auto")]
        embedder: String,
    },
    /// Make a demo loop from a built-in groove: swing, accents, MIDI, pattern and WAV.
    Demo {
        /// Output folder.
        #[arg(long, default_value = "out/demo")]
        out: PathBuf,
        /// Built-in groove: funk, rock or hiphop.
        #[arg(long, default_value = "funk")]
        preset: String,
        /// Swing percent (50 = straight).
        #[arg(long, default_value_t = 58.0)]
        swing: f32,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum TailArg {
    Wrap,
    Cut,
    Ring,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Float32,
    Int16,
    Int24,
}

/// Print a line to stdout. If stdout is gone (`bandmate inspect x | head -1`), stop quietly:
/// every file was already written atomically before anything is printed about it.
macro_rules! say {
    ($($arg:tt)*) => { emit(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Print without a newline (for text that carries its own), same rules as [`say!`].
fn emit(args: std::fmt::Arguments) {
    use std::io::Write;
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("bandmate: error: stdout: {e}");
            std::process::exit(1);
        }
        std::process::exit(0);
    }
}

/// `bandmate infill`: read the clip, choose the gaps, fill them, write the clip with the new
/// notes (the input is only read; the output is written atomically).
fn infill(
    input: &Path,
    output: &Path,
    bars: Option<&str>,
    voices: &[String],
    temperature: f32,
    seed: u64,
    model: &Path,
) -> Result<()> {
    if !midi::is_midi_name(output) {
        return Err(Error::invalid(format!(
            "{}: the output is a MIDI file (.mid)",
            output.display()
        )));
    }
    let file = MidiFile::read(input)?;
    let clip = compose::Clip::from_midi(&file).map_err(|e| e.at(input))?;
    let bars = bars.map(compose::parse_bars).transpose()?;
    let voices = voices
        .iter()
        .map(|v| Voice::parse(v))
        .collect::<Result<Vec<_>>>()?;
    let gaps = compose::Gaps::choose(&clip, bars, (!voices.is_empty()).then_some(&voices[..]))?;
    let mut drummer = GrooveModel::load(model)?;
    let added = compose::infill(&mut drummer, &clip, &gaps, temperature, seed)?;
    let bpm = (file.initial_bpm() * 1000.0).round() / 1000.0;
    clip.write(output, &added, file.initial_bpm())?;
    let filled: Vec<String> = gaps.bars().iter().map(|b| (b + 1).to_string()).collect();
    say!(
        "{}: {} notes of {} kept, {} added in bars {} ({} bars, {bpm} BPM, seed {seed}, \
         temperature {temperature})",
        output.display(),
        clip.notes().len(),
        input.display(),
        added.len(),
        filled.join(", "),
        clip.bars()
    );
    Ok(())
}

/// `bandmate infill --part`: the empty bars of one part of a song (parts on channels 1-3),
/// filled by the accompanist over the chord track; every note of the song kept.
fn infill_part(
    input: &Path,
    output: &Path,
    part: &str,
    bars: Option<&str>,
    (chords, beats_per_chord): (Option<&str>, u32),
    (temperature, tries, seed): (f32, usize, u64),
    model: &Path,
) -> Result<()> {
    use bandmate_core::accomp::infill::{self as part_infill, PartGap, BAR_TICKS};
    use bandmate_core::accomp::live::chord_track;
    use bandmate_core::accomp::tokens::ROLES;
    use bandmate_core::accomp::{AccompModel, Chord};
    let role =
        ROLES.iter().position(|r| *r == part).ok_or_else(|| {
            Error::invalid(format!("--part: no part {part:?} (bass, inner, melody)"))
        })? as u8;
    let symbols = chords
        .unwrap_or("")
        .split_whitespace()
        .map(Chord::parse)
        .collect::<Result<Vec<_>>>()?;
    if symbols.is_empty() {
        return Err(Error::invalid(
            "--part needs the chord track: --chords \"C:maj7 A:min7 D:min7 G:7\"",
        ));
    }
    if !(1..=16).contains(&beats_per_chord) || !(1..=64).contains(&tries) {
        return Err(Error::invalid("--beats-per-chord is 1..16, --tries 1..64"));
    }
    if !midi::is_midi_name(output) {
        return Err(Error::invalid(format!(
            "{}: the output is a MIDI file (.mid)",
            output.display()
        )));
    }
    let file = MidiFile::read(input)?;
    let song = part_infill::Song::from_midi(&file).map_err(|e| e.at(input))?;
    let (first, last) = match bars.map(compose::parse_bars).transpose()? {
        Some(b) => b,
        None => song.empty_bars(role).ok_or_else(|| {
            Error::invalid(format!(
                "the {part} has no empty bars between its notes (name the bars with --bars)"
            ))
        })?,
    };
    if last > song.bars() {
        return Err(Error::invalid(format!(
            "bars {first}-{last} are not a range inside the song (bars 1-{})",
            song.bars()
        )));
    }
    if song.sounds(role, first - 1, last) {
        return Err(Error::invalid(format!(
            "the {part} plays in bars {first}-{last}: infill fills bars where a part is silent"
        )));
    }
    let total_beats = song.bars() as u32 * 4 + 4;
    let mut events = song.events();
    events.extend(chord_track(&symbols, beats_per_chord, total_beats));
    let gap = PartGap {
        role,
        from: (first as i64 - 1) * BAR_TICKS,
        to: last as i64 * BAR_TICKS,
    };
    let (added, _) = part_infill::infill_part(
        AccompModel::load(model)?,
        &events,
        gap,
        temperature,
        bandmate_core::objects::accomp::DEFAULT_HARMONY as f32,
        tries,
        seed,
    );
    let added = added?;
    let bytes = song.to_smf(&added, file.initial_bpm())?;
    bandmate_core::fsutil::write_atomic(output, &bytes)?;
    say!(
        "{}: {} notes of {} kept, {} {part} notes added in bars {first}-{last} (seed {seed}, \
         best of {tries} draws)",
        output.display(),
        song.notes(),
        input.display(),
        added.len(),
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bandmate: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// A loop from a MIDI or pattern file, with its tempo (or `bpm` if given).
fn load(path: &Path, bpm: Option<f64>) -> Result<(Pattern, f64)> {
    let (pattern, file_bpm) = if is_json(path) {
        patfile::read_pattern_file(path)?
    } else {
        let imp = midi::read_pattern(path)?;
        (imp.pattern, imp.bpm)
    };
    let bpm = bpm.unwrap_or(file_bpm);
    check_bpm(bpm)?;
    Ok((pattern, bpm))
}

fn save(path: &Path, pattern: &Pattern, bpm: f64) -> Result<()> {
    if is_json(path) {
        patfile::write_pattern_file(path, pattern, bpm)
    } else {
        midi::write_pattern(path, pattern, midi::Export::at(bpm))
    }
}

fn parse_channel(s: &str) -> Result<ChannelSelect> {
    match s {
        "auto" => Ok(ChannelSelect::Auto),
        "all" => Ok(ChannelSelect::All),
        n => match n.parse::<u8>() {
            Ok(c @ 1..=16) => Ok(ChannelSelect::Only(c - 1)),
            _ => Err(Error::invalid(format!(
                "channel '{s}' is not auto, all or 1..16"
            ))),
        },
    }
}

/// `bandmate data DIR ACTION`.
fn data(dir: &Path, action: DataAction) -> Result<()> {
    use bandmate_core::sculpt::Dataset;
    let mut d = Dataset::open(dir)?;
    let show = |d: &Dataset,
                items: &[(usize, bandmate_core::sculpt::Item)],
                training: usize,
                labels: &std::collections::BTreeMap<String, usize>| {
        for (k, i) in items {
            let mut flags = Vec::new();
            if i.excluded {
                flags.push("excluded");
            }
            if i.missing {
                flags.push("missing");
            }
            println!(
                "{:>4}  {}  [{}]{}",
                k,
                i.file,
                i.labels.join(" "),
                if flags.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", flags.join(", "))
                }
            );
        }
        let counts: Vec<String> = labels.iter().map(|(l, n)| format!("{l} {n}")).collect();
        println!(
            "{} items, {} for training; labels: {}",
            d.items().len(),
            training,
            if counts.is_empty() {
                "none".to_string()
            } else {
                counts.join(", ")
            }
        );
    };
    use bandmate_core::sculpt::{Action, Answer};
    let action = match action {
        DataAction::List { label } => {
            Action::parse("list", &label.into_iter().collect::<Vec<_>>())?
        }
        DataAction::Scan => Action::Scan,
        DataAction::Label { label, items } => {
            Action::parse("label", &[vec![label], items].concat())?
        }
        DataAction::Unlabel { label, items } => {
            Action::parse("unlabel", &[vec![label], items].concat())?
        }
        DataAction::Exclude { items } => Action::Exclude(items),
        DataAction::Include { items } => Action::Include(items),
        DataAction::Undo => Action::Undo,
        DataAction::History => Action::History,
    };
    match d.apply(&action)? {
        Answer::Listed {
            items,
            training,
            labels,
        } => show(&d, &items, training, &labels),
        Answer::Scanned(added, gone, back) => {
            println!("{added} added, {gone} missing, {back} back")
        }
        Answer::Labelled(n, label) => println!("labelled {n} item(s) {label}"),
        Answer::Unlabelled(n, label) => println!("took {label} off {n} item(s)"),
        Answer::Excluded(n) => println!("excluded {n} item(s)"),
        Answer::Included(n) => println!("included {n} item(s)"),
        Answer::Undid(e) => println!("undid: {} ({} item(s))", e.action, e.files.len()),
        Answer::History(entries) => {
            for (k, e) in entries.iter().enumerate() {
                println!(
                    "{:>4}  {}  {}  {}",
                    k + 1,
                    e.time,
                    e.action,
                    e.files.join(" ")
                );
            }
        }
    }
    Ok(())
}

fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Data { dir, action } => data(&dir, action),
        Command::Train {
            dir,
            name,
            label,
            model,
            library,
            epochs,
            batch,
            lr,
            seed,
            hold_out,
            held_out_dir,
            freeze_encoder,
            threads,
            anchor,
        } => {
            // candle reads its thread count from this variable at each product; nothing else
            // runs yet, so setting it here is safe
            std::env::set_var("RAYON_NUM_THREADS", threads.max(1).to_string());
            let g = bandmate_tune::Options::default();
            let opts = bandmate_tune::Options {
                epochs: epochs.unwrap_or(g.epochs),
                batch: batch.unwrap_or(g.batch),
                learning_rate: lr.unwrap_or(g.learning_rate),
                seed,
                freeze_encoder,
                anchor: anchor.unwrap_or(g.anchor),
            };
            let a = bandmate_tune::accomp::AccompOptions::default();
            let accomp = bandmate_tune::accomp::AccompOptions {
                epochs: epochs.unwrap_or(a.epochs),
                batch: batch.unwrap_or(a.batch),
                learning_rate: lr.unwrap_or(a.learning_rate),
                seed,
                anchor: anchor.unwrap_or(a.anchor),
            };
            let held = match &held_out_dir {
                Some(h) => train::Held::Folder(h),
                None => train::Held::Every(hold_out),
            };
            train::train(
                &dir,
                name,
                label.as_deref(),
                &model,
                &library,
                (&opts, &accomp),
                held,
            )
        }
        Command::Models { library } => train::models(&library),
        Command::Map {
            dir,
            out,
            model,
            method,
        } => {
            let how = bandmate_core::sculpt::Projector::parse(&method)?;
            if !out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("png"))
            {
                return Err(bandmate_core::Error::invalid(format!(
                    "{}: the map is a PNG picture (end the name in .png)",
                    out.display()
                )));
            }
            let mut set = bandmate_core::sculpt::Dataset::open(&dir)?;
            set.scan()?;
            let model_dir = model
                .or_else(|| bandmate_core::objects::bundled_model(None, "groove"))
                .unwrap_or_else(|| PathBuf::from("models/groove"));
            bandmate_core::model::init_runtime(None)?;
            let mut m = bandmate_core::model::GrooveModel::load(&model_dir)?;
            let bandmate_core::sculpt::Map {
                points,
                shares,
                skipped,
            } = set.map(&mut m, how)?;
            for s in &skipped {
                eprintln!("bandmate: left off the map: {s}");
            }
            for p in &points {
                println!(
                    "{:8.3} {:8.3}  {}  [{}]{}",
                    p.x,
                    p.y,
                    p.file,
                    p.labels.join(" "),
                    if p.excluded { "  (excluded)" } else { "" }
                );
            }
            let title = dir
                .file_name()
                .map_or_else(|| "dataset".into(), |n| n.to_string_lossy().into_owned());
            map::draw(&points, how, shares, &title, &out)?;
            match how {
                bandmate_core::sculpt::Projector::Pca => println!(
                    "{} loops on the map ({:.0}% and {:.0}% of the spread); wrote {}",
                    points.len(),
                    shares[0] * 100.0,
                    shares[1] * 100.0,
                    out.display()
                ),
                bandmate_core::sculpt::Projector::Tsne => println!(
                    "{} loops on the map (t-SNE); wrote {}",
                    points.len(),
                    out.display()
                ),
            }
            Ok(())
        }
        Command::Inspect { file, channel } => inspect(&file, parse_channel(&channel)?),
        Command::Convert { input, output, bpm } => {
            let (p, bpm) = load(&input, bpm)?;
            save(&output, &p, bpm)?;
            say!(
                "wrote {} ({} steps, {} hits, {bpm} BPM)",
                output.display(),
                p.steps(),
                p.hit_count()
            );
            Ok(())
        }
        Command::Apply {
            input,
            output,
            swing,
            swing_offset,
            swing8,
            accents,
            accent_depth,
            bpm,
        } => {
            let (mut p, bpm) = load(&input, bpm)?;
            let offset = match (swing, swing_offset) {
                (Some(pct), _) => Some(swing_offset_from_percent(pct)?),
                (None, o) => o,
            };
            if offset.is_none() && swing8.is_none() && accents.is_none() {
                return Err(Error::invalid(
                    "nothing to apply: give --swing, --swing-offset, --swing8 or --accents",
                ));
            }
            if let Some(o) = offset {
                p = p.with_swing(o)?;
            }
            if let Some(pct) = swing8 {
                p.set_feel(feel_from_percent(pct)?)?;
            }
            if let Some(a) = &accents {
                p = p.with_accents(&Accent::parse(a)?, accent_depth)?;
            }
            save(&output, &p, bpm)?;
            say!("wrote {}", output.display());
            emit(format_args!("{}", patfile::grid(&p)));
            Ok(())
        }
        Command::Render {
            input,
            output,
            rate,
            kit,
            bpm,
            tail,
            format,
        } => {
            let (p, bpm) = load(&input, bpm)?;
            let kit = load_kit(kit.as_deref(), rate)?;
            let tail = match tail {
                TailArg::Wrap => Tail::Wrap,
                TailArg::Cut => Tail::Cut,
                TailArg::Ring => Tail::Ring,
            };
            let audio = render::render(&p, bpm, &kit, tail)?;
            let format = match format {
                FormatArg::Float32 => WavFormat::Float32,
                FormatArg::Int16 => WavFormat::Int16,
                FormatArg::Int24 => WavFormat::Int24,
            };
            write_wav(&output, &audio, format)?;
            say!(
                "wrote {} ({:.3} s, {} Hz stereo, {} bars at {bpm} BPM)",
                output.display(),
                audio.duration_secs(),
                rate,
                p.bars()
            );
            Ok(())
        }
        Command::AccompDataset { events, out } => {
            let r = bandmate_core::accomp::data::export(&events, &out)?;
            say!("split       works  sequences    tokens");
            for (k, s) in bandmate_core::accomp::data::SPLITS.iter().enumerate() {
                say!(
                    "{:<10} {:>6} {:>10} {:>9}",
                    s,
                    r.works[k],
                    r.sequences[k],
                    r.tokens[k]
                );
            }
            say!("wrote {}", out.display());
            Ok(())
        }
        Command::Accomp(a) => accomp(a),
        Command::AccompRehearse {
            minutes,
            bpm,
            delta2,
            margin,
            seed,
            temperature,
            harmony,
            alone,
            model,
        } => {
            use bandmate_core::accomp::rehearse::{rehearse, Plan};
            let [lo, hi] = bpm[..] else {
                return Err(Error::invalid("--bpm is SLOWEST,FASTEST (e.g. 60,200)"));
            };
            if !(lo >= 20.0 && hi <= 400.0 && lo <= hi) {
                return Err(Error::invalid("--bpm: 20 <= SLOWEST <= FASTEST <= 400"));
            }
            if !(minutes > 0.0 && minutes <= 600.0 && (0.0..=1000.0).contains(&margin)) {
                return Err(Error::invalid("--minutes is 0..600, --margin 0..1000"));
            }
            let plan = Plan {
                minutes,
                bpm: (lo, hi),
                tempo_every_bars: 32,
                chords_every_bars: 16,
                delta2,
                margin_ms: margin,
                seed,
                temperature,
                harmony,
                listen: !alone,
            };
            let r = rehearse(&model, &plan)?;
            emit(format_args!("{}", r.table(&plan)));
            for e in r.errors.iter().take(5) {
                eprintln!("bandmate: {e}");
            }
            for (note, ch, at) in &r.stuck_notes {
                eprintln!(
                    "bandmate: note {note} on channel {} from {at:.1} ms was never released",
                    ch + 1
                );
            }
            if r.late > 0 || r.stuck > 0 || r.said_late > 0 || !r.errors.is_empty() {
                return Err(Error::invalid(format!(
                    "accomp-rehearse: {} chunks late, {} played safe, {} notes stuck, {} errors",
                    r.late,
                    r.said_late,
                    r.stuck,
                    r.errors.len()
                )));
            }
            Ok(())
        }
        Command::AccompEval {
            events,
            split,
            beats,
            delta2,
            temperature,
            harmony,
            model,
            beat_chords,
            looped,
            infill,
        } => {
            use bandmate_core::accomp::{data, eval, tokens::TICKS_PER_BEAT};
            if !(1..=4096).contains(&beats) {
                return Err(Error::invalid("--beats is 1..4096"));
            }
            let works = data::read_works(&events, &split)?;
            let d2 = (delta2 * TICKS_PER_BEAT as f32).round() as u32;
            let settings = eval::Settings {
                beats,
                delta2: d2,
                temperature,
                harmony,
                beat_chords,
                looped,
            };
            let r = eval::evaluate(&model, &works, settings)?;
            emit(format_args!("{}", eval::table(&r, &settings)));
            if infill > 0 {
                use bandmate_core::accomp::{infill as part_infill, AccompModel};
                let train = data::read_works(&events, "train")?;
                let (seams, _) = part_infill::seam_check(
                    AccompModel::load(&model)?,
                    &works,
                    &train,
                    temperature,
                    harmony,
                    infill,
                )?;
                emit(format_args!(
                    "\n{}",
                    part_infill::seam_table(&seams, &split, infill)
                ));
            }
            Ok(())
        }
        Command::ListenEval {
            model,
            data,
            events,
            split,
            limit,
            temperature,
        } => {
            use bandmate_core::listening;
            let mut drummer = GrooveModel::load(&model)?;
            for phrases in [
                listening::gmd_phrases(&data, &split, limit)?,
                listening::melody_phrases(&events, &split, limit)?,
            ] {
                let rows = listening::evaluate(&mut drummer, &phrases, temperature)?;
                emit(format_args!("{}", listening::table(&phrases, &rows)));
            }
            Ok(())
        }
        Command::Dataset { gmd: root, out } => {
            std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, &e))?;
            let t = std::time::Instant::now();
            let r = gmd::export(&root, &out)?;
            say!("split       files  windows  empty (left out)  other meters (left out)");
            for s in gmd::Split::ALL {
                let x = r.split(s);
                say!(
                    "{:<10} {:>6} {:>8} {:>17} {:>24}",
                    s.name(),
                    x.files,
                    x.windows,
                    x.empty_windows,
                    x.other_meters
                );
            }
            for (f, e) in &r.failed {
                eprintln!("bandmate: skipped {f}: {e}");
            }
            say!(
                "wrote {} in {:.2} s",
                out.display(),
                t.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Demo { out, preset, swing } => demo(&out, &preset, swing),
        Command::Fragment {
            input,
            output,
            tempo,
            quantize,
            rate,
            no_trim,
            threshold,
            gap,
            normalize,
            stretch,
        } => {
            use bandmate_core::audio;
            use bandmate_core::objects::frag::ImportSettings;
            check_bpm(tempo)?;
            let settings = ImportSettings {
                tempo,
                quantize: ImportSettings::mode(&quantize)
                    .map_err(|e| Error::invalid(format!("--{e}")))?,
                trim: !no_trim,
                threshold_db: threshold,
                gap_ms: gap,
                normalize_lufs: normalize.unwrap_or(0.0),
            };
            let p = settings.prepare(rate);
            let input_audio = bandmate_core::wav::read_wav(&input)?;
            let (mut out, report) = audio::prepare(&input_audio, &p)?;
            if let Some(f) = stretch {
                out = audio::stretch(&out, f)?;
            }
            write_wav(&output, &out, WavFormat::Float32)?;
            say!("{}: {}", output.display(), report.summary());
            if let Some(f) = stretch {
                say!("stretched x{f} (pitch kept): {:.2} s", out.duration_secs());
            }
            Ok(())
        }
        Command::Prompt {
            words,
            model,
            out,
            seconds,
            steps,
            cfg,
            seed,
            int8,
            threads,
        } => {
            use bandmate_core::t2a::{Request, TextToAudio};
            let threads = threads.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            });
            let t = std::time::Instant::now();
            let mut m = TextToAudio::load(&model, None, int8, threads)?;
            let loaded = t.elapsed().as_secs_f64();
            let r = Request {
                prompt: words.join(" "),
                seconds,
                steps,
                cfg,
                seed,
            };
            let t = std::time::Instant::now();
            let audio = m.generate(&r, &mut |done, of| {
                eprint!("\rstep {done}/{of}");
                true
            })?;
            eprintln!();
            let took = t.elapsed().as_secs_f64();
            write_wav(&out, &audio, WavFormat::Float32)?;
            say!(
                "{}: {:.2} s from '{}' ({}, seed {seed}; loaded in {loaded:.1} s, made in {took:.1} s)",
                out.display(),
                audio.duration_secs(),
                r.prompt,
                m.info().name
            );
            Ok(())
        }
        Command::Corpus { folder, embedder } => {
            use bandmate_core::looper::{BuildOptions, Corpus, EmbedderChoice};
            let embedder = match embedder.as_str() {
                "auto" => EmbedderChoice::Auto,
                "handcrafted" => EmbedderChoice::Handcrafted,
                dir => EmbedderChoice::Groove(PathBuf::from(dir)),
            };
            let opts = BuildOptions {
                embedder,
                ..BuildOptions::default()
            };
            let (corpus, report) = Corpus::open(&folder, &opts)?;
            say!(
                "{}: {} segments from {} files ({} unchanged), {} embedding, {:.2} s",
                folder.display(),
                corpus.len(),
                report.files,
                report.reused_files,
                corpus.embedder_name(),
                report.seconds
            );
            for (file, why) in &report.skipped {
                say!("skipped {file}: {why}");
            }
            for m in &report.messages {
                say!("{m}");
            }
            say!("labels: {}", corpus.labels().join(" "));
            Ok(())
        }
        Command::Groove {
            output,
            score,
            voices,
            without,
            tap,
            swing,
            swing8,
            accents,
            temperature,
            style,
            seed,
            model,
            rules,
            bpm,
        } => {
            let mut req = Request::new();
            req.set_temperature(temperature)?;
            req.set_style(style.as_deref())?;
            req.set_seed(seed);
            if let Some(pct) = swing8 {
                req.set_feel(feel_from_percent(pct)?)?;
            }
            let mut out_bpm = bpm;
            if let Some(path) = &score {
                let (p, file_bpm) = load(path, bpm)?;
                out_bpm = out_bpm.or(Some(file_bpm));
                let p = first_loop(&p);
                let sc = p.score();
                for v in Voice::ALL {
                    if voices.is_empty() || voices.iter().any(|n| Voice::parse(n).ok() == Some(v)) {
                        let row: Vec<f32> = sc.row(v).iter().map(|&b| b as u8 as f32).collect();
                        req.set_score_row(v.name(), &row)?;
                    }
                }
                for n in &voices {
                    Voice::parse(n)?;
                }
            }
            for n in &without {
                req.set_score_row(n, &[0.0; groove::STEPS])?;
            }
            let swing_offset = swing.map(swing_offset_from_percent).transpose()?;
            if let Some(path) = &tap {
                let (p, _) = load(path, bpm)?;
                let mut g = first_loop(&p).groove();
                if let Some(o) = swing_offset {
                    g = g.with_swing(o)?;
                }
                req.set_groove(Some(g))?;
            } else if let Some(o) = swing_offset {
                // the Swing gesture: a tap on every 16th, every other one late
                req.set_groove(Some(Groove::swing(groove::STEPS, o, 0.7)?))?;
            }
            if let Some(a) = &accents {
                req.set_accent(Some(Accent::parse(a)?.tiled(groove::STEPS)?))?;
            }
            let mut drummer: Box<dyn Drummer> = if rules {
                Box::new(RuleDrummer::new())
            } else {
                Box::new(GrooveModel::load(&model)?)
            };
            let g = drummer.generate(&req)?;
            let bpm = out_bpm.unwrap_or(100.0);
            check_bpm(bpm)?;
            if output
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
            {
                let kit = Kit::synth(48_000);
                let audio = render::render(&g.pattern, bpm, &kit, Tail::Wrap)?;
                write_wav(&output, &audio, WavFormat::Float32)?;
            } else {
                save(&output, &g.pattern, bpm)?;
            }
            say!(
                "{}: {} by {} (seed {seed}, temperature {temperature}), {} hits at {bpm} BPM",
                output.display(),
                g.task.name(),
                drummer.name(),
                g.pattern.hit_count()
            );
            say!("{}", patfile::grid(&g.pattern));
            say!(
                "the {}'s reading of the accents: {}",
                drummer.name(),
                g.reading.accent_view()
            );
            Ok(())
        }
        Command::Infill {
            input,
            output,
            bars,
            voices: _,
            temperature,
            seed,
            model: _,
            part: Some(part),
            chords,
            beats_per_chord,
            tries,
            accomp_model,
        } => infill_part(
            &input,
            &output,
            &part,
            bars.as_deref(),
            (chords.as_deref(), beats_per_chord),
            (temperature, tries, seed),
            &accomp_model,
        ),
        Command::Infill {
            input,
            output,
            bars,
            voices,
            temperature,
            seed,
            model,
            part: None,
            ..
        } => infill(
            &input,
            &output,
            bars.as_deref(),
            &voices,
            temperature,
            seed,
            &model,
        ),
        Command::Eval {
            model,
            data,
            split,
            limit,
            card,
            per_window,
        } => {
            let windows = eval::Windows::read(&data, &split, limit)?;
            let mut drummers: Vec<Box<dyn Drummer>> = vec![
                Box::new(GrooveModel::load(&model)?),
                Box::new(RuleDrummer::new()),
            ];
            // the style classifier learns from the train split's real windows
            let train = eval::Windows::read(&data, "train", None)?;
            let train_styles = eval::read_styles(&data, "train", train.count)?;
            let classifier = eval::StyleClassifier::train(&train, &train_styles);
            let mut reports = Vec::new();
            let mut model_styles = None;
            for d in drummers.iter_mut() {
                eprintln!("eval: {} on {} {split} windows", d.name(), windows.count);
                let mut r = eval::evaluate(d.as_mut(), &windows, |_| {})?;
                let style = eval::style_check(d.as_mut(), &classifier)?;
                r.style_accuracy = style.as_ref().map(|s| s.accuracy);
                r.style_variety = style.as_ref().and_then(|s| s.variety);
                if reports.is_empty() {
                    model_styles = style;
                }
                eprintln!(
                    "eval: {}: {} generations in {:.1} s",
                    r.drummer, r.generations, r.seconds
                );
                reports.push(r);
            }
            let mut real = eval::reference(&windows);
            let styles = eval::read_styles(&data, &split, windows.count)?;
            real.style_accuracy = classifier.accuracy_on(&windows, &styles);
            // the drummers the styles were learned from, one window per performance
            real.style_variety = eval::style_variety(
                &train,
                &train_styles,
                &eval::read_performances(&data, "train", train.count)?,
            );
            let mut table = eval::table(&reports, &real);
            if let Some(check) = &model_styles {
                table.push('\n');
                table.push_str(&eval::style_table(
                    check,
                    &eval::style_shapes(&train, &train_styles),
                    "train",
                ));
            }
            let ids = eval::read_performances(&data, &split, windows.count)?;
            if let Some(path) = &per_window {
                let csv = eval::per_window_csv(&reports[0].per_window, &ids)?;
                bandmate_core::fsutil::write_atomic(path, csv.as_bytes())?;
                eprintln!("eval: wrote each window's swing to {}", path.display());
            }
            // compose mode: infill of 100 clips' middle bars, against the bars around them
            let starts = eval::read_start_bars(&data, &split, windows.count)?;
            let clips = compose::clips_of(&windows, &ids, &starts, 100)?;
            // (the model evaluated above)
            let drummer = drummers[0]
                .as_model()
                .expect("the first drummer is the model");
            eprintln!("eval: infill of {} clips", clips.len());
            let seams = compose::seam_check(drummer, &clips, &train, 1)?;
            table.push('\n');
            table.push_str(&compose::seam_table(&seams, &split));
            let fills = eval::read_fills(&data, &split, windows.count)?;
            let train_fills = eval::read_fills(&data, "train", train.count)?;
            let classifier = compose::FillClassifier::train(&train, &train_fills)?;
            let check = compose::fill_check(
                drummer,
                &classifier,
                &windows,
                &fills,
                compose::FILL_CHECK_LOOPS,
            )?;
            table.push('\n');
            table.push_str(&compose::fill_table(&check, &split));
            say!("{table}");
            if let Some(card) = card {
                eval::write_into_card(&card, &table, &split)?;
                say!("wrote the table into {}", card.display());
            }
            Ok(())
        }
    }
}

/// The first two bars of a loop (padded with silence if shorter).
fn first_loop(p: &Pattern) -> Pattern {
    let mut out = Pattern::empty_loop();
    for (s, v, h) in p.hits().filter(|h| h.0 < groove::STEPS) {
        out.set(s, v, Some(h)).expect("step < 32");
    }
    out
}

fn load_kit(dir: Option<&Path>, rate: u32) -> Result<Kit> {
    match dir {
        None => Ok(Kit::synth(rate)),
        Some(d) => {
            let (kit, report) = Kit::from_folder(d, rate)?;
            for (v, f) in &report.mapped {
                eprintln!("kit: {v:<10} <- {}", f.display());
            }
            if !report.fallback.is_empty() {
                let names: Vec<&str> = report.fallback.iter().map(|v| v.name()).collect();
                eprintln!("kit: built-in sound for {}", names.join(", "));
            }
            for f in &report.ignored {
                eprintln!("kit: ignored {}", f.display());
            }
            Ok(kit)
        }
    }
}

fn inspect(path: &Path, channel: ChannelSelect) -> Result<()> {
    let (pattern, bpm) = if is_json(path) {
        let (p, bpm) = patfile::read_pattern_file(path)?;
        say!(
            "{}: bandmate pattern, {} steps, {bpm} BPM",
            path.display(),
            p.steps()
        );
        (p, bpm)
    } else {
        let f = MidiFile::read(path)?;
        let timing = match f.ppq {
            Some(p) => format!("{p} ticks per quarter"),
            None => "SMPTE timecode (read as 120 BPM)".into(),
        };
        say!(
            "{}: MIDI format {}, {} track(s), {timing}",
            path.display(),
            f.format,
            f.tracks
        );
        let tempos = f
            .tempos
            .iter()
            .map(|t| format!("{:.2} BPM at beat {:.2}", t.bpm, t.beat));
        say!("tempo: {}", list_or(tempos, "none (120 BPM)"));
        let sigs = f
            .time_signatures
            .iter()
            .map(|s| format!("{}/{} at beat {:.2}", s.numerator, s.denominator, s.beat));
        say!("meter: {}", list_or(sigs, "none (4/4)"));
        say!(
            "length: {:.2} beats, {:.2} s, {} notes",
            f.end_beat,
            f.end_seconds,
            f.notes.len()
        );
        let imp = f.to_pattern(channel).map_err(|e| e.at(path))?;
        if !imp.unmapped.is_empty() {
            let un: Vec<String> = imp
                .unmapped
                .iter()
                .map(|(k, n)| format!("{k} x{n}"))
                .collect();
            say!("notes with no drum voice (left out): {}", un.join(", "));
        }
        if imp.merged > 0 {
            say!(
                "notes merged into a louder hit on the same step: {}",
                imp.merged
            );
        }
        (imp.pattern, imp.bpm)
    };
    let mut counts = Vec::new();
    for v in Voice::ALL {
        let n = (0..pattern.steps())
            .filter(|&s| pattern.get(s, v).is_some())
            .count();
        if n > 0 {
            counts.push(format!("{v} {n}"));
        }
    }
    say!(
        "{} bars at {bpm:.2} BPM; hits: {}",
        pattern.bars(),
        counts.join(", ")
    );
    let show = pattern.window(0, pattern.steps().min(64))?;
    if pattern.steps() > 64 {
        say!("first 4 bars (X accent, x hit, < early, > late):");
    } else {
        say!("grid (X accent, x hit, < early, > late):");
    }
    emit(format_args!("{}", patfile::grid(&show)));
    Ok(())
}

/// Items joined by commas, or `none` if there are none.
fn list_or(items: impl Iterator<Item = String>, none: &str) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        none.to_string()
    } else {
        items.join(", ")
    }
}

fn demo(out: &Path, preset: &str, swing: f32) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, &e))?;
    let (p, bpm) = patfile::preset(preset)?;
    let p = p.with_swing(swing_offset_from_percent(swing)?)?;
    let mid = out.join("demo.mid");
    let json = out.join("demo.json");
    let wav = out.join("demo.wav");
    midi::write_pattern(&mid, &p, midi::Export::at(bpm))?;
    patfile::write_pattern_file(&json, &p, bpm)?;
    let audio = render::render(&p, bpm, &Kit::synth(48_000), Tail::Wrap)?;
    write_wav(&wav, &audio, WavFormat::Float32)?;
    say!("bandmate demo: '{preset}' at {bpm} BPM, swing {swing}%");
    emit(format_args!("{}", patfile::grid(&p)));
    say!(
        "wrote {}\n      {}\n      {}",
        mid.display(),
        json.display(),
        wav.display()
    );
    say!("Loop demo.wav in your sampler, or drop demo.mid on a drum track.");
    Ok(())
}

#[derive(clap::Args)]
struct AccompArgs {
    /// Where to write the MIDI file.
    output: PathBuf,
    /// The chord track, e.g. "C:maj7 A:min7 D:min7 G:7" (ROOT:QUALITY, repeated).
    #[arg(long)]
    chords: String,
    /// Beats each chord lasts.
    #[arg(long, default_value_t = 4)]
    beats_per_chord: u32,
    /// Bars of 4/4 to play.
    #[arg(long, default_value_t = 8)]
    bars: u32,
    /// The performer's notes (every note of this MIDI file, in its beats).
    #[arg(long)]
    melody: Option<PathBuf>,
    /// The parts to play, of bass, inner, melody (melody only without a performer).
    #[arg(long, value_delimiter = ',', default_value = "bass,inner,melody")]
    parts: Vec<String>,
    /// How far ahead it generates, and how late it hears the performer: 0.5, 1, 2 or 4 beats.
    #[arg(long, default_value_t = 1.0)]
    delta2: f32,
    /// Sampling temperature (bandmate.accomp's default, chosen on validation).
    #[arg(long, default_value_t = bandmate_core::objects::accomp::DEFAULT_TEMPERATURE as f32)]
    temperature: f32,
    /// How strongly the parts are pulled to the chord sounding, 0..1 (0: the model as
    /// trained; bandmate.accomp's default, chosen on validation).
    #[arg(long, default_value_t = bandmate_core::objects::accomp::DEFAULT_HARMONY as f32)]
    harmony: f32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 100.0)]
    bpm: f64,
    /// The accompanist's model folder.
    #[arg(long, env = "BANDMATE_ACCOMP_MODEL", default_value = "models/accomp")]
    model: PathBuf,
}

fn accomp(a: AccompArgs) -> Result<()> {
    use bandmate_core::accomp::live::chord_track;
    use bandmate_core::accomp::tokens::{Event, Setup, What, ROLES, TICKS_PER_BEAT};
    use bandmate_core::accomp::{AccompModel, Accompanist, Chord};
    let symbols = a
        .chords
        .split_whitespace()
        .map(Chord::parse)
        .collect::<Result<Vec<_>>>()?;
    if symbols.is_empty() {
        return Err(Error::invalid(
            "--chords has no chord (e.g. \"C:maj7 A:min7 D:min7 G:7\")",
        ));
    }
    if !(1..=16).contains(&a.beats_per_chord) || !(1..=256).contains(&a.bars) {
        return Err(Error::invalid("--beats-per-chord is 1..16, --bars 1..256"));
    }
    let tpb = TICKS_PER_BEAT as f32;
    let d2 = (a.delta2 * tpb).round() as u32;
    let mut roles = [false; 3];
    for p in &a.parts {
        let i = ROLES.iter().position(|r| r == p).ok_or_else(|| {
            Error::invalid(format!("--parts: no part {p:?} (bass, inner, melody)"))
        })?;
        roles[i] = true;
    }
    let total_beats = a.bars * 4;
    let end = i64::from(total_beats * TICKS_PER_BEAT);
    let human: Vec<Event> = match &a.melody {
        None => Vec::new(),
        Some(path) => midi::MidiFile::read(path)?
            .notes
            .iter()
            .map(|n| Event {
                time: (n.beat * f64::from(TICKS_PER_BEAT)).round() as i64,
                duration: (((n.end_beat - n.beat) * f64::from(TICKS_PER_BEAT)).round() as u32)
                    .max(1),
                what: What::Human(n.key),
            })
            .filter(|e| e.time < end)
            .collect(),
    };
    let setup = if a.melody.is_some() {
        Setup::Accompany
    } else {
        Setup::Alone
    };
    let model = AccompModel::load(&a.model)?;
    let mut acc = Accompanist::new(model, setup, d2, a.temperature, a.seed)?;
    acc.set_roles(roles);
    acc.set_harmony(a.harmony)?;
    let track = chord_track(&symbols, a.beats_per_chord, total_beats);
    for c in &track {
        acc.add(*c)?;
    }
    // live: at each playhead, the notes played before it are heard; the chunk ahead made
    let t0 = std::time::Instant::now();
    let mut played = Vec::new();
    let mut heard = 0;
    let mut playhead = 0i64;
    let mut chunks = 0;
    while playhead < end {
        while heard < human.len() && human[heard].time < playhead {
            acc.add(human[heard])?;
            heard += 1;
        }
        played.extend(acc.generate_until((playhead + i64::from(d2)).min(end))?);
        playhead += i64::from(d2);
        chunks += 1;
    }
    let secs = t0.elapsed().as_secs_f64();
    let beat = |t: i64| t as f64 / f64::from(TICKS_PER_BEAT);
    let mut notes = Vec::new();
    let mut tones = [0usize; 2];
    for e in &played {
        if let What::Part(role, key) = e.what {
            notes.push(midi::Note {
                beat: beat(e.time),
                beats: f64::from(e.duration) / f64::from(TICKS_PER_BEAT),
                channel: role,
                key,
                velocity: 80,
            });
            let chord = track.iter().rev().find(|c| c.time <= e.time);
            if let Some(What::Chord(i)) = chord.map(|c| c.what) {
                tones[0] +=
                    usize::from(Chord::from_index(usize::from(i)).is_some_and(|c| c.has(key)));
                tones[1] += 1;
            }
        }
    }
    for e in &human {
        if let What::Human(key) = e.what {
            notes.push(midi::Note {
                beat: beat(e.time),
                beats: f64::from(e.duration) / f64::from(TICKS_PER_BEAT),
                channel: 3,
                key,
                velocity: 80,
            });
        }
    }
    let bytes = midi::notes_to_smf(
        &notes,
        a.bpm,
        f64::from(total_beats),
        "bandmate accompanist",
    )?;
    bandmate_core::fsutil::write_atomic(&a.output, &bytes)?;
    let per_role: Vec<String> = ROLES
        .iter()
        .enumerate()
        .map(|(r, name)| {
            let n = played
                .iter()
                .filter(|e| matches!(e.what, What::Part(x, _) if usize::from(x) == r))
                .count();
            format!("{name} {n}")
        })
        .collect();
    say!(
        "accomp: {} bars over {} chords, {} chunks of {} beats in {:.2} s; notes: {}; chord tones {:.0} %",
        a.bars,
        symbols.len(),
        chunks,
        a.delta2,
        secs,
        per_role.join(", "),
        100.0 * tones[0] as f64 / tones[1].max(1) as f64
    );
    say!("wrote {}", a.output.display());
    Ok(())
}
