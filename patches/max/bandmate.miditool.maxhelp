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
          "text": "[bandmate.miditool] - The groove model as a Live 12 MIDI Tool (Max for Live): between live.miditool.in and live.miditool.out, it humanizes, swings, accents or drumifies the notes of a clip (Transformation) or generates, fills or infills its time selection (Generator)."
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
          "text": "A Live 12 MIDI Tool: it runs inside a Generator or Transformation device (bandmate-generate.amxd, bandmate-transform.amxd), between [live.miditool.in] (notes and context into the inlet) and [live.miditool.out] (the left outlet). Choose the tool and its settings here; Live sends the notes when you press Apply in the clip's Transform or Generate tab, and the answer goes back at once. Outside Live, [live.miditool.in] sends nothing."
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
          "text": "Attributes, also set at creation: @temperature @seed @swing @boost @beats (e.g. [bandmate.miditool @temperature 1])."
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
          "text": "tool humanize"
        }
      },
      {
        "box": {
          "id": "obj-5",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            160.0,
            560.0,
            22.0
          ],
          "text": "tool name - The tool the next notes go through."
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
            190.0,
            380.0,
            22.0
          ],
          "text": "temperature 1"
        }
      },
      {
        "box": {
          "id": "obj-7",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            190.0,
            560.0,
            36.0
          ],
          "text": "temperature t - How freely the model plays (humanize, drumify, generate, infill). (also @temperature at creation)"
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
            234.0,
            380.0,
            22.0
          ],
          "text": "seed 2"
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
            234.0,
            560.0,
            36.0
          ],
          "text": "seed n - Which of the model's playings: change it for another take. (also @seed at creation)"
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
            278.0,
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
            278.0,
            560.0,
            36.0
          ],
          "text": "swing percent - Swing: where each off-beat 16th falls in its pair of 16ths. (also @swing at creation)"
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
            322.0,
            380.0,
            22.0
          ],
          "text": "accents quarters"
        }
      },
      {
        "box": {
          "id": "obj-13",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            322.0,
            560.0,
            36.0
          ],
          "text": "accents pattern - Accent: which steps of each bar (backbeat: 2 and 4; quarters; downbeat: 1; offbeats: the 'and's; eighths)."
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
            366.0,
            380.0,
            22.0
          ],
          "text": "boost 1.25"
        }
      },
      {
        "box": {
          "id": "obj-15",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            366.0,
            560.0,
            36.0
          ],
          "text": "boost times - Accent: how much louder the accented notes play (at most velocity 127). (also @boost at creation)"
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
            410.0,
            380.0,
            22.0
          ],
          "text": "beats 2"
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
            410.0,
            560.0,
            36.0
          ],
          "text": "beats n - Fill: how many beats at the end of the time selection become the fill. (also @beats at creation)"
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
            454.0,
            380.0,
            22.0
          ],
          "text": "style funk"
        }
      },
      {
        "box": {
          "id": "obj-19",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            454.0,
            560.0,
            36.0
          ],
          "text": "style [name] - Generate and drumify: the style asked for (the trained model's styles)."
        }
      },
      {
        "box": {
          "id": "obj-20",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 3,
          "outlettype": [
            "",
            "",
            ""
          ],
          "patching_rect": [
            420.0,
            508.0,
            128.0,
            22.0
          ],
          "text": "live.miditool.in"
        }
      },
      {
        "box": {
          "id": "obj-21",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            620.0,
            508.0,
            360.0,
            22.0
          ],
          "text": "[live.miditool.in]: its outlets [0, 1] into the inlet"
        }
      },
      {
        "box": {
          "id": "obj-22",
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
            548.0,
            135.0,
            22.0
          ],
          "text": "bandmate.miditool"
        }
      },
      {
        "box": {
          "id": "obj-23",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            598.0,
            135.0,
            22.0
          ],
          "text": "live.miditool.out"
        }
      },
      {
        "box": {
          "id": "obj-24",
          "linecount": 5,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            638.0,
            310.0,
            78.0
          ],
          "text": "outlet 1: notes - dictionary NAME for live.miditool.out: the notes Live takes back (a Transformation: every note it gave, changed; a Generator: what goes into the time selection)"
        }
      },
      {
        "box": {
          "id": "obj-25",
          "maxclass": "newobj",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            350.0,
            598.0,
            86.0,
            22.0
          ],
          "text": "print info"
        }
      },
      {
        "box": {
          "id": "obj-26",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            350.0,
            638.0,
            310.0,
            64.0
          ],
          "text": "outlet 2: info - applied TOOL NOTES (what went back to Live); model NAME (loaded); error TEXT (and Live got its notes back unchanged)"
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
            680.0,
            602.0,
            310.0,
            36.0
          ],
          "text": "outlet 3: dumpout - attribute values: getattr NAME answers NAME value"
        }
      },
      {
        "box": {
          "id": "obj-28",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            762.0,
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
            "obj-22",
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
            "obj-22",
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
            "obj-22",
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
            "obj-22",
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
            "obj-22",
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
            "obj-22",
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
            "obj-22",
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
            "obj-22",
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
            "obj-22",
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
            "obj-22",
            0
          ],
          "source": [
            "obj-20",
            1
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
            "obj-22",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-25",
            0
          ],
          "source": [
            "obj-22",
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
      834.0
    ],
    "statusbarvisible": 2,
    "style": "",
    "subpatcher_template": "",
    "tags": "",
    "toolbarvisible": 1
  }
}
