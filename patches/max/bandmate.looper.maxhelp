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
          "text": "[bandmate.looper] - Loops from your own MIDI: point it at a folder of short MIDI loops, play a seed, and it plays from your corpus, repeating a segment or moving to a nearby one, never too far at once, while you play over it. You see (and can change) what is queued next."
        }
      },
      {
        "box": {
          "id": "obj-2",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            52.0,
            960.0,
            64.0
          ],
          "text": "'corpus loops' reads the example loops beside this patcher (use a folder of your own MIDI loops). Play a few bars in (or click the 'note' messages; a list from [notein] works too), click 'seed', then 'play'. The info outlet says what is playing and what is queued; 'next', 'hold' and 'queue N' change it. Notes leave as note-velocity-channel lists for [noteout]. 'map' draws the corpus below (the [jsui] reads bandmate.looper.map.js beside this patcher): click a place to play what is there."
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
            122.0,
            960.0,
            22.0
          ],
          "text": "Attributes, also set at creation: @repeat @temperature @step @avoid @follow @tempo @sync @gm @blocking (e.g. [bandmate.looper @tempo 96])."
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
            160.0,
            380.0,
            22.0
          ],
          "text": "corpus loops"
        }
      },
      {
        "box": {
          "id": "obj-5",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            160.0,
            560.0,
            50.0
          ],
          "text": "corpus path - Load your corpus: cut into loopable segments of 4 to 16 beats, kept in the folder (.bandmate-corpus) so it loads at once next time; only changed files are read again. What plays goes on until it is ready."
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
            218.0,
            380.0,
            22.0
          ],
          "text": "note 60 100 1"
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
            218.0,
            560.0,
            50.0
          ],
          "text": "note key velocity [channel] - What you play (from [notein]; a list KEY VELOCITY [CHANNEL] does the same): the seed, and what pulls the choice of the next segment (see follow)."
        }
      },
      {
        "box": {
          "id": "obj-8",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            276.0,
            380.0,
            22.0
          ],
          "text": "seed 10"
        }
      },
      {
        "box": {
          "id": "obj-9",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            276.0,
            560.0,
            36.0
          ],
          "text": "seed [seconds] - Start from what you just played: the nearest segment of the corpus becomes the start (while playing: the next one)."
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
            320.0,
            380.0,
            22.0
          ],
          "text": "play"
        }
      },
      {
        "box": {
          "id": "obj-11",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            320.0,
            560.0,
            50.0
          ],
          "text": "play - Start: from the seed, else near what you played, else anywhere in the corpus. With a transport running, it joins the transport in phase, after a stop too."
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
            378.0,
            380.0,
            22.0
          ],
          "text": "stop"
        }
      },
      {
        "box": {
          "id": "obj-13",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            378.0,
            560.0,
            50.0
          ],
          "text": "stop - Stop; every sounding note gets its note-off, none shorter than 50 ms: a note that began less than 50 ms ago (the next segment's first notes, on a stop at the boundary) ends 50 ms after it began."
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
          "text": "next"
        }
      },
      {
        "box": {
          "id": "obj-15",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            436.0,
            560.0,
            64.0
          ],
          "text": "next - Move on at the next boundary, never a repeat, however close to it this comes: with a move queued, another is chosen now, and the queued one stays until it comes (if it comes after the boundary, the queued one plays); with a repeat queued, or held, the move prepared with the last choice is queued at once."
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
            508.0,
            380.0,
            22.0
          ],
          "text": "hold 1"
        }
      },
      {
        "box": {
          "id": "obj-17",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            508.0,
            560.0,
            36.0
          ],
          "text": "hold [on] - Stay on the segment playing now: it repeats until released, each repeat with its playing line."
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
            552.0,
            380.0,
            22.0
          ],
          "text": "dataset my-loops"
        }
      },
      {
        "box": {
          "id": "obj-19",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            552.0,
            560.0,
            50.0
          ],
          "text": "dataset path - Where 'tag' keeps what you mark while playing: a dataset folder (it must exist), its manifest beside the loops. Checked on the worker at once: answered 'dataset PATH', or an error."
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
            610.0,
            380.0,
            22.0
          ],
          "text": "tag keeper"
        }
      },
      {
        "box": {
          "id": "obj-21",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            610.0,
            560.0,
            64.0
          ],
          "text": "tag [label...] - Keep what just played for the next training: the segment that plays (its notes on their channels) and what you played over its last cycle (on channel 1, on the segment's beats) as a MIDI file in the dataset folder, labelled. Answered with 'tagged LABEL FILE'."
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
            682.0,
            380.0,
            22.0
          ],
          "text": "queue 3"
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
            682.0,
            560.0,
            22.0
          ],
          "text": "queue segment - Play this segment next."
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
            712.0,
            380.0,
            22.0
          ],
          "text": "map pca"
        }
      },
      {
        "box": {
          "id": "obj-25",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            712.0,
            560.0,
            64.0
          ],
          "text": "map [how] - The map of the corpus: each segment placed by its reading (the corpus's embedding) on two axes, for a display or an XY pad. Answered 'point N X Y NAME' for each segment (X and Y from 0 to 1) then 'map SEGMENTS HOW'; 'choose X Y' then plays the nearest segment next."
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
            784.0,
            380.0,
            22.0
          ],
          "text": "choose 0.5 0.5"
        }
      },
      {
        "box": {
          "id": "obj-27",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            784.0,
            560.0,
            36.0
          ],
          "text": "choose x y - Play next the segment nearest this place on the map (after 'map'; a TouchOSC XY pad sends it): answered 'chose N NAME', then as 'queue'."
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
            828.0,
            380.0,
            22.0
          ],
          "text": "repeat 0.5"
        }
      },
      {
        "box": {
          "id": "obj-29",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            828.0,
            560.0,
            22.0
          ],
          "text": "repeat p - How often a segment plays again exactly. (also @repeat at creation)"
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
            858.0,
            380.0,
            22.0
          ],
          "text": "temperature 0.1"
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
            858.0,
            560.0,
            22.0
          ],
          "text": "temperature t - How freely it moves. (also @temperature at creation)"
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
            888.0,
            380.0,
            22.0
          ],
          "text": "step 0.5"
        }
      },
      {
        "box": {
          "id": "obj-33",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            888.0,
            560.0,
            22.0
          ],
          "text": "step distance - The largest move at once. (also @step at creation)"
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
            918.0,
            380.0,
            22.0
          ],
          "text": "avoid 4"
        }
      },
      {
        "box": {
          "id": "obj-35",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            918.0,
            560.0,
            22.0
          ],
          "text": "avoid n - Do not go back to any of the last N segments. (also @avoid at creation)"
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
            948.0,
            380.0,
            22.0
          ],
          "text": "follow 0.5"
        }
      },
      {
        "box": {
          "id": "obj-37",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            948.0,
            560.0,
            36.0
          ],
          "text": "follow amount - How much what you play pulls the choice of the next segment. (also @follow at creation)"
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
            992.0,
            380.0,
            22.0
          ],
          "text": "labels hiphop"
        }
      },
      {
        "box": {
          "id": "obj-39",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            992.0,
            560.0,
            36.0
          ],
          "text": "labels [label] [label2] [label3] [label4] - Follow labels: move only to segments with one of these labels; none = all."
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
            1036.0,
            380.0,
            22.0
          ],
          "text": "random 7"
        }
      },
      {
        "box": {
          "id": "obj-41",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1036.0,
            560.0,
            36.0
          ],
          "text": "random [n] - Fix the random seed: the same corpus, seed and controls then give the same choices (a scene keeps it: a recall draws from it again)."
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
            1080.0,
            380.0,
            22.0
          ],
          "text": "tempo 96"
        }
      },
      {
        "box": {
          "id": "obj-43",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1080.0,
            560.0,
            22.0
          ],
          "text": "tempo bpm - Tempo, at once, keeping the position. (also @tempo at creation)"
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
            1110.0,
            380.0,
            22.0
          ],
          "text": "transport 1 120 0"
        }
      },
      {
        "box": {
          "id": "obj-45",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1110.0,
            560.0,
            36.0
          ],
          "text": "transport running bpm beats - Follow a host transport (Max and Live send this by themselves): play in time with it while it runs; stop when it stops."
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
            1154.0,
            380.0,
            22.0
          ],
          "text": "clock 248"
        }
      },
      {
        "box": {
          "id": "obj-47",
          "linecount": 6,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1154.0,
            560.0,
            92.0
          ],
          "text": "clock byte - Follow a MIDI clock: [midirealtimein] (Pd) or [rtin] (Max) into [clock $1(. Its 24 pulses per beat set the tempo and the position (fitted over the last two beats, so a jittery clock plays steady); start and continue start the loop with it (on the next pulse, which is the downbeat: at the object's own tempo until a second pulse tells the clock's, for a clock that sends no pulse while stopped), stop stops it (as 'transport' does; 'sync 0' ignores it)."
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
            1254.0,
            380.0,
            22.0
          ],
          "text": "songpos 16"
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
            1254.0,
            560.0,
            36.0
          ],
          "text": "songpos sixteenths - Where a MIDI clock's 'continue' picks up (the song position pointer, sent before it)."
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
            1298.0,
            380.0,
            22.0
          ],
          "text": "tap_tempo"
        }
      },
      {
        "box": {
          "id": "obj-51",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1298.0,
            560.0,
            50.0
          ],
          "text": "tap_tempo - Tap the tempo: two taps or more (a bang, a pad, a foot switch) set it, fitted over the last 8; a pause of 2 s starts a new count. A running transport or MIDI clock leads instead."
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
            1356.0,
            380.0,
            22.0
          ],
          "text": "sync 1"
        }
      },
      {
        "box": {
          "id": "obj-53",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1356.0,
            560.0,
            22.0
          ],
          "text": "sync on - Whether 'transport' is followed. (also @sync at creation)"
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
            1386.0,
            380.0,
            22.0
          ],
          "text": "gm 1"
        }
      },
      {
        "box": {
          "id": "obj-55",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1386.0,
            560.0,
            64.0
          ],
          "text": "gm on - Drum notes (channel 10) as a General MIDI module plays them: the Roland TD-11 notes of the Groove MIDI Dataset that General MIDI lacks or means otherwise (22, 26, 58) become their drum's General MIDI note. From the next segment. (also @gm at creation)"
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
            1458.0,
            380.0,
            22.0
          ],
          "text": "blocking 0"
        }
      },
      {
        "box": {
          "id": "obj-57",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1458.0,
            560.0,
            36.0
          ],
          "text": "blocking on - 0: corpus building and choices run on a worker thread (live; default). 1: before the message returns. (also @blocking at creation)"
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
            1502.0,
            380.0,
            22.0
          ],
          "text": "dump"
        }
      },
      {
        "box": {
          "id": "obj-59",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1502.0,
            560.0,
            50.0
          ],
          "text": "dump - Report the corpus, the controls and what is playing and queued on the info outlet, as status lines (status segment N NAME BEATS, status queued N NAME DISTANCE REPEAT; the plain playing and queued lines mark the events themselves)."
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
            1560.0,
            380.0,
            22.0
          ],
          "text": "note 36 100 10"
        }
      },
      {
        "box": {
          "id": "obj-61",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1560.0,
            560.0,
            22.0
          ],
          "text": "note KEY VELOCITY [CHANNEL] - a kick you play (channel 10)."
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
            1590.0,
            380.0,
            22.0
          ],
          "text": "note 42 90 10"
        }
      },
      {
        "box": {
          "id": "obj-63",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1590.0,
            560.0,
            22.0
          ],
          "text": "another: a closed hat."
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
            1620.0,
            380.0,
            22.0
          ],
          "text": "note 38 110 10"
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
            1620.0,
            560.0,
            22.0
          ],
          "text": "another: a snare."
        }
      },
      {
        "box": {
          "id": "obj-66",
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
            1660.0,
            121.0,
            22.0
          ],
          "text": "bandmate.looper"
        }
      },
      {
        "box": {
          "id": "obj-67",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            1710.0,
            93.0,
            22.0
          ],
          "text": "print notes"
        }
      },
      {
        "box": {
          "id": "obj-68",
          "maxclass": "newobj",
          "numinlets": 3,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            1746.0,
            65.0,
            22.0
          ],
          "text": "noteout"
        }
      },
      {
        "box": {
          "id": "obj-69",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            1786.0,
            310.0,
            50.0
          ],
          "text": "outlet 1: notes - note velocity channel lists for [noteout]: velocity 0 is the note-off; each at its exact time"
        }
      },
      {
        "box": {
          "id": "obj-70",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            350.0,
            1710.0,
            86.0,
            22.0
          ],
          "text": "print info"
        }
      },
      {
        "box": {
          "id": "obj-71",
          "linecount": 7,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            350.0,
            1750.0,
            310.0,
            106.0
          ],
          "text": "outlet 2: info - playing N NAME BEATS (at every segment start, repeats too), queued N NAME DISTANCE REPEAT, corpus SEGMENTS FILES EMBEDDER, skipped FILE REASON, seeded N NAME DISTANCE, dataset PATH, tagged LABEL FILE, point N X Y NAME (map), map SEGMENTS HOW, chose N NAME, status ..., error TEXT"
        }
      },
      {
        "box": {
          "id": "obj-72",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            680.0,
            1714.0,
            310.0,
            36.0
          ],
          "text": "outlet 3: dumpout - attribute values: getattr NAME answers NAME value"
        }
      },
      {
        "box": {
          "filename": "bandmate.looper.map.js",
          "id": "obj-73",
          "maxclass": "jsui",
          "numinlets": 1,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "parameter_enable": 0,
          "patching_rect": [
            20.0,
            1892.0,
            220.0,
            220.0
          ]
        }
      },
      {
        "box": {
          "id": "obj-74",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            2142.0,
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-66",
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
            "obj-67",
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
            "obj-68",
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
            "obj-70",
            0
          ],
          "source": [
            "obj-66",
            1
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-73",
            0
          ],
          "source": [
            "obj-66",
            1
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-66",
            0
          ],
          "source": [
            "obj-73",
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
