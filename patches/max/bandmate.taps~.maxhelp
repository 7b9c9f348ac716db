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
          "text": "[bandmate.taps~] - Taps from a microphone: clap, knock or beatbox a rhythm into the inlet; each attack leaves as 'tap VELOCITY AGO' for [bandmate.groove], with its velocity and its own time."
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
          "text": "Turn audio on and clap, knock or beatbox into the microphone ([adc~ 1] feeds the left inlet): each tap goes to [bandmate.groove] below as 'tap VELOCITY AGO', placed at the time it sounded. Then 'drumify' there."
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
          "text": "Attributes, also set at creation: @on @threshold @gate @gap (e.g. [bandmate.taps~ @on 1])."
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
          "text": "on 1"
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
          "text": "on on - Listen to the signal inlet or not (deaf: no taps, and nothing computed). (also @on at creation)"
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
          "text": "threshold 1.5"
        }
      },
      {
        "box": {
          "id": "obj-7",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            176.0,
            560.0,
            64.0
          ],
          "text": "threshold ratio - Sensitivity: a tap's onset strength (spectral flux) must rise this many times above its median over the last 0.3 s (1.5, the default, is the onset detector's own; raise it in a noisy room, lower it for soft taps). (also @threshold at creation)"
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
            248.0,
            380.0,
            22.0
          ],
          "text": "gate -40"
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
            248.0,
            560.0,
            36.0
          ],
          "text": "gate db - The quietest tap: a sound whose peak (over the 5 ms after its attack) stays below this is the room, not a tap. (also @gate at creation)"
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
            292.0,
            380.0,
            22.0
          ],
          "text": "gap 50"
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
            292.0,
            560.0,
            36.0
          ],
          "text": "gap ms - The shortest time from one tap to the next: what sounds sooner after a tap is part of it (a clap's flutter, a knock's rattle). (also @gap at creation)"
        }
      },
      {
        "box": {
          "id": "obj-12",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 3,
          "outlettype": [
            "",
            "",
            ""
          ],
          "patching_rect": [
            20.0,
            346.0,
            114.0,
            22.0
          ],
          "text": "bandmate.taps~"
        }
      },
      {
        "box": {
          "id": "obj-13",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 1,
          "outlettype": [
            "signal"
          ],
          "patching_rect": [
            420.0,
            346.0,
            58.0,
            22.0
          ],
          "text": "adc~ 1"
        }
      },
      {
        "box": {
          "id": "obj-14",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            396.0,
            86.0,
            22.0
          ],
          "text": "print taps"
        }
      },
      {
        "box": {
          "id": "obj-15",
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
            432.0,
            205.0,
            22.0
          ],
          "text": "bandmate.groove @blocking 1"
        }
      },
      {
        "box": {
          "id": "obj-16",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            468.0,
            100.0,
            22.0
          ],
          "text": "print groove"
        }
      },
      {
        "box": {
          "id": "obj-17",
          "linecount": 5,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            508.0,
            310.0,
            78.0
          ],
          "text": "outlet 1: taps - tap VELOCITY AGO for [bandmate.groove]: VELOCITY 1..127 from the attack's peak level, AGO the ms since the attack sounded (the detector's latency: the groove places the tap at its own time)"
        }
      },
      {
        "box": {
          "id": "obj-18",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            350.0,
            396.0,
            86.0,
            22.0
          ],
          "text": "print info"
        }
      },
      {
        "box": {
          "id": "obj-19",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            350.0,
            436.0,
            310.0,
            22.0
          ],
          "text": "outlet 2: info - error TEXT"
        }
      },
      {
        "box": {
          "id": "obj-20",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            680.0,
            400.0,
            310.0,
            36.0
          ],
          "text": "outlet 3: dumpout - attribute values: getattr NAME answers NAME value"
        }
      },
      {
        "box": {
          "id": "obj-21",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            632.0,
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
            "obj-12",
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
            "obj-12",
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
            "obj-12",
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
            "obj-12",
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
            "obj-12",
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
            "obj-14",
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
            "obj-15",
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
            "obj-16",
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
            "obj-18",
            0
          ],
          "source": [
            "obj-12",
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
      704.0
    ],
    "statusbarvisible": 2,
    "style": "",
    "subpatcher_template": "",
    "tags": "",
    "toolbarvisible": 1
  }
}
