//! `docs/osc.md`: the OSC reference of `bandmated`, made from the declarations of every object
//! the daemon serves, the daemon's own messages and the pad, so docs and code cannot drift.

use bandmate_core::objects::atoms;
use bandmate_core::objects::decl::{usage, Arg, Flags, Kind, MessageDecl, ObjectDecl};
use bandmate_core::objects::Atom;
use bandmate_osc::protocol::{address, AddressSpace, DEFAULT_PORT, PREFIX, PROTOCOL_VERSION};

/// What the daemon sends for `/bandmate/looper/...` (the looper's outlets, as addresses).
pub const LOOPER_REPLIES: &[(&str, &str)] = &[
    ("/bandmate/looper/note KEY VELOCITY CHANNEL", "a note of the segment playing, in a bundle time-tagged with its exact time: int32 MIDI key, velocity (0 = the note-off, at the note's own end) and channel 1..16 (the channel of the MIDI file it came from: 10 for drums)"),
    ("/bandmate/looper/playing N NAME BEATS", "segment N (from 1; NAME is FILE:PART) started playing, BEATS long; sent at every segment start, a repeat too (held, or with no choice ready), to the subscribers and to whoever last sent corpus, seed, play, next, hold or transport"),
    ("/bandmate/looper/queued N NAME DISTANCE REPEAT", "segment N plays next (DISTANCE from the one playing, REPEAT 1 when it is the same one again); '/bandmate/looper/queued hold' while held; sent whenever it changes, as playing"),
    ("/bandmate/looper/corpus SEGMENTS FILES EMBEDDER", "the corpus is loaded (after /bandmate/looper/corpus): how many segments from how many files (those that gave segments; each other file comes as a skipped line first), embedded by 'groove' (the model's encoder, for drums) or 'handcrafted' (any other MIDI)"),
    ("/bandmate/looper/loading PATH", "reply to corpus: the folder (absolute) is being read; /bandmate/looper/corpus follows when it is ready"),
    ("/bandmate/looper/skipped FILE REASON", "a file of the corpus folder that gave no segment, and why"),
    ("/bandmate/looper/seeded N NAME DISTANCE", "reply to seed: the segment nearest to what was played"),
    ("/bandmate/looper/status KEY VALUES...", "reply to dump: corpus, tempo, the controls, hold, playing, sync, live, pending (then the playing and queued lines)"),
    ("/bandmate/looper/heard KEY VELOCITY CHANNEL", "reply to note: the live note was taken, at the time its packet arrived (int32s; CHANNEL 1 when none was given)"),
];

/// The OSC type tag letters the example of `m` is sent with: words as strings, numbers as
/// int32 where the argument is a whole number, else float32.
fn example_types(m: &MessageDecl) -> Vec<char> {
    atoms(m.example)
        .iter()
        .enumerate()
        .map(|(i, a)| match a {
            Atom::Symbol(_) => 's',
            Atom::Float(_) => match m.args.get(i).or(m.args.last()).map(|x| x.kind) {
                Some(Kind::Int { .. }) => 'i',
                _ => 'f',
            },
        })
        .collect()
}

/// The example of `m` as an `oscsend` command line (liblo-tools).
pub fn oscsend_example(obj: &ObjectDecl, m: &MessageDecl, port: u16) -> String {
    let types: String = example_types(m).into_iter().collect();
    let addr = address(obj, m.name);
    if types.is_empty() {
        format!("oscsend localhost {port} {addr}")
    } else {
        format!("oscsend localhost {port} {addr} {types} {}", m.example)
    }
}

fn arg_line(a: &Arg) -> String {
    format!(
        "`{}`{}: {} ({})",
        a.name,
        if a.optional { " (optional)" } else { "" },
        a.doc,
        a.kind.describe()
    )
}

