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
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 1,
          "outlettype": [
            "bang"
          ],
          "patching_rect": [
            20.0,
            112.0,
            72.0,
            22.0
          ],
          "text": "loadbang"
        }
      },
      {
        "box": {
          "id": "obj-4",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            110.0,
            112.0,
            400.0,
            22.0
          ],
          "text": "clicks 'read loop.wav' when this patcher opens"
        }
      },
      {
        "box": {
          "id": "obj-5",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            154.0,
            380.0,
            22.0
          ],
          "text": "read loop.wav"
        }
      },
      {
        "box": {
          "id": "obj-6",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            154.0,
            560.0,
            22.0
          ],
          "text": "read path [slot] - Load a WAV file into a slot."
        }
      },
      {
        "box": {
          "id": "obj-7",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            184.0,
            380.0,
            22.0
          ],
          "text": "array drums"
        }
      },
      {
        "box": {
          "id": "obj-8",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            184.0,
            560.0,
            36.0
          ],
          "text": "array name [slot] - Take a copy of arrays (e.g. what [bandmate.groove] rendered) into a slot."
        }
      },
      {
        "box": {
          "id": "obj-9",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            228.0,
            380.0,
            22.0
          ],
          "text": "trigger 1"
        }
      },
      {
        "box": {
          "id": "obj-10",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            228.0,
            560.0,
            22.0
          ],
          "text": "trigger slot - Play a slot once from the start (again: restart it)."
        }
      },
      {
        "box": {
          "id": "obj-11",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            258.0,
            380.0,
            22.0
          ],
          "text": "loop 1"
        }
      },
      {
        "box": {
          "id": "obj-12",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            258.0,
            560.0,
            22.0
          ],
          "text": "loop slot [on] - Loop a slot (starts it if silent); the loop point is crossfaded."
        }
      },
      {
        "box": {
          "id": "obj-13",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            288.0,
            380.0,
            22.0
          ],
          "text": "stop 1"
        }
      },
      {
        "box": {
          "id": "obj-14",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            288.0,
            560.0,
            22.0
          ],
          "text": "stop [slot] - Stop a slot (a short fade, no click)."
        }
      },
      {
        "box": {
          "id": "obj-15",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            318.0,
            380.0,
            22.0
          ],
          "text": "rate 1 0.5"
        }
      },
      {
        "box": {
          "id": "obj-16",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            318.0,
            560.0,
            36.0
          ],
          "text": "rate slot rate - Playback speed of a slot (tape-style: half-time is an octave down)."
        }
      },
      {
        "box": {
          "id": "obj-17",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            362.0,
            380.0,
            22.0
          ],
          "text": "gain 1 0.8"
        }
      },
      {
        "box": {
          "id": "obj-18",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            362.0,
            560.0,
            22.0
          ],
          "text": "gain slot gain - Level of a slot."
        }
      },
      {
        "box": {
          "id": "obj-19",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            392.0,
            380.0,
            22.0
          ],
          "text": "dump"
        }
      },
      {
        "box": {
          "id": "obj-20",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            392.0,
            560.0,
            22.0
          ],
          "text": "dump - Report every slot on the info outlet."
        }
      },
      {
        "box": {
          "id": "obj-21",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            422.0,
            380.0,
            22.0
          ],
          "text": "array loop"
        }
      },
      {
        "box": {
          "id": "obj-22",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            422.0,
            560.0,
            36.0
          ],
          "text": "array name [slot] - a copy of [buffer~ loop] (loop.wav, read by the buffer~) into the oldest slot."
        }
      },
      {
        "box": {
          "id": "obj-23",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 3,
          "outlettype": [
            "signal",
            "signal",
            ""
          ],
          "patching_rect": [
            20.0,
            476.0,
            114.0,
            22.0
          ],
          "text": "bandmate.frag~"
        }
      },
      {
        "box": {
          "id": "obj-24",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            530.0,
            310.0,
            36.0
          ],
          "text": "outlet 1: left (signal) - left channel of all slots mixed"
        }
      },
      {
        "box": {
          "id": "obj-25",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            350.0,
            530.0,
            310.0,
            36.0
          ],
          "text": "outlet 2: right (signal) - right channel (a mono fragment plays on both)"
        }
      },
      {
        "box": {
          "id": "obj-26",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            680.0,
            526.0,
            86.0,
            22.0
          ],
          "text": "print info"
        }
      },
      {
        "box": {
          "id": "obj-27",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            680.0,
            566.0,
            310.0,
            64.0
          ],
          "text": "outlet 3: info - loaded SLOT NAME FRAMES SAMPLERATE, started SLOT, ended SLOT, slot SLOT NAME FRAMES LOOPING RATE GAIN PLAYING, error TEXT"
        }
      },
      {
        "box": {
          "id": "obj-28",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "float",
            "bang"
          ],
          "patching_rect": [
            20.0,
            666.0,
            163.0,
            22.0
          ],
          "text": "buffer~ loop loop.wav"
        }
      },
      {
        "box": {
          "id": "obj-29",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 2,
          "outlettype": [
            "float",
            "bang"
          ],
          "patching_rect": [
            20.0,
            702.0,
            156.0,
            22.0
          ],
          "text": "buffer~ drums 1000 2"
        }
      },
      {
        "box": {
          "id": "obj-30",
          "maxclass": "ezdac~",
          "numinlets": 2,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            738.0,
            45.0,
            45.0
          ]
        }
      },
      {
        "box": {
          "id": "obj-31",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            808.0,
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
            "obj-23",
            0
          ],
          "source": [
            "obj-5",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-23",
            0
          ],
          "source": [
            "obj-7",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-23",
            0
          ],
          "source": [
            "obj-9",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-23",
            0
          ],
          "source": [
            "obj-11",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-23",
            0
          ],
          "source": [
            "obj-13",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-23",
            0
          ],
          "source": [
            "obj-15",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-23",
            0
          ],
          "source": [
            "obj-17",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-23",
            0
          ],
          "source": [
            "obj-19",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-23",
            0
          ],
          "source": [
            "obj-21",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-5",
            0
          ],
          "source": [
            "obj-3",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-26",
            0
          ],
          "source": [
            "obj-23",
            2
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-30",
            0
          ],
          "source": [
            "obj-23",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-30",
            1
          ],
          "source": [
            "obj-23",
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
      880.0
    ],
    "statusbarvisible": 2,
    "style": "",
    "subpatcher_template": "",
    "tags": "",
    "toolbarvisible": 1
  }
}
