//! `bandmated`: the bandmate OSC daemon. Plays every bandmate object from its own clock and
//! speaks OSC over UDP and TCP (SLIP or size-prefixed). See docs/osc.md.

#![forbid(unsafe_code)]

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use bandmate_osc::config::{parse_host_port, AllowList, Config, FileConfig, ModelChoice};
use bandmate_osc::server;
use clap::Parser;

/// bandmate's OSC daemon: every bandmate object from any OSC controller (TouchOSC, Pd, Max, a
/// script); notes out as time-tagged bundles; fragments as WAV files.
#[derive(Parser, Debug)]
#[command(name = "bandmated", version)]
struct Args {
    /// A JSON config file with any of these settings (keys as the long flags, `_` for `-`);
    /// flags win over it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// UDP port (TCP too, unless --tcp-port). Default 8000, TouchOSC's default send port;
    /// 0 = any free port (printed at start).
    #[arg(long)]
    port: Option<u16>,
    /// TCP port (SLIP or size-prefixed frames). Default: the UDP port.
    #[arg(long)]
    tcp_port: Option<u16>,
    /// No TCP listener.
    #[arg(long)]
    no_tcp: bool,
    /// Close a TCP connection that sends nothing for this many seconds, unless it is
    /// subscribed (0 = never). Default 60. When all 64 places are taken, a newcomer takes the
    /// place of the connection quiet the longest (at least 1 s) instead.
    #[arg(long, value_name = "SECONDS")]
    tcp_idle: Option<f64>,
    /// Address to listen on. Default 127.0.0.1 (this machine only); 0.0.0.0 for a tablet on
    /// the network (then limit it with --allow).
    #[arg(long)]
    bind: Option<IpAddr>,
    /// Only these peers are heard and may be subscribed: an address or a CIDR range
    /// (192.168.1.0/24). Repeat for more. Default: everyone who can reach --bind.
    #[arg(long, value_name = "IP[/BITS]")]
    allow: Vec<String>,
    /// A model folder to start with. Default: the bundled model (models/).
    #[arg(long, value_name = "DIR", conflicts_with = "rules")]
    model: Option<PathBuf>,
    /// Start with no model (the rule-based fallback).
    #[arg(long)]
    rules: bool,
    /// Where the fragment bank writes Fragment01.wav... Default: out/fragments.
    #[arg(long, value_name = "DIR")]
    frag_dir: Option<PathBuf>,
    /// Where /bandmate/scene save N writes scene-N.json. Default: out/scenes.
    #[arg(long, value_name = "DIR")]
    scenes: Option<PathBuf>,
    /// Where /bandmate/groove/tag keeps what it marks (a dataset: docs/sculpt.md). Default:
    /// out/dataset.
    #[arg(long, value_name = "DIR")]
    dataset: Option<PathBuf>,
    /// Where /bandmate/groove/train writes the models it makes, and where /bandmate/groove/load
    /// NAME finds them (docs/tune.md). Default: out/models.
    #[arg(long, value_name = "DIR")]
    library: Option<PathBuf>,
    /// Number of fragment slots (1..64). Default 4.
    #[arg(long)]
    slots: Option<usize>,
    /// Sample rate of rendered fragments in Hz. Default 48000.
    #[arg(long, value_name = "HZ")]
    rate: Option<u32>,
    /// How far ahead of their time notes are sent, in ms (0..1000). Default 50.
    #[arg(long, value_name = "MS")]
    lookahead: Option<f64>,
    /// Another folder that paths over OSC may point into. Repeat for more.
    #[arg(long, value_name = "DIR")]
    path: Vec<PathBuf>,
    /// Send everything to HOST:PORT from the start (as /bandmate/subscribe would, but for as
    /// long as the daemon runs, without a confirmation). Repeat for more.
    #[arg(long, value_name = "HOST:PORT")]
    subscribe: Vec<String>,
    /// A subscription made over UDP ends unless /bandmate/subscribe is sent again within this
    /// many seconds (0 = never ends). Default 300.
    #[arg(long, value_name = "SECONDS")]
    lease: Option<f64>,
    /// Also play every note to a virtual MIDI port of this name (ALSA sequencer client
    /// 'bandmate'; `aconnect -o` lists it), at its time, for a DAW to record.
    #[arg(long, value_name = "NAME")]
    midi_port: Option<String>,
    /// The MIDI channel of notes that carry none of their own (1..16). Default 10, General
    /// MIDI's drums. (Notes with a channel keep it.)
    #[arg(long, value_name = "N")]
    midi_channel: Option<u8>,
    /// Also send a MIDI clock on the MIDI port: 24 pulses a beat locked to the groove as it
    /// plays, start when it starts, stop when it stops (for drum machines and other laptops).
    #[arg(long)]
    midi_clock: bool,
    /// A virtual MIDI input port (ALSA, Linux): a MIDI clock and song position there lead the
    /// groove and the looper (as their 'clock' and 'songpos' messages), notes go to the
    /// looper, and note-ons on channel 10 (drum pads) tap the groove.
    #[arg(long, value_name = "NAME")]
    midi_in: Option<String>,
    /// Join the Ableton Link session on the network: tempo, beat phase and start/stop shared
    /// with Live and every Link app; loops start on the Link bar. Needs a bandmated built with
    /// `--features link` (GPL-2.0-or-later as a whole: see README.md).
    #[arg(long)]
    link: bool,
    /// Beats in a Link bar (1..64). Default 4, Live's; 8 lines up the groove's 2-bar loops of
    /// two bandmated instances too.
    #[arg(long, value_name = "BEATS")]
    link_quantum: Option<f64>,
}

