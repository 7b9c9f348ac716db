{
  "patcher": {
    "appversion": {
      "architecture": "x64",
      "major": 8,
      "minor": 6,
      "modernui": 1,
      "revision": 0
    },
    "assistshowspatchername": 0,
    "bglocked": 0,
    "boxanimatetime": 200,
    "boxes": [
      {
        "box": {
          "id": "obj-1",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            10.0,
            960.0,
            36.0
          ],
          "text": "[bandmate.groove] - Drum loops from your gestures: give a score, tap a groove, set swing and accents; get a loop played as MIDI notes in time, with the model's reading of what you gave."
        }
      },
      {
        "box": {
          "id": "obj-2",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            52.0,
            960.0,
            36.0
          ],
          "text": "Click 'score' / 'swing' / 'accent' (or 'tap' with velocities), then 'generate' or 'drumify', then 'play'. Notes go out as note-velocity pairs: to the Max Console and through [midiformat 10] to [midiout] (General MIDI drums on channel 10). 'render drums' fills [buffer~ drums] below."
        }
      },
      {
        "box": {
          "id": "obj-3",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            94.0,
            960.0,
            22.0
          ],
          "text": "Attributes, also set at creation: @listen @sync @tempo @temperature @gate @blocking (e.g. [bandmate.groove @tempo 96])."
        }
      },
      {
        "box": {
          "id": "obj-4",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            132.0,
            380.0,
            22.0
          ],
          "text": "score kick 1 0 0 0 0 0 0 0 1 0 1 0 0 0 0 0"
        }
      },
      {
        "box": {
          "id": "obj-5",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            132.0,
            560.0,
            36.0
          ],
          "text": "score voice [row...] - What to play: fix one drum's steps (an all-0 row means none of this drum)."
        }
      },
      {
        "box": {
          "id": "obj-6",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            176.0,
            380.0,
            22.0
          ],
          "text": "tap 100"
        }
      },
      {
        "box": {
          "id": "obj-7",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            176.0,
            560.0,
            50.0
          ],
          "text": "tap [velocity] [ago] - How to play it: a tap now, at its exact time (from [notein], a pad, a bang, or [bandmate.taps~] with its own time). It lands on the nearest 16th of the playing loop (or of the first tap)."
        }
      },
      {
        "box": {
          "id": "obj-8",
          "linecount": 4,
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            234.0,
            380.0,
            64.0
          ],
          "text": "groove 0.9 0 0.5 0 0.9 0 0.5 0 0.9 0 0.5 0 0.9 0 0.5 0 0.9 0 0.5 0 0.9 0 0.5 0 0.9 0 0.5 0 0.9 0 0.5 0 0 0 0.1 0 0 0 0.1 0 0 0 0.1 0 0 0 0.1 0 0 0 0.1 0 0 0 0.1 0 0 0 0.1 0 0 0 0.1 0"
        }
      },
      {
        "box": {
          "id": "obj-9",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            234.0,
            560.0,
            22.0
          ],
          "text": "groove values... - A whole tapped groove as a list."
        }
      },
      {
        "box": {
          "id": "obj-10",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            306.0,
            380.0,
            22.0
          ],
          "text": "swing 58"
        }
      },
      {
        "box": {
          "id": "obj-11",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            306.0,
            560.0,
            36.0
          ],
          "text": "swing [percent] - Swing the groove: the tapped one if any, else a tap on every 16th."
        }
      },
      {
        "box": {
          "id": "obj-12",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            350.0,
            380.0,
            22.0
          ],
          "text": "swing8 66.7"
        }
      },
      {
        "box": {
          "id": "obj-13",
          "linecount": 5,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            350.0,
            560.0,
            78.0
          ],
          "text": "swing8 [percent] - 8th-note swing: new loops play on a swung grid, each beat's off-beat 8th late by this much of the beat (the 16ths between move half as far), up to a triplet shuffle and beyond; the drums' own timing rides on it. Taps, and a groove's offsets, are read against the same grid. With 'swing' too, the 16ths swing within it."
        }
      },
      {
        "box": {
          "id": "obj-14",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            436.0,
            380.0,
            22.0
          ],
          "text": "accent 1 0 0 0 1 0 0 0 1 0 0 0 1 0 0 1"
        }
      },
      {
        "box": {
          "id": "obj-15",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            436.0,
            560.0,
            22.0
          ],
          "text": "accent [flags...] - Accents: which steps are strong."
        }
      },
      {
        "box": {
          "id": "obj-16",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            466.0,
            380.0,
            22.0
          ],
          "text": "style funk"
        }
      },
      {
        "box": {
          "id": "obj-17",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            466.0,
            560.0,
            50.0
          ],
          "text": "style [name] - Ask for a style: new loops are the kinds of loop the Groove MIDI Dataset's drummers played in it (the trained model; the rule-based drum machine has none)."
        }
      },
      {
        "box": {
          "id": "obj-18",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            524.0,
            380.0,
            22.0
          ],
          "text": "clear tap"
        }
      },
      {
        "box": {
          "id": "obj-19",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            524.0,
            560.0,
            22.0
          ],
          "text": "clear [what] - Forget gestures."
        }
      },
      {
        "box": {
          "id": "obj-20",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            554.0,
            380.0,
            22.0
          ],
          "text": "generate"
        }
      },
      {
        "box": {
          "id": "obj-21",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            554.0,
            560.0,
            22.0
          ],
          "text": "generate - A new loop from every gesture given so far (or from nothing)."
        }
      },
      {
        "box": {
          "id": "obj-22",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            584.0,
            380.0,
            22.0
          ],
          "text": "humanize"
        }
      },
      {
        "box": {
          "id": "obj-23",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            584.0,
            560.0,
            22.0
          ],
          "text": "humanize - A new loop that plays the score rows (and accents) like a drummer."
        }
      },
      {
        "box": {
          "id": "obj-24",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            614.0,
            380.0,
            22.0
          ],
          "text": "drumify"
        }
      },
      {
        "box": {
          "id": "obj-25",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            614.0,
            560.0,
            22.0
          ],
          "text": "drumify - A new loop of drums for the tapped or swung groove (and accents)."
        }
      },
      {
        "box": {
          "id": "obj-26",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            644.0,
            380.0,
            22.0
          ],
          "text": "listen 1"
        }
      },
      {
        "box": {
          "id": "obj-27",
          "linecount": 6,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            644.0,
            560.0,
            92.0
          ],
          "text": "listen on - Drums that listen: while the loop plays, what you play (taps: [notein] velocities from any instrument, pads, [bandmate.taps~]) over the last two bars becomes the groove of the next loop, drumified while this one plays and switched at the boundary (the window ends a beat before the boundary, so the loop is ready in time; a note that lands just after a boundary, as a late one does, counts on that bar's downbeat). Nothing played: the loop plays on. (also @listen at creation)"
        }
      },
      {
        "box": {
          "id": "obj-28",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            744.0,
            380.0,
            22.0
          ],
          "text": "back"
        }
      },
      {
        "box": {
          "id": "obj-29",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            744.0,
            560.0,
            36.0
          ],
          "text": "back - Back to the loop before the last generate or vary, at the next loop boundary (one level: 'back' again returns)."
        }
      },
      {
        "box": {
          "id": "obj-30",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            788.0,
            380.0,
            22.0
          ],
          "text": "vary 0.3"
        }
      },
      {
        "box": {
          "id": "obj-31",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            788.0,
            560.0,
            22.0
          ],
          "text": "vary [amount] - A loop a small step away from the last one: not too much at once."
        }
      },
      {
        "box": {
          "id": "obj-32",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            818.0,
            380.0,
            22.0
          ],
          "text": "fill 2"
        }
      },
      {
        "box": {
          "id": "obj-33",
          "linecount": 5,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            818.0,
            560.0,
            78.0
          ],
          "text": "fill [beats] - The next loop ends in a drum fill in its feel, once: its last bar (or last BEATS beats) played as the drummers of the Groove MIDI Dataset fill, then the loop goes on. Only while playing; the trained model plays fills, the rule-based drum machine none. Answered with 'ready fill SEED' alone: the loop's lines stay the loop's, which goes on after the fill."
        }
      },
      {
        "box": {
          "id": "obj-34",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            904.0,
            380.0,
            22.0
          ],
          "text": "clip clip.mid"
        }
      },
      {
        "box": {
          "id": "obj-35",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            904.0,
            560.0,
            50.0
          ],
          "text": "clip path - Read a MIDI clip: its first two bars become the score (what to play, every drum); a clip of 4 to 32 bars of drums is also kept whole for 'infill' and 'write' (else said why not). Answered with 'clip BARS NOTES'."
        }
      },
      {
        "box": {
          "id": "obj-36",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            962.0,
            380.0,
            22.0
          ],
          "text": "infill 5 6"
        }
      },
      {
        "box": {
          "id": "obj-37",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            962.0,
            560.0,
            64.0
          ],
          "text": "infill [first] [last] - Compose mode: fill the clip's empty bars (or, in bars FIRST..LAST, every drum they lack) in the feel of the bars around them; every note of the clip is kept. Answered with 'infilled NOTES BAR...'; 'write' saves the result."
        }
      },
      {
        "box": {
          "id": "obj-38",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1034.0,
            380.0,
            22.0
          ],
          "text": "dataset my-loops"
        }
      },
      {
        "box": {
          "id": "obj-39",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1034.0,
            560.0,
            50.0
          ],
          "text": "dataset path - Where 'tag' keeps what you mark while playing: a dataset folder (it must exist), its manifest beside the loops. Checked on the worker at once: answered 'dataset PATH', or an error."
        }
      },
      {
        "box": {
          "id": "obj-40",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1092.0,
            380.0,
            22.0
          ],
          "text": "tag keeper"
        }
      },
      {
        "box": {
          "id": "obj-41",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1092.0,
            560.0,
            64.0
          ],
          "text": "tag [label...] - Keep what just played for the next training: the loop that plays (drums on channel 10) and what you tapped over its last two bars (channel 1, on the loop's bars) as a MIDI file in the dataset folder, labelled. Answered with 'tagged LABEL FILE'."
        }
      },
      {
        "box": {
          "id": "obj-42",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1164.0,
            380.0,
            22.0
          ],
          "text": "data list"
        }
      },
      {
        "box": {
          "id": "obj-43",
          "linecount": 8,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1164.0,
            560.0,
            120.0
          ],
          "text": "data action [args...] - Sculpt the dataset folder (the one 'tag' writes into; docs/sculpt.md), as 'bandmate data' does: 'list' answers 'item N FILE training|excluded|missing LABELS...' for each loop and 'data items N TRAINING'; 'scan' adds new files; 'label L ITEMS...', 'unlabel L ITEMS...', 'exclude ITEMS...', 'include ITEMS...' change the manifest ('data labelled N L', ...); 'undo' takes the last change back, byte for byte ('data undid ITEMS ACTION...'); 'history' answers 'entry K SECONDS-AGO ITEMS ACTION...' for each change, oldest first. 'train' reads the loops left for training."
        }
      },
      {
        "box": {
          "id": "obj-44",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1292.0,
            380.0,
            22.0
          ],
          "text": "write filled.mid"
        }
      },
      {
        "box": {
          "id": "obj-45",
          "linecount": 5,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1292.0,
            560.0,
            78.0
          ],
          "text": "write path - Write the clip (after 'clip' and 'infill'; at its own tempo, with any other instruments it held), or else the loop that plays (at the tempo), as a MIDI file (.mid), written whole or not at all. A relative path is written beside the clip that was read, else beside the patch (over OSC: a full path inside the daemon's --path folders). Answered with 'wrote PATH'."
        }
      },
      {
        "box": {
          "id": "obj-46",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1378.0,
            380.0,
            22.0
          ],
          "text": "accent_step 5 1"
        }
      },
      {
        "box": {
          "id": "obj-47",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1378.0,
            560.0,
            36.0
          ],
          "text": "accent_step step [on] - Accent one step of the bar, keeping the others (one pad or toggle per step)."
        }
      },
      {
        "box": {
          "id": "obj-48",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1422.0,
            380.0,
            22.0
          ],
          "text": "mute crash 1"
        }
      },
      {
        "box": {
          "id": "obj-49",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1422.0,
            560.0,
            36.0
          ],
          "text": "mute voice [on] - Mute a drum in the next loops, however they are made (generate, drumify, vary)."
        }
      },
      {
        "box": {
          "id": "obj-50",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1466.0,
            380.0,
            22.0
          ],
          "text": "keep kick 1"
        }
      },
      {
        "box": {
          "id": "obj-51",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1466.0,
            560.0,
            64.0
          ],
          "text": "keep voice [on] - Keep a drum's steps from the current loop in the next loops, however they are made (generate, drumify, vary). Before there is a loop (a device's stored toggle replayed as a set loads), the keep waits quietly and takes the first loop's steps."
        }
      },
      {
        "box": {
          "id": "obj-52",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1538.0,
            380.0,
            22.0
          ],
          "text": "play"
        }
      },
      {
        "box": {
          "id": "obj-53",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1538.0,
            560.0,
            64.0
          ],
          "text": "play - Play the loop from the top, looping (asks for a loop first if there is none). A downbeat drawn a little early sounds at once, so the first beat is never lost. With a transport running (Live, Link, a MIDI clock), it joins the transport in phase, after a stop too."
        }
      },
      {
        "box": {
          "id": "obj-54",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1610.0,
            380.0,
            22.0
          ],
          "text": "stop"
        }
      },
      {
        "box": {
          "id": "obj-55",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1610.0,
            560.0,
            50.0
          ],
          "text": "stop - Stop; held notes are released, none shorter than the gate: a stop on the bar line comes after the next downbeat has gone out (drawn early, or on the line), and it sounds its gate as a final hit."
        }
      },
      {
        "box": {
          "id": "obj-56",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1668.0,
            380.0,
            22.0
          ],
          "text": "transport 1 120 0"
        }
      },
      {
        "box": {
          "id": "obj-57",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1668.0,
            560.0,
            50.0
          ],
          "text": "transport running bpm beats - Follow a host transport (Max and Live send this by themselves): play in time with it while it runs, at its tempo; stop when it stops; then the object's own tempo again."
        }
      },
      {
        "box": {
          "id": "obj-58",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1726.0,
            380.0,
            22.0
          ],
          "text": "clock 248"
        }
      },
      {
        "box": {
          "id": "obj-59",
          "linecount": 6,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1726.0,
            560.0,
            92.0
          ],
          "text": "clock byte - Follow a MIDI clock: [midirealtimein] (Pd) or [rtin] (Max) into [clock $1(. Its 24 pulses per beat set the tempo and the position (fitted over the last two beats, so a jittery clock plays steady); start and continue start the loop with it (on the next pulse, which is the downbeat: at the object's own tempo until a second pulse tells the clock's, for a clock that sends no pulse while stopped), stop stops it (as 'transport' does; 'sync 0' ignores it)."
        }
      },
      {
        "box": {
          "id": "obj-60",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1826.0,
            380.0,
            22.0
          ],
          "text": "songpos 16"
        }
      },
      {
        "box": {
          "id": "obj-61",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1826.0,
            560.0,
            36.0
          ],
          "text": "songpos sixteenths - Where a MIDI clock's 'continue' picks up (the song position pointer, sent before it)."
        }
      },
      {
        "box": {
          "id": "obj-62",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1870.0,
            380.0,
            22.0
          ],
          "text": "tap_tempo"
        }
      },
      {
        "box": {
          "id": "obj-63",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1870.0,
            560.0,
            50.0
          ],
          "text": "tap_tempo - Tap the tempo: two taps or more (a bang, a pad, a foot switch) set it, fitted over the last 8; a pause of 2 s starts a new count. A running transport or MIDI clock leads instead."
        }
      },
      {
        "box": {
          "id": "obj-64",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1928.0,
            380.0,
            22.0
          ],
          "text": "sync 1"
        }
      },
      {
        "box": {
          "id": "obj-65",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1928.0,
            560.0,
            22.0
          ],
          "text": "sync on - Whether 'transport' is followed. (also @sync at creation)"
        }
      },
      {
        "box": {
          "id": "obj-66",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1958.0,
            380.0,
            22.0
          ],
          "text": "tempo 96"
        }
      },
      {
        "box": {
          "id": "obj-67",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1958.0,
            560.0,
            36.0
          ],
          "text": "tempo bpm - Tempo, at once, keeping the position in the loop. (also @tempo at creation)"
        }
      },
      {
        "box": {
          "id": "obj-68",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2002.0,
            380.0,
            22.0
          ],
          "text": "temperature 0.8"
        }
      },
      {
        "box": {
          "id": "obj-69",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2002.0,
            560.0,
            22.0
          ],
          "text": "temperature t - How adventurous new loops are. (also @temperature at creation)"
        }
      },
      {
        "box": {
          "id": "obj-70",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2032.0,
            380.0,
            22.0
          ],
          "text": "seed 7"
        }
      },
      {
        "box": {
          "id": "obj-71",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2032.0,
            560.0,
            22.0
          ],
          "text": "seed [n] - Fix the seed: the same gestures then give the same loop."
        }
      },
      {
        "box": {
          "id": "obj-72",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2062.0,
            380.0,
            22.0
          ],
          "text": "gate 50"
        }
      },
      {
        "box": {
          "id": "obj-73",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2062.0,
            560.0,
            22.0
          ],
          "text": "gate ms - How long each note is held before its note-off. (also @gate at creation)"
        }
      },
      {
        "box": {
          "id": "obj-74",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2092.0,
            380.0,
            22.0
          ],
          "text": "blocking 0"
        }
      },
      {
        "box": {
          "id": "obj-75",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2092.0,
            560.0,
            36.0
          ],
          "text": "blocking on - 0: the model runs on a worker thread (live; default). 1: it runs before the message returns. (also @blocking at creation)"
        }
      },
      {
        "box": {
          "id": "obj-76",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2136.0,
            380.0,
            22.0
          ],
          "text": "load models/groove"
        }
      },
      {
        "box": {
          "id": "obj-77",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2136.0,
            560.0,
            50.0
          ],
          "text": "load path - Load a trained model; the old one plays on until the new one is ready, and the loops it makes from then on take over at the loop boundary as any new loop does."
        }
      },
      {
        "box": {
          "id": "obj-78",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2194.0,
            380.0,
            22.0
          ],
          "text": "reload"
        }
      },
      {
        "box": {
          "id": "obj-79",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2194.0,
            560.0,
            22.0
          ],
          "text": "reload - Load the current model folder again (after retraining)."
        }
      },
      {
        "box": {
          "id": "obj-80",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2224.0,
            380.0,
            22.0
          ],
          "text": "library my-models"
        }
      },
      {
        "box": {
          "id": "obj-81",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2224.0,
            560.0,
            50.0
          ],
          "text": "library path - Where 'train' writes new models, and where 'models' and 'load NAME' look: your model library. Checked on the worker at once: answered 'library PATH MODELS', or an error."
        }
      },
      {
        "box": {
          "id": "obj-82",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2282.0,
            380.0,
            22.0
          ],
          "text": "train loops"
        }
      },
      {
        "box": {
          "id": "obj-83",
          "linecount": 9,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2282.0,
            560.0,
            134.0
          ],
          "text": "train [folder] [name...] - Teach the model your feel: fine-tune the model that plays on your loops (seconds for a few loops, about a minute for forty; it plays on meanwhile), every fifth loop held out to compare where there are five or more. Reports 'training FILES WINDOWS HELD-OUT EPOCHS' (the files and 2-bar windows it learns from, the files held out), then 'progress EPOCH EPOCHS SECONDS-LEFT LOSS [HELD-OUT]' each pass (lower is closer; the held-out loss is the one to watch), then 'trained NAME SECONDS [BEFORE AFTER]' (the held-out loops' negative log-likelihood under the old model and the new: lower is closer) once the model is whole in the library. 'load NAME' plays it."
        }
      },
      {
        "box": {
          "id": "obj-84",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2424.0,
            380.0,
            22.0
          ],
          "text": "cancel"
        }
      },
      {
        "box": {
          "id": "obj-85",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2424.0,
            560.0,
            36.0
          ],
          "text": "cancel - Stop a training: within a moment it answers 'cancelled train' and nothing is written. (With nothing training it does nothing.)"
        }
      },
      {
        "box": {
          "id": "obj-86",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2468.0,
            380.0,
            22.0
          ],
          "text": "models"
        }
      },
      {
        "box": {
          "id": "obj-87",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2468.0,
            560.0,
            22.0
          ],
          "text": "models - List the model library: answered 'models NAME...' (none: an empty list)."
        }
      },
      {
        "box": {
          "id": "obj-88",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2498.0,
            380.0,
            22.0
          ],
          "text": "rules"
        }
      },
      {
        "box": {
          "id": "obj-89",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2498.0,
            560.0,
            22.0
          ],
          "text": "rules - Use the rule-based drum machine instead of a model."
        }
      },
      {
        "box": {
          "id": "obj-90",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2528.0,
            380.0,
            22.0
          ],
          "text": "kit synth"
        }
      },
      {
        "box": {
          "id": "obj-91",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2528.0,
            560.0,
            22.0
          ],
          "text": "kit path - The kit renders use."
        }
      },
      {
        "box": {
          "id": "obj-92",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2558.0,
            380.0,
            22.0
          ],
          "text": "render drums"
        }
      },
      {
        "box": {
          "id": "obj-93",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2558.0,
            560.0,
            50.0
          ],
          "text": "render [name] - Render the current loop to audio at the host's sample rate (loops seamlessly). A loop whose hits would peak over -1 dBFS is turned down as a whole, so it never clips the output."
        }
      },
      {
        "box": {
          "id": "obj-94",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2616.0,
            380.0,
            22.0
          ],
          "text": "dump"
        }
      },
      {
        "box": {
          "id": "obj-95",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2616.0,
            560.0,
            22.0
          ],
          "text": "dump - Report model, tempo, gestures and what is playing on the info outlet."
        }
      },
      {
        "box": {
          "id": "obj-96",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 3,
          "outlettype": [
            "list",
            "",
            ""
          ],
          "patching_rect": [
            20.0,
            2656.0,
            121.0,
            22.0
          ],
          "text": "bandmate.groove"
        }
      },
      {
        "box": {
          "id": "obj-97",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            2706.0,
            93.0,
            22.0
          ],
          "text": "print notes"
        }
      },
      {
        "box": {
          "id": "obj-98",
          "maxclass": "newobj",
          "numinlets": 7,
          "numoutlets": 2,
          "outlettype": [
            "int",
            ""
          ],
          "patching_rect": [
            20.0,
            2742.0,
            107.0,
            22.0
          ],
          "text": "midiformat 10"
        }
      },
      {
        "box": {
          "id": "obj-99",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            2778.0,
            65.0,
            22.0
          ],
          "text": "midiout"
        }
      },
      {
        "box": {
          "id": "obj-100",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            2818.0,
            310.0,
            50.0
          ],
          "text": "outlet 1: notes - note velocity pairs for [makenote]/[noteout]: velocity 0 is the note-off; each at its exact time"
        }
      },
      {
        "box": {
          "id": "obj-101",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            350.0,
            2706.0,
            86.0,
            22.0
          ],
          "text": "print info"
        }
      },
      {
        "box": {
          "id": "obj-102",
          "linecount": 13,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            350.0,
            2746.0,
            310.0,
            190.0
          ],
          "text": "outlet 2: info - loop VOICE 32-velocities, offset VOICE 32-offsets, reading score|velocity|offset|accent ..., ready TASK SEED, swing8 PERCENT (the grid the offsets are against), cycle N SWITCHED, loaded NAME, tapped ..., dataset PATH, tagged LABEL FILE, item/entry/data ... (data), library PATH MODELS, models NAME..., training FILES WINDOWS HELD-OUT EPOCHS, progress EPOCH EPOCHS SECONDS-LEFT LOSS [HELD-OUT], skipped FILE WHY, trained NAME SECONDS [BEFORE AFTER], cancelled train, status ..., error TEXT"
        }
      },
      {
        "box": {
          "id": "obj-103",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            680.0,
            2710.0,
            310.0,
            36.0
          ],
          "text": "outlet 3: dumpout - attribute values: getattr NAME answers NAME value"
        }
      },
      {
        "box": {
          "id": "obj-104",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "float",
            "bang"
          ],
          "patching_rect": [
            20.0,
            2972.0,
            156.0,
            22.0
          ],
          "text": "buffer~ drums 1000 2"
        }
      },
      {
        "box": {
          "id": "obj-105",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3008.0,
            600.0,
            22.0
          ],
          "text": "the loop: each drum's velocity on each of the 32 steps"
        }
      },
      {
        "box": {
          "id": "obj-106",
          "maxclass": "newobj",
          "numinlets": 2,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            660.0,
            3034.0,
            86.0,
            22.0
          ],
          "text": "route loop"
        }
      },
      {
        "box": {
          "id": "obj-107",
          "maxclass": "newobj",
          "numinlets": 2,
          "numoutlets": 10,
          "outlettype": [
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            ""
          ],
          "patching_rect": [
            660.0,
            3064.0,
            520.0,
            22.0
          ],
          "text": "route kick snare closed_hat open_hat low_tom mid_tom high_tom crash ride"
        }
      },
      {
        "box": {
          "id": "obj-108",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3034.0,
            90.0,
            22.0
          ],
          "text": "kick"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-109",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3034.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-110",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3054.0,
            90.0,
            22.0
          ],
          "text": "snare"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-111",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3054.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-112",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3074.0,
            90.0,
            22.0
          ],
          "text": "closed_hat"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-113",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3074.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-114",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3094.0,
            90.0,
            22.0
          ],
          "text": "open_hat"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-115",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3094.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-116",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3114.0,
            90.0,
            22.0
          ],
          "text": "low_tom"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-117",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3114.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-118",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3134.0,
            90.0,
            22.0
          ],
          "text": "mid_tom"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-119",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3134.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-120",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3154.0,
            90.0,
            22.0
          ],
          "text": "high_tom"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-121",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3154.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-122",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3174.0,
            90.0,
            22.0
          ],
          "text": "crash"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-123",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3174.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-124",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3194.0,
            90.0,
            22.0
          ],
          "text": "ride"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-125",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3194.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-126",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3224.0,
            600.0,
            22.0
          ],
          "text": "the model's reading of the score: how likely each drum plays each step"
        }
      },
      {
        "box": {
          "id": "obj-127",
          "maxclass": "newobj",
          "numinlets": 2,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            660.0,
            3250.0,
            107.0,
            22.0
          ],
          "text": "route reading"
        }
      },
      {
        "box": {
          "id": "obj-128",
          "maxclass": "newobj",
          "numinlets": 2,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            750.0,
            3250.0,
            93.0,
            22.0
          ],
          "text": "route score"
        }
      },
      {
        "box": {
          "id": "obj-129",
          "maxclass": "newobj",
          "numinlets": 2,
          "numoutlets": 10,
          "outlettype": [
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            ""
          ],
          "patching_rect": [
            660.0,
            3280.0,
            520.0,
            22.0
          ],
          "text": "route kick snare closed_hat open_hat low_tom mid_tom high_tom crash ride"
        }
      },
      {
        "box": {
          "id": "obj-130",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3250.0,
            90.0,
            22.0
          ],
          "text": "kick"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-131",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3250.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-132",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3270.0,
            90.0,
            22.0
          ],
          "text": "snare"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-133",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3270.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-134",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3290.0,
            90.0,
            22.0
          ],
          "text": "closed_hat"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-135",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3290.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-136",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3310.0,
            90.0,
            22.0
          ],
          "text": "open_hat"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-137",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3310.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-138",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3330.0,
            90.0,
            22.0
          ],
          "text": "low_tom"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-139",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3330.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-140",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3350.0,
            90.0,
            22.0
          ],
          "text": "mid_tom"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-141",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3350.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-142",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3370.0,
            90.0,
            22.0
          ],
          "text": "high_tom"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-143",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3370.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-144",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3390.0,
            90.0,
            22.0
          ],
          "text": "crash"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-145",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3390.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-146",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3410.0,
            90.0,
            22.0
          ],
          "text": "ride"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-147",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3410.0,
            480.0,
            16.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-148",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3440.0,
            600.0,
            22.0
          ],
          "text": "its reading of the groove: how hard each step is hit"
        }
      },
      {
        "box": {
          "id": "obj-149",
          "maxclass": "newobj",
          "numinlets": 2,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            660.0,
            3466.0,
            107.0,
            22.0
          ],
          "text": "route reading"
        }
      },
      {
        "box": {
          "id": "obj-150",
          "maxclass": "newobj",
          "numinlets": 2,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            750.0,
            3466.0,
            114.0,
            22.0
          ],
          "text": "route velocity"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-151",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3466.0,
            480.0,
            30.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-152",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3516.0,
            600.0,
            22.0
          ],
          "text": "its reading of the timing: early (down) or late (up), in steps"
        }
      },
      {
        "box": {
          "id": "obj-153",
          "maxclass": "newobj",
          "numinlets": 2,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            660.0,
            3542.0,
            107.0,
            22.0
          ],
          "text": "route reading"
        }
      },
      {
        "box": {
          "id": "obj-154",
          "maxclass": "newobj",
          "numinlets": 2,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            750.0,
            3542.0,
            100.0,
            22.0
          ],
          "text": "route offset"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-155",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3542.0,
            480.0,
            30.0
          ],
          "setminmax": [
            -0.5,
            0.5
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-156",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3592.0,
            600.0,
            22.0
          ],
          "text": "its reading of the accents"
        }
      },
      {
        "box": {
          "id": "obj-157",
          "maxclass": "newobj",
          "numinlets": 2,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            660.0,
            3618.0,
            107.0,
            22.0
          ],
          "text": "route reading"
        }
      },
      {
        "box": {
          "id": "obj-158",
          "maxclass": "newobj",
          "numinlets": 2,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            750.0,
            3618.0,
            100.0,
            22.0
          ],
          "text": "route accent"
        }
      },
      {
        "box": {
          "contdata": 1,
          "id": "obj-159",
          "ignoreclick": 1,
          "maxclass": "multislider",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "",
            ""
          ],
          "patching_rect": [
            110.0,
            3618.0,
            480.0,
            30.0
          ],
          "setminmax": [
            0.0,
            1.0
          ],
          "setstyle": 1,
          "size": 32
        }
      },
      {
        "box": {
          "id": "obj-160",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            3678.0,
            960.0,
            22.0
          ],
          "text": "bandmate - drums from your gestures. Groove MIDI Dataset (Magenta, CC BY 4.0) trained the bundled model. See docs/objects.md."
        }
      }
    ],
    "classnamespace": "box",
    "default_fontface": 0,
    "default_fontname": "Arial",
    "default_fontsize": 12.0,
    "description": "",
    "devicewidth": 0.0,
    "digest": "",
    "enablehscroll": 1,
    "enablevscroll": 1,
    "fileversion": 1,
    "gridonopen": 1,
    "gridsize": [
      15.0,
      15.0
    ],
    "gridsnaponopen": 1,
    "lines": [
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-4",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-6",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-8",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-10",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-12",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-14",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-16",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-18",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-20",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-22",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-24",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-26",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-28",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-30",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-32",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-34",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-36",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-38",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-40",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-42",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-44",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-46",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-48",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-50",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-52",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-54",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-56",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-58",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-60",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-62",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-64",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-66",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-68",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-70",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-72",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-74",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-76",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-78",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-80",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-82",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-84",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-86",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-88",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-90",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-92",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-96",
            0
          ],
          "source": [
            "obj-94",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-97",
            0
          ],
          "source": [
            "obj-96",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-98",
            0
          ],
          "source": [
            "obj-96",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-99",
            0
          ],
          "source": [
            "obj-98",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-101",
            0
          ],
          "source": [
            "obj-96",
            1
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-106",
            0
          ],
          "source": [
            "obj-96",
            1
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-107",
            0
          ],
          "source": [
            "obj-106",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-109",
            0
          ],
          "source": [
            "obj-107",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-111",
            0
          ],
          "source": [
            "obj-107",
            1
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-113",
            0
          ],
          "source": [
            "obj-107",
            2
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-115",
            0
          ],
          "source": [
            "obj-107",
            3
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-117",
            0
          ],
          "source": [
            "obj-107",
            4
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-119",
            0
          ],
          "source": [
            "obj-107",
            5
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-121",
            0
          ],
          "source": [
            "obj-107",
            6
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-123",
            0
          ],
          "source": [
            "obj-107",
            7
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-125",
            0
          ],
          "source": [
            "obj-107",
            8
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-127",
            0
          ],
          "source": [
            "obj-96",
            1
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-128",
            0
          ],
          "source": [
            "obj-127",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-129",
            0
          ],
          "source": [
            "obj-128",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-131",
            0
          ],
          "source": [
            "obj-129",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-133",
            0
          ],
          "source": [
            "obj-129",
            1
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-135",
            0
          ],
          "source": [
            "obj-129",
            2
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-137",
            0
          ],
          "source": [
            "obj-129",
            3
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-139",
            0
          ],
          "source": [
            "obj-129",
            4
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-141",
            0
          ],
          "source": [
            "obj-129",
            5
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-143",
            0
          ],
          "source": [
            "obj-129",
            6
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-145",
            0
          ],
          "source": [
            "obj-129",
            7
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-147",
            0
          ],
          "source": [
            "obj-129",
            8
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-149",
            0
          ],
          "source": [
            "obj-96",
            1
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-150",
            0
          ],
          "source": [
            "obj-149",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-151",
            0
          ],
          "source": [
            "obj-150",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-153",
            0
          ],
          "source": [
            "obj-96",
            1
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-154",
            0
          ],
          "source": [
            "obj-153",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-155",
            0
          ],
          "source": [
            "obj-154",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-157",
            0
          ],
          "source": [
            "obj-96",
            1
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-158",
            0
          ],
          "source": [
            "obj-157",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-159",
            0
          ],
          "source": [
            "obj-158",
            0
          ]
        }
      }
    ],
    "objectsnaponopen": 1,
    "openinpresentation": 0,
    "rect": [
      40.0,
      80.0,
      1000.0,
      900.0
    ],
    "statusbarvisible": 2,
    "style": "",
    "subpatcher_template": "",
    "tags": "",
    "toolbarvisible": 1
  }
}