/// "Over OSC, not as in Pd and Max": what the daemon does differently, from each message's
/// declared flags, then fragments as files.
fn over_osc() -> String {
    let mut s = String::from("### Over OSC, not as in Pd and Max\n\n");
    let mut items = Vec::new();
    for e in AddressSpace::standard().entries() {
        let d = e.decl;
        for m in d.messages {
            let a = address(d, m.name);
            if m.flags.has(Flags::OFFLINE) {
                items.push(format!(
                    "- `{a}` takes only 0: the daemon's clock never waits."
                ));
            }
            if m.args.iter().any(|x| matches!(x.kind, Kind::Path(_))) {
                items.push(format!(
                    "- `{a}` takes only paths inside the folders the daemon may read (the \
                     fragment folder, the models folder, each `--path DIR`; relative paths \
                     from the daemon's working folder, links resolved first); a file found \
                     inside it that links out of those folders is left out, with an error \
                     naming it."
                ));
            }
            if m.flags.has(Flags::LIVE) {
                items.push(format!(
                    "- `{a}` is placed at the time its packet arrived, or at its bundle's time tag (see Connecting)."
                ));
            }
            if let Some(word) = m.ack {
                items.push(format!(
                    "- `{a}` is answered with `{}` and its arguments as taken (whole numbers \
                     as int32, a missing optional one as its least value).",
                    address(d, word)
                ));
            }
            if m.flags.has(Flags::SLOT) {
                items.push(format!(
                    "- `{a}` names a slot: it is answered on `{a}` with its arguments and the \
                     slot's file (`... PATH`), for a player to play."
                ));
            }
            if m.flags.has(Flags::STATUS) {
                items.push(format!("- `{a}` is also answered by `/bandmate/status`."));
            }
        }
    }
    s.push_str(&items.join("\n"));
    s.push_str(
        "\n\n### Fragments as files\n\n\
The daemon plays no audio. The fragment object keeps its slots as WAV files in the fragment\n\
folder (`--frag-dir`): every fragment it takes (an import, a file from the watched folder, a\n\
`render` of another object, `array NAME`: what another object plays, rendered) is written\n\
whole as `FragmentNN.wav` (32-bit float, atomically) and announced with\n\
`/bandmate/frag/slot N PATH LABEL`; a pitch-kept stretch is written beside it\n\
(`FragmentNN-x2.wav`) and announced the same way. Its slots start and end in time as they\n\
would in a patch (the engine runs silently), so `started N` and `ended N` tell a sampler\n\
what plays. Files already there when the daemon starts are taken back, oldest first.\n\
`/bandmate/frag/slot` thus comes in two shapes: three arguments (`N PATH LABEL`) announce a\n\
file; seven (`N NAME FRAMES LOOPING RATE GAIN PLAYING`) answer `/bandmate/frag/dump`.\n\n",
    );
    s
}

