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
          "text": "[bandmate.frag~] - A bank of audio fragments (4 slots by default): a new fragment replaces the oldest; trigger, loop, stop, half-time and quarter-time per slot, without clicks."
        }
      },
      {
        "box": {
          "id": "obj-2",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            52.0,
            960.0,
            50.0
          ],
          "text": "Turn audio on with the speaker button. loop.wav (beside this patcher) is read into a slot when it opens. 'array NAME' takes a copy of [buffer~ NAME]: fill buffer~ drums with [bandmate.groove] ('generate' then 'render drums'). Each new fragment goes into the oldest slot. Then trigger, loop, rate 1 0.5 (half-time)."
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
            108.0,
            960.0,
            22.0
          ],
          "text": "Attributes, also set at creation: @tempo @trim @threshold @gap @normalize @threads @steps @cfg @seed (e.g. [bandmate.frag~ @tempo 120])."
        }
      },
      {
        "box": {
          "id": "obj-4",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 1,
          "outlettype": [
            "bang"
          ],
          "patching_rect": [
            20.0,
            140.0,
            72.0,
            22.0
          ],
          "text": "loadbang"
        }
      },
      {
        "box": {
          "id": "obj-5",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            110.0,
            140.0,
            400.0,
            22.0
          ],
          "text": "clicks 'read loop.wav' when this patcher opens"
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
            182.0,
            380.0,
            22.0
          ],
          "text": "read loop.wav"
        }
      },
      {
        "box": {
          "id": "obj-7",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            182.0,
            560.0,
            22.0
          ],
          "text": "read path [slot] - Load a WAV file into a slot."
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
            212.0,
            380.0,
            22.0
          ],
          "text": "array drums"
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
            212.0,
            560.0,
            36.0
          ],
          "text": "array name [slot] - Take a copy of arrays (e.g. what [bandmate.groove] rendered) into a slot; an empty or silent one is refused."
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
            256.0,
            380.0,
            22.0
          ],
          "text": "trigger 1"
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
            256.0,
            560.0,
            36.0
          ],
          "text": "trigger slot - Play a slot once from the start (again: restart it, crossfading from what sounds, never louder than the louder of the two)."
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
            300.0,
            380.0,
            22.0
          ],
          "text": "loop 1"
        }
      },
      {
        "box": {
          "id": "obj-13",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            300.0,
            560.0,
            64.0
          ],
          "text": "loop slot [on] - Loop a slot (starts it if silent); the loop point is crossfaded. Switched as a one-shot ends, or a loop pass, it goes on or fades without a click. On an empty slot (a device's stored toggle replayed as a set loads) the switch is kept quietly: a fragment loaded there waits for trigger, then loops."
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
            372.0,
            380.0,
            22.0
          ],
          "text": "stop 1"
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
            372.0,
            560.0,
            22.0
          ],
          "text": "stop [slot] - Stop a slot (a short fade, no click)."
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
            402.0,
            380.0,
            22.0
          ],
          "text": "rate 1 0.5"
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
            402.0,
            560.0,
            36.0
          ],
          "text": "rate slot rate - Playback speed of a slot (tape-style: half-time is an octave down)."
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
            446.0,
            380.0,
            22.0
          ],
          "text": "gain 1 0.8"
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
            446.0,
            560.0,
            22.0
          ],
          "text": "gain slot gain - Level of a slot."
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
            476.0,
            380.0,
            22.0
          ],
          "text": "import loop.wav"
        }
      },
      {
        "box": {
          "id": "obj-21",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            476.0,
            560.0,
            50.0
          ],
          "text": "import path [slot] - Import a generated fragment: resampled to the host's rate, silences trimmed, fitted to the tempo grid (see quantize), loudness matched (see normalize); on a worker, nothing waits."
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
            534.0,
            380.0,
            22.0
          ],
          "text": "watch fragments"
        }
      },
      {
        "box": {
          "id": "obj-23",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            534.0,
            560.0,
            36.0
          ],
          "text": "watch [path] - Watch a folder: every new WAV file written there is imported into the next slot (files already there are left alone)."
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
            578.0,
            380.0,
            22.0
          ],
          "text": "stretch 1 2 keep"
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
            578.0,
            560.0,
            64.0
          ],
          "text": "stretch slot factor [mode] - Half-time and quarter-time: keep the pitch (a phase vocoder, computed on a worker, seamless at the loop point; a playing slot restarts from its start, a stopped one stays stopped, the rate stays as set) or slow down like tape (at once)."
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
            650.0,
            380.0,
            22.0
          ],
          "text": "quantize warp"
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
            650.0,
            560.0,
            36.0
          ],
          "text": "quantize mode - How imported fragments are fitted to the tempo grid, then cut to whole bars with a seamless loop point (left as they are when the tempo is unsure)."
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
            694.0,
            380.0,
            22.0
          ],
          "text": "tempo 120"
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
            694.0,
            560.0,
            36.0
          ],
          "text": "tempo bpm - The tempo imported fragments are fitted to (with quantize stretch or warp). (also @tempo at creation)"
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
            738.0,
            380.0,
            22.0
          ],
          "text": "trim 1"
        }
      },
      {
        "box": {
          "id": "obj-31",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            738.0,
            560.0,
            36.0
          ],
          "text": "trim on - Remove leading, trailing and long inner silences of imported fragments (short fades, no clicks). (also @trim at creation)"
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
            782.0,
            380.0,
            22.0
          ],
          "text": "threshold -50"
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
            782.0,
            560.0,
            22.0
          ],
          "text": "threshold db - Silence threshold for trimming. (also @threshold at creation)"
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
            812.0,
            380.0,
            22.0
          ],
          "text": "gap 1000"
        }
      },
      {
        "box": {
          "id": "obj-35",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            812.0,
            560.0,
            36.0
          ],
          "text": "gap ms - Shortest inner silence removed (default 1000: the rests of a sparse beat stay). (also @gap at creation)"
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
            856.0,
            380.0,
            22.0
          ],
          "text": "normalize -14"
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
            856.0,
            560.0,
            36.0
          ],
          "text": "normalize lufs - Bring imported fragments to one loudness so slots sit together in a mix. (also @normalize at creation)"
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
            900.0,
            380.0,
            22.0
          ],
          "text": "dump"
        }
      },
      {
        "box": {
          "id": "obj-39",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            900.0,
            560.0,
            22.0
          ],
          "text": "dump - Report every slot on the info outlet."
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
            930.0,
            380.0,
            22.0
          ],
          "text": "prompt laid-back hiphop 88 bpm ride no crash swing 58"
        }
      },
      {
        "box": {
          "id": "obj-41",
          "linecount": 5,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            930.0,
            560.0,
            78.0
          ],
          "text": "prompt text... - Describe the next fragment 'generate' makes. With a text-to-audio model ('model FOLDER'), any words, as you would prompt Stable Audio ('prompt' says them back). With none, the words describe a beat that the groove model plays in the kit: the words understood are said back ('understood ...'), the others too ('ignored ...')."
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
            1016.0,
            380.0,
            22.0
          ],
          "text": "generate 4"
        }
      },
      {
        "box": {
          "id": "obj-43",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1016.0,
            560.0,
            64.0
          ],
          "text": "generate [seconds] [slot] - Make a fragment from the prompt into a slot, on a worker (the bank plays on), prepared as an imported file is (trim, tempo, loudness). With a text-to-audio model, 'progress STEP OF' after each sampler step; 'cancel' stops it. Answered with 'generated SLOT SECONDS'."
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
            1088.0,
            380.0,
            22.0
          ],
          "text": "model models/sao-tiny"
        }
      },
      {
        "box": {
          "id": "obj-45",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1088.0,
            560.0,
            50.0
          ],
          "text": "model folder [precision] - The text-to-audio model 'generate' uses, loaded on the worker (the bank plays on). Answered 'model NAME MAX-SECONDS PRECISION', or 'model off'; a folder that will not load is an error and the model before stays."
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
            1146.0,
            380.0,
            22.0
          ],
          "text": "threads 2"
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
            1146.0,
            560.0,
            36.0
          ],
          "text": "threads n - How many threads the text-to-audio model computes on. A model already loaded is loaded again with them. (also @threads at creation)"
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
            1190.0,
            380.0,
            22.0
          ],
          "text": "steps 8"
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
            1190.0,
            560.0,
            36.0
          ],
          "text": "steps n - Sampler steps of text-to-audio generation: more is slower; a distilled model wants few. (also @steps at creation)"
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
            1234.0,
            380.0,
            22.0
          ],
          "text": "cfg 1"
        }
      },
      {
        "box": {
          "id": "obj-51",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1234.0,
            560.0,
            36.0
          ],
          "text": "cfg x - Classifier-free guidance of text-to-audio generation (above 1, each step runs the model twice). (also @cfg at creation)"
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
            1278.0,
            380.0,
            22.0
          ],
          "text": "cancel"
        }
      },
      {
        "box": {
          "id": "obj-53",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1278.0,
            560.0,
            36.0
          ],
          "text": "cancel - Stop the text-to-audio generation under way within one sampler step, and any asked for before; the bank plays on. Answered 'cancelled STEP OF'."
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
            1322.0,
            380.0,
            22.0
          ],
          "text": "seed 7"
        }
      },
      {
        "box": {
          "id": "obj-55",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1322.0,
            560.0,
            36.0
          ],
          "text": "seed n - Which take 'generate' makes: the same prompt and seed give the same fragment. (also @seed at creation)"
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
            1366.0,
            380.0,
            22.0
          ],
          "text": "array loop"
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
            1366.0,
            560.0,
            36.0
          ],
          "text": "array name [slot] - a copy of [buffer~ loop] (loop.wav, read by the buffer~) into the oldest slot."
        }
      },
      {
        "box": {
          "id": "obj-58",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 4,
          "outlettype": [
            "signal",
            "signal",
            "",
            ""
          ],
          "patching_rect": [
            20.0,
            1420.0,
            114.0,
            22.0
          ],
          "text": "bandmate.frag~"
        }
      },
      {
        "box": {
          "id": "obj-59",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            1474.0,
            310.0,
            36.0
          ],
          "text": "outlet 1: left (signal) - left channel of all slots mixed"
        }
      },
      {
        "box": {
          "id": "obj-60",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            350.0,
            1474.0,
            310.0,
            36.0
          ],
          "text": "outlet 2: right (signal) - right channel (a mono fragment plays on both)"
        }
      },
      {
        "box": {
          "id": "obj-61",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            680.0,
            1470.0,
            86.0,
            22.0
          ],
          "text": "print info"
        }
      },
      {
        "box": {
          "id": "obj-62",
          "linecount": 12,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            680.0,
            1510.0,
            310.0,
            176.0
          ],
          "text": "outlet 3: info - loaded SLOT NAME FRAMES SAMPLERATE, prepared SLOT NAME BPM CONFIDENCE QUANTIZED SECONDS-TRIMMED, summary WORDS... (what the import did, in one line), understood WORDS... and ignored WORDS... (what a prompt said), prompt WORDS... (with a text-to-audio model), model NAME MAX-SECONDS PRECISION (or model off), progress STEP OF, cancelled STEP OF, generated SLOT SECONDS, stretched SLOT FACTOR MODE, watching PATH, started SLOT, ended SLOT, slot SLOT NAME FRAMES LOOPING RATE GAIN PLAYING, error TEXT"
        }
      },
      {
        "box": {
          "id": "obj-63",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            1010.0,
            1474.0,
            310.0,
            36.0
          ],
          "text": "outlet 4: dumpout - attribute values: getattr NAME answers NAME value"
        }
      },
      {
        "box": {
          "id": "obj-64",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "float",
            "bang"
          ],
          "patching_rect": [
            20.0,
            1722.0,
            163.0,
            22.0
          ],
          "text": "buffer~ loop loop.wav"
        }
      },
      {
        "box": {
          "id": "obj-65",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "float",
            "bang"
          ],
          "patching_rect": [
            20.0,
            1758.0,
            156.0,
            22.0
          ],
          "text": "buffer~ drums 1000 2"
        }
      },
      {
        "box": {
          "id": "obj-66",
          "maxclass": "ezdac~",
          "numinlets": 2,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            1794.0,
            45.0,
            45.0
          ]
        }
      },
      {
        "box": {
          "id": "obj-67",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            1864.0,
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-58",
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
            "obj-6",
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
            "obj-61",
            0
          ],
          "source": [
            "obj-58",
            2
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
            1
          ],
          "source": [
            "obj-58",
            1
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