fn config(a: Args) -> Result<Config, String> {
    let f = match &a.config {
        Some(p) => FileConfig::load(p)?,
        None => FileConfig::default(),
    };
    let d = Config::default();
    let port = a.port.or(f.port).unwrap_or(d.port);
    let no_tcp = a.no_tcp || f.no_tcp.unwrap_or(false);
    let bind = match (a.bind, &f.bind) {
        (Some(b), _) => b,
        (None, Some(b)) => b
            .parse()
            .map_err(|_| format!("bind: '{b}' is not an IP address"))?,
        (None, None) => d.bind,
    };
    let allow = if a.allow.is_empty() {
        f.allow.clone().unwrap_or_default()
    } else {
        a.allow.clone()
    };
    let model = if a.rules {
        ModelChoice::Rules
    } else if let Some(m) = a.model.or(f.model.clone()) {
        ModelChoice::Dir(m)
    } else if f.rules.unwrap_or(false) {
        ModelChoice::Rules
    } else {
        ModelChoice::Default
    };
    let mut subscribe = Vec::new();
    let subs = if a.subscribe.is_empty() {
        f.subscribe.clone().unwrap_or_default()
    } else {
        a.subscribe.clone()
    };
    for s in subs {
        subscribe.push(parse_host_port(&s).map_err(|e| format!("subscribe: {e}"))?);
    }
    let midi_port = a.midi_port.or(f.midi_port);
    let midi_channel = a.midi_channel.or(f.midi_channel);
    let midi_clock = a.midi_clock || f.midi_clock.unwrap_or(false);
    if midi_port.is_none() && midi_clock {
        return Err(
            "midi-clock: there is no MIDI port to send it on (add --midi-port NAME)".into(),
        );
    }
    if midi_port.is_none() && midi_channel.is_some() {
        return Err("midi-channel: there is no MIDI port to play on (add --midi-port NAME)".into());
    }
    Ok(Config {
        bind,
        port,
        tcp_port: if no_tcp {
            None
        } else {
            Some(a.tcp_port.or(f.tcp_port).unwrap_or(port))
        },
        tcp_idle_s: a.tcp_idle.or(f.tcp_idle).unwrap_or(d.tcp_idle_s),
        allow: AllowList::parse(&allow)?,
        model,
        frag_dir: a.frag_dir.or(f.frag_dir).unwrap_or(d.frag_dir),
        scene_dir: a.scenes.or(f.scenes).unwrap_or(d.scene_dir),
        dataset_dir: a.dataset.or(f.dataset).unwrap_or(d.dataset_dir),
        library_dir: a.library.or(f.library).unwrap_or(d.library_dir),
        slots: a.slots.or(f.slots).unwrap_or(d.slots),
        sample_rate: a.rate.or(f.rate).unwrap_or(d.sample_rate),
        lookahead_ms: a.lookahead.or(f.lookahead).unwrap_or(d.lookahead_ms),
        paths: if a.path.is_empty() {
            f.path.unwrap_or_default()
        } else {
            a.path
        },
        subscribe,
        lease_s: a.lease.or(f.lease).unwrap_or(d.lease_s),
        midi_port,
        midi_channel: midi_channel.unwrap_or(d.midi_channel),
        midi_clock,
        midi_in: a.midi_in.or(f.midi_in),
        link: a.link || f.link.unwrap_or(false),
        link_quantum: a.link_quantum.or(f.link_quantum).unwrap_or(d.link_quantum),
    })
}