/// `docs/osc.md`: the whole reference, from the declarations.
pub fn markdown() -> String {
    let mut s = String::new();
    let p = DEFAULT_PORT;
    s.push_str(&format!(
        "# The OSC protocol of bandmated (version {PROTOCOL_VERSION})\n\n\
<!-- Generated from the declarations by `cargo run -p bandmate-gen`; edit the declarations, not this file. -->\n\n\
`bandmated` plays every bandmate object from its own clock and speaks OSC over UDP and TCP.\n\
Every address below is made from the same declarations as the Pd and Max objects, so a message\n\
exists in all of them or in none. `/bandmate/version` answers `{PROTOCOL_VERSION}`: the version\n\
changes whenever an address or its arguments change in a way a client would notice.\n\n\
## Connecting\n\n\
- **UDP** and **TCP** on the same port (default {p}; `--port`), bound to 127.0.0.1 unless\n  \
`--bind` says otherwise; `--allow` limits which peers are heard (addresses or CIDR ranges).\n\
- TCP takes **SLIP** frames (OSC 1.1) or **32-bit size prefixes** (OSC 1.0), told apart by the\n  \
first byte a connection sends; replies use the same framing.\n\
- TCP limits: at most {tcp_max} connections at once, {tcp_host} from one host on the network. One that sends nothing for `--tcp-idle`\n  \
seconds (default {tcp_idle}; 0 = never) and is not subscribed is closed; a subscribed connection\n  \
stays open as long as its client keeps it. When every place is taken, a newcomer gets the place\n  \
of the connection quiet the longest (at least {tcp_quiet} s), else it is refused. A frame over\n  \
the packet limit is refused as soon as it passes the limit: a SLIP stream is followed again\n  \
from the frame's END (bytes up to it are dropped, not kept; one that never comes is closed by\n  \
`--tcp-idle`), a size-prefixed one cannot be and is closed. Every one of these is told why first, with `/bandmate/error \"\" TEXT` in its\n  \
framing (SLIP for a connection that has sent nothing yet), and counted in `/bandmate/status`\n  \
(`tcp_refused`, `tcp_evicted`, `tcp_timed_out`, `malformed`).\n\
- Packets: at most {} bytes, bundles nested at most {} deep, at most {} messages each.\n  \
Bundles are executed when they arrive, in order (their time tags are not waited for). A\n  \
message that is placed at its own time (`tap`, the looper's `note`) keeps its sender's timing\n  \
when it comes in a time-tagged bundle: it is placed at the tag, moved onto the daemon's clock\n  \
by the least delay seen lately from that sender (so the sender's clock may be set anywhere),\n  \
and Wi-Fi jitter stays out of the groove. Alone, or tagged \"immediately\", it is placed at\n  \
its arrival.\n\
- Arguments: int, float, double, 64-bit int and true/false are numbers; string and symbol\n  \
are words. Blobs, time tags, colors, MIDI, arrays, nil and infinitum are refused with an error.\n\
- **Path arguments**: segments after the message name are leading arguments, so a controller\n  \
needs one address per control: `/bandmate/frag/trigger/2` = `/bandmate/frag/trigger 2`,\n  \
`/bandmate/looper/queue/3` = `/bandmate/looper/queue 3`,\n  \
`/bandmate/pad/mute/kick 1` = `/bandmate/pad/mute kick 1`,\n  \
`/bandmate/groove/score/kick 1 0 ...` = `/bandmate/groove/score kick 1 0 ...`.\n\
- Address patterns (`*`, `?`, `[..]`, `{{..}}`) are not matched: they get an error.\n\n\
## Replies\n\n\
Every message gets an answer, sent to its sender **and** to every subscriber (once to each;\n\
a stranger's, from an address on the network that has not shown it receives, to it alone;\n\
`subscribe`, `unsubscribe` and `confirm` to the sender and the address they name):\n\n\
- its result: the info lines it produced (`tap` -> `/bandmate/groove/tapped STEP OFFSET`,\n  \
`status` -> the status lines), or else the message itself with the accepted values\n  \
(`/bandmate/groove/swing 58` answers `/bandmate/groove/swing 58`), which also moves a\n  \
controller's fader or toggle to the value in force;\n\
- or `/bandmate/error ADDRESS TEXT` naming the problem. Nothing has changed then.\n\n\
**Subscribers and strangers.** A subscription made over UDP lasts `--lease` seconds (default\n\
{lease}) from its last `/bandmate/subscribe`: send it again well before then (sent again, it\n\
only renews; the TouchOSC layout does it every {renew} s); when it runs out the subscriber is\n\
sent `/bandmate/unsubscribe PORT HOST`. `--subscribe HOST:PORT` ones and TCP ones last as long\n\
as the daemon or the connection. A UDP address on the network (not this machine, not the host\n\
of the TCP connection that asks) is first sent only `/bandmate/confirm TOKEN`; it starts\n\
receiving when that host sends `/bandmate/confirm TOKEN` back within {confirm} s (the asker, if\n\
another, gets `/bandmate/pending PORT HOST`). A source address on the network may be forged,\n\
so until it has shown it receives (a subscriber, this machine, TCP) a request is answered with\n\
at most {factor} times its own size (at least {min_budget} bytes): a longer reply, such as\n\
`/bandmate/status`, is withheld with an error that says so (counted as `withheld`); its\n\
answers go to it alone (what it changes reaches the subscribers as state, at most every\n\
10 ms), and work answered later goes only to the subscribers. Only an address's own host (or\n\
this machine) may unsubscribe it. A time-tagged sender whose clock steps back by more than\n\
0.5 s is followed again from there.\n\n\
A request that hands work to the worker (a new loop, a model load, a kit, an import, a render)\n\
is answered once, when the work is done, to the subscribers and to whoever asked last: with its\n\
result (`/bandmate/groove/ready TASK SEED`, then `swing8 PERCENT` (the loop's 8th-note grid,\n\
50 = straight), `loop VOICE v1..v32` and `offset VOICE o1..o32` (against that grid) for each of\n\
the 9 drums, then the model's `reading` lines; `loaded NAME`; `kit NAME`;\n\
`/bandmate/frag/slot N PATH LABEL`), or with `/bandmate/error ADDRESS TEXT` naming the request's\n\
own address; it is not echoed first. A request that leaves out its value (`/bandmate/groove/swing`\n\
alone turns swing off; `/bandmate/looper/hold` alone holds) is answered with the value it set\n\
(`/bandmate/groove/swing 50`, `/bandmate/looper/hold 1`). Numbers in the objects' lines go out as float32 (whole\n\
numbers beyond 2^24, such as seeds, as int32); notes, velocities, ports, versions, the slot\n\
numbers of the daemon's file replies, whole-number attribute values and the echoed arguments\n\
declared as ints (`/bandmate/groove/accent_step 5 1`) are int32.\n\n\
## Notes, in time\n\n\
While a loop plays, each subscriber gets its notes as bundles whose time tag is the note's\n\
exact time (NTP, from the daemon's monotonic clock), sent `--lookahead` ms (default 50) before\n\
it: `#bundle TIME /bandmate/groove/note NOTE VELOCITY` (int32 General MIDI drum note; velocity\n\
0 is the note-off, one `gate` later). Notes that fall on the same instant share a bundle. A\n\
receiver that schedules by time tag (a liblo server such as `oscdump`, scsynth, python-osc's\n\
dispatcher) plays them exactly; one that ignores time tags plays them the lookahead early, all\n\
by the same amount (`--lookahead 0` sends each note at its time instead). At each loop\n\
boundary subscribers get `/bandmate/groove/cycle N SWITCHED` (SWITCHED 1 when a new loop took\n\
over there). When bandmated stops (Ctrl-C, SIGTERM), every note still sounding at the\n\
subscribers gets its note-off (velocity 0), tagged no earlier than the last bundle sent, so no\n\
synth is left holding a note.\n\n\
The looper's notes come the same way, `--lookahead` ms ahead, each bundle time-tagged with\n\
the notes' exact time: `#bundle TIME /bandmate/looper/note KEY VELOCITY CHANNEL` (int32 MIDI\n\
key, velocity, 0 for the note-off at the note's own end, and channel 1..16, the channel of the\n\
MIDI file the segment came from: 10 for drums). At each segment start (a repeat\n\
too) subscribers get `/bandmate/looper/playing N NAME BEATS`, and as soon as the next is chosen\n\
`/bandmate/looper/queued N NAME DISTANCE REPEAT`. The groove and the looper play side by\n\
side, at one tempo and on one bar line (see \"One tempo, one bar line\" below).\n\n\
With `--midi-port NAME` the same notes also go to a virtual MIDI port, each at the same\n\
instant as its bundle's time tag: see \"A MIDI port\" below.\n\n",
        bandmate_osc::codec::MAX_PACKET,
        bandmate_osc::codec::MAX_BUNDLE_DEPTH,
        bandmate_osc::codec::MAX_MESSAGES,
        tcp_max = bandmate_osc::server::MAX_TCP_CONNECTIONS,
        tcp_host = bandmate_osc::server::MAX_TCP_PER_HOST,
        tcp_idle = bandmate_osc::config::DEFAULT_TCP_IDLE_S,
        tcp_quiet = bandmate_osc::server::TCP_EVICT_QUIET_MS / 1000.0,
        lease = bandmate_osc::daemon::DEFAULT_LEASE_S,
        renew = crate::touchosc::RENEW_MS / 1000,
        confirm = bandmate_osc::daemon::CONFIRM_WINDOW_MS / 1000.0,
        factor = bandmate_osc::daemon::REPLY_FACTOR,
        min_budget = bandmate_osc::daemon::MIN_REPLY_BUDGET,
    ));
    s.push_str("## Addresses\n\n");
    s.push_str("Each entry: the address and its arguments, what it does, each argument, and an\n");
    s.push_str(
        "example (the exact `oscsend` command line from liblo-tools; the tests send it).\n\n",
    );
    for obj in AddressSpace::standard().decls() {
        let title = if obj.osc.is_empty() {
            format!("### `{PREFIX}/...`: {}\n\n", obj.name)
        } else {
            format!("### `{PREFIX}/{}/...`: {}\n\n", obj.osc, obj.name)
        };
        s.push_str(&title);
        s.push_str(&format!("{}\n\n", obj.doc));
        for m in obj.messages {
            let u = usage(m);
            let argsig = u.strip_prefix(m.name).unwrap_or("");
            s.push_str(&format!("#### `{}{argsig}`\n\n", address(obj, m.name)));
            s.push_str(m.doc);
            if m.attribute() && !m.flags.has(bandmate_core::objects::decl::Flags::OFFLINE) {
                s.push_str(" (Its value is also sent by `/bandmate/status`, on this address.)");
            }
            s.push_str("\n\n");
            for a in m.args {
                s.push_str(&format!("- {}\n", arg_line(a)));
            }
            if !m.args.is_empty() {
                s.push('\n');
            }
            s.push_str(&format!("```sh\n{}\n```\n\n", oscsend_example(obj, m, p)));
        }
        if !obj.outlets.is_empty() {
            s.push_str("Replies and events:\n\n");
            for o in obj.outlets {
                s.push_str(&format!("- `{}`: {}\n", o.name, o.doc));
            }
            s.push('\n');
        }
        if !obj.labels.is_empty() {
            s.push_str("Labels (sent when they change; a new subscriber gets them at once):\n\n");
            for (key, doc) in obj.labels {
                s.push_str(&format!("- `/bandmate/display/{key} TEXT`: {doc}\n"));
            }
            s.push('\n');
        }
        if obj.osc == "looper" {
            s.push_str(
                "Over OSC each info line comes on its own address, and the notes in time-tagged bundles:\n\n",
            );
            for (name, doc) in LOOPER_REPLIES {
                s.push_str(&format!("- `{name}`: {doc}\n"));
            }
            s.push('\n');
        }
    }
    s.push_str(&over_osc());
    s.push_str(SCENES);
    s.push_str(
        "## A MIDI port\n\n\
`bandmated --midi-port NAME` also plays every note to a virtual MIDI output port, so a DAW can\n\
record it: on Linux, port NAME of the ALSA sequencer client `bandmate` (`aconnect -o` lists\n\
it). Choose it as a MIDI input in the DAW (its ALSA MIDI inputs: Ardour, Reaper, Bitwig,\n\
Qtractor; through `a2jmidid` for JACK-only programs), arm a track and record, or connect\n\
it to a synth with `aconnect bandmate:0 SYNTH`. In a config file: `midi_port`, `midi_channel`,\n\
`midi_clock`, `midi_in`.\n\n\
- **MIDI in** (`--midi-in NAME`): a virtual MIDI input port (ALSA client `bandmate`, port\n  \
NAME; `aconnect SOURCE bandmate:NAME` connects a drum machine, a DAW's clock or a pad\n  \
controller). A MIDI clock there (24 pulses a beat, start, continue, stop, song position) leads\n  \
the groove and the looper exactly as their `clock` and `songpos` messages do in a patch: the\n  \
tempo and phase are fitted over the last two beats, so a jittery clock plays steady. Measured\n  \
in `osc-bridge/tests/midi.rs`: a 120 BPM clock with 2 ms of jitter (std), 249 notes over 16\n  \
bars sent ahead with their time tags, the worst 1.07 ms from the clock's grid. Notes there go\n  \
to the looper (`note`), and note-ons on channel 10 (drum pads) also tap the groove (`tap`).\n  \
A clock whose pulses stop mid-bar (a cable pulled) is said once on `/bandmate/error` (once for\n  \
the whole daemon, not once per object); the loop plays on at its last tempo, on the clock's\n  \
grid. A Stop mid-bar starts nothing more and lets every note go; Song Position and Continue\n  \
pick up from there on the grid. A master that sends no clock while stopped: the tempo from\n  \
before the stop carries over, the downbeat plays at the continue, the first beat within 5 ms\n  \
of the grid (the first pulse's own jitter), every note after within 2 ms (20 continues at 2 ms\n  \
of jitter: the worst 2.84 ms in the first beat, 1.67 ms after).\n\
- **MIDI clock out** (`--midi-clock`): the same port also carries a MIDI clock for drum\n  \
machines and other laptops: Start (`0xFA`) just before the groove starts from its top (else a\n  \
Song Position Pointer and Continue), 24 pulses a beat (`0xF8`) locked to the groove's own\n  \
playhead, each at its time like the notes (tempo changes followed at once), and Stop (`0xFC`)\n  \
where the groove stops. A jump of the groove's playhead (a transport relocated) is sent as\n  \
Stop, then the Song Position (the groove's own count of 16ths) and Continue, after the pulses\n  \
already sent (they cannot be taken back). Measured in `osc-bridge/tests/midi.rs` at 240 BPM: every pulse within\n  \
5 ms after its time on the loop's grid (the latest 3.6 ms, the MIDI thread's wake-up), none\n  \
early; and against the OSC time tags of the same run's notes, the pulse of each note's step\n  \
0.07-1.5 ms after the note's tag (less the hit's offset from the grid).\n\
- **What is sent**: the notes of the bundles above, one for one, whether or not anyone is\n  \
subscribed: a note-on (`0x99 NOTE VELOCITY` on channel 10; General MIDI drum notes) and, one\n  \
`gate` later, a note-off (`0x89 NOTE 64`). `--midi-channel N` (1..16) picks the groove's\n  \
channel; the default, 10, is General MIDI's drums. The looper's notes go out on their own\n  \
channel (the bundle's CHANNEL: a drum corpus on 10, a bass line on its file's channel),\n  \
whatever `--midi-channel` says. Note-offs are real Note Off messages (release velocity\n  \
64, MIDI's value when none is measured), not note-ons of velocity 0: the ALSA sequencer\n  \
delivers them as NOTEOFF events, a release as they stand, where a velocity-0 note-on arrives\n  \
as a NOTEON event that each client has to reinterpret.\n\
- **Timing**: notes are handed out `--lookahead` ms ahead, as for the bundles; a MIDI thread\n  \
keeps them in time order and sends each at its time on the daemon's monotonic clock, the\n  \
instant whose NTP time is the bundle's time tag. A DAW stamps MIDI as it arrives, so that is\n  \
when it records it. On the 2-core development VM each message left 0.13-0.18 ms after its\n  \
time at the median, 0.16-0.23 ms at the 99th percentile, never before (docs/benchmarks.md).\n\
- **Stopping**: Ctrl-C (SIGINT) or SIGTERM releases every sounding note (a note-off each, then\n  \
All Notes Off, controller 123) before bandmated exits, and `/bandmate/groove/stop` releases\n  \
the held notes where the loop stops, so nothing hangs in the DAW. (A SIGKILL cannot be\n  \
caught.)\n\
- **Errors**: a port that cannot be opened stops bandmated at start, saying why, e.g.\n  \
`cannot open the ALSA sequencer (/dev/snd/seq): No such file or directory (os error 2); is\n  \
the snd-seq kernel module loaded (sudo modprobe snd-seq)?`. A port that fails later never\n  \
holds up the OSC notes: its first error is printed once on stderr, and `/bandmate/status`\n  \
reports `midi PORT CHANNEL SENT ERRORS FIRST_ERROR`.\n\
- **Building**: the port is the cargo feature `midi` of bandmate-osc, on by default; it needs\n  \
ALSA's headers (`libasound2-dev`, `pkg-config`: `scripts/setup` installs them). Built without\n  \
it, `--midi-port` is refused with an error naming the feature. Only Linux has the port so far;\n  \
elsewhere, use an OSC-to-MIDI bridge on the subscriber's side.\n\
- **What was verified**: the test machines have no ALSA sequencer (no `/dev/snd`). The\n  \
scheduler is tested through a recording sink (each message at its time, in order, a later\n  \
but earlier-due note, releases on stop, a failing sink), and the real bandmated through a test\n  \
sink against `oscdump`'s time tags of the same run (every message within 5 ms after its time\n  \
tag, never before; under 0.5 ms in the runs here) and a Ctrl-C releasing held notes. The ALSA\n  \
code is compiled in every default build (CI's too) and its error path is tested: without a sequencer bandmated\n  \
exits with the error above. The same test, on a machine with `/dev/snd/seq`, looks for the\n  \
port in `aconnect -o` and for the notes and the All Notes Off in `aseqdump`: that branch has\n  \
not run yet.\n",
    );
    s.push_str(
        "\n## One tempo, one bar line\n\n\
The daemon's objects play at one tempo: a new tempo of one of them (`tempo`, a fader, or\n\
`tap_tempo`, e.g. `/bandmate/groove/tempo 96` or the tablet's tap pad) is set on every other\n\
object that keeps one (the groove, the looper, the accompanist), at once. With `--link`, Link\n\
shares it instead (below); a host transport or a MIDI clock leads the objects that follow it.\n\n\
And on one bar line: the groove or the looper started by its own `play` while the other plays\n\
joins it in phase, its bars and beats on the other's (e.g. the groove plays, then\n\
`/bandmate/looper/play` 9 steps into a bar: the looper's segment comes in at step 9 of its\n\
own bar, not from its top; its first segment, chosen on the worker after the `play`, starts\n\
where the groove is when it comes). Started alone, an object plays from its top. The\n\
accompanist keeps its own song position (it plays from the top of its chord track, as in a\n\
patch); with Link, a host transport or a MIDI clock, those lead every object instead.\n",
    );
    s.push_str(
        "\n## Ableton Link\n\n\
`bandmated --link` joins the Ableton Link session on the network: tempo, beat phase and\n\
start/stop are shared with Live and every Link app (and other bandmated instances with\n\
`--link`). `--link-quantum BEATS` (1..64, default 4, Live's) sets the beats in a Link bar; in\n\
a config file: `link`, `link_quantum`.\n\n\
- **Link leads the objects that follow a transport** (the groove and the looper, unless\n  \
`sync 0`), as Live's transport leads them in Max for Live: while the session plays they play\n  \
at its tempo and in its phase, the loop's top on a Link bar (every loop length: a 2-bar loop\n  \
starts on every other bar; with `--link-quantum 8` two bandmated instances also agree on which\n  \
bar of their loops is the first); they stop when it stops. The session is looked at every\n  \
10 ms and given to the objects at the horizon (`--lookahead` ms ahead), where they are.\n\
- **The objects lead Link**: `play` (e.g. `/bandmate/groove/play`) while the session's\n  \
transport is stopped starts it, for every peer with start/stop sync on (bandmated always has\n  \
it on; in Live it is the Link preferences' Start Stop Sync): alone, the loop starts from its\n  \
top at once, as without Link; with peers, beat 0 is the next Link bar and the loop joins in\n  \
phase (the end of the loop first, its top on that bar). `stop` of the last object playing\n  \
stops the session (a `stop` while another object plays only stops that object). A new\n  \
`tempo` (a fader, `tap_tempo`) becomes the session's tempo, for every peer.\n\
- **Status**: `/bandmate/status` answers `link on PEERS TEMPO PLAYING PHASE QUANTUM` (the\n  \
other peers, the session's tempo, 1 while its transport plays, the phase in the bar in beats\n  \
at the horizon, the quantum); `link off 0 0 0 0 0` without `--link`.\n\
- **Errors**: a tempo out of range is refused as without Link (`/bandmate/error`), and the\n  \
session and the set play on. `--link-quantum` out of range stops bandmated at start, naming\n  \
it.\n\
- **Measured** (`osc-bridge/tests/link.rs`, two daemons with their own Link peers on one\n  \
machine; `examples/link_phase.rs` for 10 minutes, docs/benchmarks.md): the two grooves'\n  \
beats within 1 ms of each other (a few microseconds in steady state); a tempo change on one\n  \
heard by the other's Link peer within tens of ms; the other groove, which had already played\n  \
its lookahead at the old tempo, makes that up over a bar or two (a few ms at most, from\n  \
120 to 132 BPM), then they agree within 1 ms again. A loop's top lands on another Link app's\n  \
bar within 1 ms.\n\
- **Building**: Link is the cargo feature `link` of bandmate-osc, **off by default**, because\n  \
Ableton Link is GPL-2.0-or-later: a bandmated built with it is GPL-2.0-or-later as a whole\n  \
(the default build stays MIT OR Apache-2.0; see the README). `cargo build --release -p\n  \
bandmate-osc --features link` needs cmake, a C++ compiler and libclang (`scripts/setup`\n  \
installs them). Built without it, `--link` is refused: `link: this bandmated was built\n  \
without Link: cargo build --features link ...`.\n",
    );
    s
}