/// SIGINT and SIGTERM, caught while a MIDI port is open: the engine never ends by itself, so
/// the main thread waits for one of them, then releases the sounding notes before exiting.
/// (signal-hook sets a flag from the handler: all a handler may safely do.)
#[cfg(unix)]
mod stop_signal {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use signal_hook::consts::{SIGINT, SIGTERM};

    fn caught_flag() -> &'static Arc<AtomicUsize> {
        static CAUGHT: std::sync::OnceLock<Arc<AtomicUsize>> = std::sync::OnceLock::new();
        CAUGHT.get_or_init(|| Arc::new(AtomicUsize::new(0)))
    }

    pub fn install() {
        for sig in [SIGINT, SIGTERM] {
            if let Err(e) =
                signal_hook::flag::register_usize(sig, Arc::clone(caught_flag()), sig as usize)
            {
                eprintln!("bandmated: cannot catch signal {sig}: {e}");
            }
        }
    }

    /// The signal caught, if any.
    pub fn caught() -> Option<&'static str> {
        match caught_flag().load(Ordering::SeqCst) {
            0 => None,
            n if n == SIGINT as usize => Some("SIGINT"),
            n if n == SIGTERM as usize => Some("SIGTERM"),
            _ => Some("a signal"),
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match config(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bandmated: {e}");
            return ExitCode::FAILURE;
        }
    };
    let open = config.allow.is_open();
    let bind = config.bind;
    let lookahead = config.lookahead_ms;
    let model = config.model.clone();
    let link = config.link;
    // Before the port opens: a Ctrl-C or SIGTERM from now on releases the notes (the MIDI
    // port's and the OSC subscribers').
    #[cfg(unix)]
    stop_signal::install();
    let running = match server::start(config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bandmated: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The first line is for programs (tests, scripts): where to reach the daemon.
    println!(
        "bandmated: listening udp={} tcp={}",
        running.udp,
        running
            .tcp
            .map_or_else(|| "none".to_string(), |a| a.to_string())
    );
    eprintln!(
        "bandmated: protocol {} on {} (udp {}{}), notes {lookahead} ms ahead; model: {}",
        bandmate_osc::PROTOCOL_VERSION,
        server::describe(bind),
        running.udp.port(),
        running.tcp.map_or_else(String::new, |a| format!(
            ", tcp {} SLIP or size-prefixed",
            a.port()
        )),
        match &model {
            ModelChoice::Default => "the bundled model".to_string(),
            ModelChoice::Dir(d) => d.display().to_string(),
            ModelChoice::Rules => "no model (the rule-based fallback)".to_string(),
        }
    );
    eprintln!("bandmated: fragments in {}", running.frag_dir.display());
    if open && !bind.is_loopback() {
        eprintln!(
            "bandmated: anyone on the network can drive this daemon: limit it with --allow IP[/BITS]"
        );
    }
    if let Some(m) = &running.midi {
        eprintln!(
            "bandmated: every note also goes to the MIDI port '{}' (ALSA client 'bandmate', `aconnect -o` lists it), channel {}",
            m.name(),
            m.channel()
        );
    }
    if link {
        eprintln!(
            "bandmated: in the Ableton Link session (tempo, phase and start/stop shared; /bandmate/status says its peers)"
        );
    }
    eprintln!("bandmated: send /bandmate/subscribe to hear notes and replies (docs/osc.md)");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    #[cfg(unix)]
    while !running.finished() {
        std::thread::sleep(std::time::Duration::from_millis(20));
        if let Some(sig) = stop_signal::caught() {
            let second = std::time::Duration::from_secs(1);
            // The MIDI port first: its thread ends, so nothing the engine still hands over
            // can sound there; then the engine, which releases the subscribers' notes.
            let midi = running.midi.as_ref().map(|m| m.stop(second));
            let osc = running.stop(second);
            // No call into ONNX Runtime may be under way while the process exits.
            bandmate_core::model::close_runtime(second);
            let mut said = vec![if osc {
                "the subscribers' notes released"
            } else {
                "the engine did not stop in time: subscribers' notes may hang"
            }];
            match midi {
                Some(true) => said.push("MIDI notes released (note-offs, All Notes Off)"),
                Some(false) => said.push("the MIDI port did not answer in time: notes may hang"),
                None => {}
            }
            eprintln!("bandmated: stopped by {sig}; {}", said.join("; "));
            return ExitCode::SUCCESS;
        }
    }
    running.wait();
    bandmate_core::model::close_runtime(std::time::Duration::from_secs(1));
    ExitCode::SUCCESS
}