/// The scenes section of `docs/osc.md`.
const SCENES: &str = "## Scenes

`/bandmate/scene save N` keeps the whole set as scene N (1..128): every object's attributes and
gestures (the groove's score rows, taps, swing, accents, style, seed, tempo, temperature; the
looper's controls, labels, corpus and the segment playing, hold, and the seed `random N`\n\
fixed (a recall draws from it again); the fragment object's
import settings and each slot's loop switch, rate and gain), the groove's model and kit, its
exact loop (hits, velocities, offsets, the latent it came from and the model's reading) and
the drums it holds (mute, keep), the accompanist's chord track, seed, parts, channels,
programs, settings and model, whether each object plays, and each fragment slot's file. It
writes `scene-N.json` in the scene folder (`--scenes DIR`, default `out/scenes`; `scenes` in a
config file) atomically, with each slot's file beside it (`scene-N-slot-01.wav`, a hard link
where the disk allows, else a copy), and answers `/bandmate/scene saved N PATH`.

`/bandmate/scene recall N` reads the file and checks all of it first: every message against the
object's declaration, paths inside the folders the daemon may read, the groove's loop and the
slots' files (a link out of the scene folder is refused). A scene that does not exist, or any
error in it, is answered with `/bandmate/error` and changes nothing: the set plays on. Then the
slots take their files, each object its messages and state: a loop that plays switches to the
scene's loop at its next boundary (a stopped groove starts with it), the looper queues the
scene's segment (after its corpus loads, if the scene has another), and an object that played
when the scene was saved starts. Tempo and gestures change at once. `vary` steps from the
recalled loop, `back` returns to the loop before it. Answered `/bandmate/scene recalled N PATH`.
A slot that was empty when the scene was saved keeps what it holds now (the fragment bank has
no message that empties a slot), and the model, kit and corpus are kept as the full paths the
daemon read them from: a scene moves to another machine with the same folders.

Scenes are also on the TouchOSC layout: four recall buttons under the tap pad, and four smaller
save buttons under them (`/bandmate/scene/recall/N`, `/bandmate/scene/save/N`).

## Tags: keeping what just played

`/bandmate/groove/tag [LABEL]` keeps what just played for the next training (docs/sculpt.md):
the loop and the taps of its last cycle, as a MIDI file in the daemon's dataset folder
(`--dataset DIR`, default `out/dataset`, made at start; `dataset` in a config file), labelled
(`keep` when no label is said) in the folder's manifest, and answers `/bandmate/groove/tagged
LABEL FILE`. `/bandmate/groove/dataset PATH` names another folder, inside those the daemon may
write. The TouchOSC layout's **tag** button (beside back) sends it.

## Training: the groove model learns what you tagged

`/bandmate/groove/train [FOLDER] [NAME]` fine-tunes the model that plays on a folder of MIDI
loops (none said: the dataset folder, where the tags went) into the daemon's model library
(`--library DIR`, default `out/models`, made at start; `library` in a config file; one of the
folders paths may point into), while it plays (docs/tune.md). It answers, to the sender and
every subscriber: `/bandmate/groove/training FILES WINDOWS HELD-OUT-FILES EPOCHS`, then
`/bandmate/groove/progress EPOCH EPOCHS SECONDS-LEFT LOSS` after each pass, then
`/bandmate/groove/trained NAME SECONDS` (or `/bandmate/groove/cancelled train` after
`/bandmate/groove/cancel`, or `/bandmate/error`). `/bandmate/groove/models` answers
`/bandmate/groove/models NAME...`; `/bandmate/groove/load NAME` plays one (a name the library
holds, or a path). The TouchOSC layout's **train** and **cancel** buttons sit beside the status
line, which shows `training 5/20, 12 s left` while it runs.

```sh
oscsend localhost 8000 /bandmate/groove/tag s keeper
oscsend localhost 8000 /bandmate/groove/train
oscsend localhost 8000 /bandmate/groove/load s dataset
```

## The looper's map

`/bandmate/looper/map [pca|tsne]` lays the corpus out on two axes and answers
`/bandmate/looper/point N X Y NAME` for each segment (X and Y from 0 to 1), then
`/bandmate/looper/map SEGMENTS HOW`; `/bandmate/looper/choose X Y` plays the segment nearest
that place next (`/bandmate/looper/chose N NAME`, then `/bandmate/looper/queued ...`). The
TouchOSC layout's XY pad (the bottom strip) sends `choose` as the finger moves, beside **map
pca** and **map tsne** buttons (docs/sculpt.md).

```sh
oscsend localhost 8000 /bandmate/looper/map s tsne
oscsend localhost 8000 /bandmate/looper/choose ff 0.2 0.8
```

";
