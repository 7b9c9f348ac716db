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
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            10.0,
            960.0,
            50.0
          ],
          "text": "[bandmate.accomp] - An accompanist that listens: give it a chord track and play; it plays a bass line and inner voices (and a melody when you let it play alone) over the chords, a chunk ahead of the playhead, shaped by what you just played. A small anticipatory transformer trained on Bach chorales (models/accomp)."
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
            66.0,
            960.0,
            36.0
          ],
          "text": "Attributes, also set at creation: @transpose @beats @chordsplit @chordchannel @listen @delta2 @temperature @harmony @velocity @tempo @sync @blocking (e.g. [bandmate.accomp @tempo 100])."
        }
      },
      {
        "box": {
          "id": "obj-3",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            118.0,
            380.0,
            22.0
          ],
          "text": "chords C:maj7 A:min7 D:min7 G:7"
        }
      },
      {
        "box": {
          "id": "obj-4",
          "linecount": 5,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            118.0,
            560.0,
            78.0
          ],
          "text": "chords track... - The chord track, repeated: one chord a bar by default ('beats'), or as long as the number after it says ('C:maj7 A:min7 2 D:min7 2 G:7'). Stopped: it starts at the first chord. Playing: its first chord comes on the first bar line after the chords the model already knows (about two beats ahead); the track before plays until then."
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
            204.0,
            380.0,
            22.0
          ],
          "text": "chordfile chords.mid"
        }
      },
      {
        "box": {
          "id": "obj-6",
          "linecount": 5,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            204.0,
            560.0,
            78.0
          ],
          "text": "chordfile path - The chord track from a MIDI file: the notes sounding in each beat (every channel but 10, the drums) named as a chord (the same templates as the symbols: the most of its tones, the fewest others), a beat with too few notes keeping the chord before, repeated chords joined. Answered with 'chords N BEATS'; it takes over as 'chords' does."
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
            290.0,
            380.0,
            22.0
          ],
          "text": "transpose 2"
        }
      },
      {
        "box": {
          "id": "obj-8",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            290.0,
            560.0,
            64.0
          ],
          "text": "transpose semitones - Play the chord track this many semitones up: the same progression in another key (0 = as given), going on where it is. Heard after the chords the model already knows (about two beats ahead). (also @transpose at creation)"
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
            362.0,
            380.0,
            22.0
          ],
          "text": "beats 4"
        }
      },
      {
        "box": {
          "id": "obj-10",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            362.0,
            560.0,
            36.0
          ],
          "text": "beats n - How long a chord lasts when 'chords' gives it no length (4: one chord a bar). For the next 'chords'. (also @beats at creation)"
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
            406.0,
            380.0,
            22.0
          ],
          "text": "note 67 100 1"
        }
      },
      {
        "box": {
          "id": "obj-12",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            406.0,
            560.0,
            64.0
          ],
          "text": "note key velocity [channel] - What you play (from [notein]; a list KEY VELOCITY [CHANNEL] does the same): heard 'delta2' after you play it, it shapes the chunks that follow. Ignored with 'listen 0' and while stopped. A note below 'chordsplit' or on 'chordchannel' is a chord note instead."
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
            478.0,
            380.0,
            22.0
          ],
          "text": "chordsplit 60"
        }
      },
      {
        "box": {
          "id": "obj-14",
          "linecount": 9,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            478.0,
            560.0,
            134.0
          ],
          "text": "chordsplit key - Chords played live, from the left hand as on an arranger keyboard: the keys held below this key are named as a chord once a change settles (100 ms after the last key struck or let go: a legato change's old keys are up by then, common tones held over still down; a note added to a chord held counts with it), the same templates as 'chordfile'; it becomes the chord track (said as 'chordin SYMBOL'). Releasing the keys keeps the chord. A chord played is heard from the first beat the model does not know yet: about two to three beats later at 'delta2' 1, so play a change a little early, or record the progression with 'chordrec' and it is heard on time. 'transpose' moves it too. (also @chordsplit at creation)"
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
            620.0,
            380.0,
            22.0
          ],
          "text": "chordchannel 16"
        }
      },
      {
        "box": {
          "id": "obj-16",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            620.0,
            560.0,
            64.0
          ],
          "text": "chordchannel ch - Chords played live on their own MIDI channel (a second keyboard, a chord clip sent on its own channel): every note on this channel ('note KEY VELOCITY CHANNEL') is a chord note, as with 'chordsplit'. (also @chordchannel at creation)"
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
            692.0,
            380.0,
            22.0
          ],
          "text": "chordrec 4"
        }
      },
      {
        "box": {
          "id": "obj-18",
          "linecount": 9,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            692.0,
            560.0,
            134.0
          ],
          "text": "chordrec bars - Record the chords you play ('chordsplit', 'chordchannel') for this many bars from the next bar line (stopped: from the bar the song starts on, by 'play' or a host transport; a 'stop' while recording starts it again at the next start), then loop them as the chord track, in phase with what you played: from then on every change is heard on time. Each beat takes the chord held on it (a change played up to half a beat late counts from the beat). Said as 'chordrec BARS BAR' when recording starts (BAR counted from 0; 0 when stopped) and 'chords N BEATS' when the loop takes over. While the loop plays, chords played do not replace it: 'chordrec 0' lets them lead again ('chords' and 'chordfile' replace it too)."
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
            834.0,
            380.0,
            22.0
          ],
          "text": "program bass 33"
        }
      },
      {
        "box": {
          "id": "obj-20",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            834.0,
            560.0,
            50.0
          ],
          "text": "program name n - The program (sound) of a part: a program change 'program N CHANNEL' on the info outlet ([route program] into [pgmout]) and on the daemon's MIDI port, at once, at every 'play' and when the part's channel changes."
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
            892.0,
            380.0,
            22.0
          ],
          "text": "part bass 1"
        }
      },
      {
        "box": {
          "id": "obj-22",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            892.0,
            560.0,
            50.0
          ],
          "text": "part name on - Which parts it plays (bass and inner voices by default; the melody only with 'listen 0', where nobody else plays it). A part off is muted: the model still writes it, so the others keep their places. From the next beat (chunk)."
        }
      },
      {
        "box": {
          "id": "obj-23",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            950.0,
            380.0,
            22.0
          ],
          "text": "channel bass 2"
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
            420.0,
            950.0,
            560.0,
            36.0
          ],
          "text": "channel name ch - The MIDI channel a part's notes leave on (bass 2, inner 3, melody 4 by default; your own notes on 1). From the next beat (chunk)."
        }
      },
      {
        "box": {
          "id": "obj-25",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            994.0,
            380.0,
            22.0
          ],
          "text": "listen 1"
        }
      },
      {
        "box": {
          "id": "obj-26",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            994.0,
            560.0,
            50.0
          ],
          "text": "listen on - 1: it hears your notes and plays bass and inner voices around them. 0: it plays alone, the melody too (parts: bass inner melody). Starts it again from the next chunk. (also @listen at creation)"
        }
      },
      {
        "box": {
          "id": "obj-27",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1052.0,
            380.0,
            22.0
          ],
          "text": "delta2 1"
        }
      },
      {
        "box": {
          "id": "obj-28",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1052.0,
            560.0,
            64.0
          ],
          "text": "delta2 beats - How far ahead it generates, which is also how late it hears you: a chunk of this many beats is made while the one before plays. Shorter follows you sooner; longer gives the model more time (a slow computer at a fast tempo). Starts it again from the next chunk. (also @delta2 at creation)"
        }
      },
      {
        "box": {
          "id": "obj-29",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1124.0,
            380.0,
            22.0
          ],
          "text": "temperature 1"
        }
      },
      {
        "box": {
          "id": "obj-30",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1124.0,
            560.0,
            64.0
          ],
          "text": "temperature t - How freely it plays (1 by default, chosen on held-out music played for minutes: lower plays the likeliest notes, which over minutes get busy, 16ths and repeated notes; higher, more surprises). From the next chunk. (also @temperature at creation)"
        }
      },
      {
        "box": {
          "id": "obj-31",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1196.0,
            380.0,
            22.0
          ],
          "text": "harmony 0.5"
        }
      },
      {
        "box": {
          "id": "obj-32",
          "linecount": 4,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1196.0,
            560.0,
            64.0
          ],
          "text": "harmony h - How strongly the parts keep to the chord sounding (0.5 by default: then about as many of its notes are chord tones as in the music it learned from; 0 = the model as trained, more passing notes and surprises; 1 = chord tones almost only). From the next chunk. (also @harmony at creation)"
        }
      },
      {
        "box": {
          "id": "obj-33",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1268.0,
            380.0,
            22.0
          ],
          "text": "velocity 80"
        }
      },
      {
        "box": {
          "id": "obj-34",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1268.0,
            560.0,
            36.0
          ],
          "text": "velocity v - How loud its notes are. From the next beat (chunk). (also @velocity at creation)"
        }
      },
      {
        "box": {
          "id": "obj-35",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1312.0,
            380.0,
            22.0
          ],
          "text": "fallback hold"
        }
      },
      {
        "box": {
          "id": "obj-36",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1312.0,
            560.0,
            36.0
          ],
          "text": "fallback what - What plays for a chunk that is not ready at its start (a slow computer, a model still loading), with 'late CHUNK' on the info outlet."
        }
      },
      {
        "box": {
          "id": "obj-37",
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
          "text": "random 7"
        }
      },
      {
        "box": {
          "id": "obj-38",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1356.0,
            560.0,
            50.0
          ],
          "text": "random [n] - Fix the random seed: the same chords, notes, seed and settings then give the same parts. Stopped: for the next start (made again now); playing: from the next restart."
        }
      },
      {
        "box": {
          "id": "obj-39",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1414.0,
            380.0,
            22.0
          ],
          "text": "play"
        }
      },
      {
        "box": {
          "id": "obj-40",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1414.0,
            560.0,
            36.0
          ],
          "text": "play - Start at once, with the chunk made while stopped (else playing safe until the next). With a transport running, it joins the transport in phase."
        }
      },
      {
        "box": {
          "id": "obj-41",
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
          "text": "stop"
        }
      },
      {
        "box": {
          "id": "obj-42",
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
          "text": "stop - Stop; every sounding note gets its note-off. The next start is made ready at once."
        }
      },
      {
        "box": {
          "id": "obj-43",
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
          "text": "tempo 100"
        }
      },
      {
        "box": {
          "id": "obj-44",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1502.0,
            560.0,
            22.0
          ],
          "text": "tempo bpm - Tempo, at once, keeping the position. (also @tempo at creation)"
        }
      },
      {
        "box": {
          "id": "obj-45",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1532.0,
            380.0,
            22.0
          ],
          "text": "transport 1 100 0"
        }
      },
      {
        "box": {
          "id": "obj-46",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1532.0,
            560.0,
            50.0
          ],
          "text": "transport running bpm beats - Follow a host transport (Max and Live send this by themselves): the chord track's first chord is the song's first beat; a jump starts the accompanist again from the next chunk."
        }
      },
      {
        "box": {
          "id": "obj-47",
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
          "text": "clock 248"
        }
      },
      {
        "box": {
          "id": "obj-48",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1590.0,
            560.0,
            36.0
          ],
          "text": "clock byte - Follow a MIDI clock: [midirealtimein] (Pd) or [rtin] (Max) into [clock $1(, as the groove does."
        }
      },
      {
        "box": {
          "id": "obj-49",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1634.0,
            380.0,
            22.0
          ],
          "text": "songpos 16"
        }
      },
      {
        "box": {
          "id": "obj-50",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1634.0,
            560.0,
            36.0
          ],
          "text": "songpos sixteenths - Where a MIDI clock's 'continue' picks up (the song position pointer, sent before it)."
        }
      },
      {
        "box": {
          "id": "obj-51",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1678.0,
            380.0,
            22.0
          ],
          "text": "tap_tempo"
        }
      },
      {
        "box": {
          "id": "obj-52",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1678.0,
            560.0,
            36.0
          ],
          "text": "tap_tempo - Tap the tempo: two taps or more set it, fitted over the last 8; a pause of 2 s starts a new count."
        }
      },
      {
        "box": {
          "id": "obj-53",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1722.0,
            380.0,
            22.0
          ],
          "text": "sync 1"
        }
      },
      {
        "box": {
          "id": "obj-54",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1722.0,
            560.0,
            22.0
          ],
          "text": "sync on - Whether 'transport' is followed. (also @sync at creation)"
        }
      },
      {
        "box": {
          "id": "obj-55",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1752.0,
            380.0,
            22.0
          ],
          "text": "load models/accomp"
        }
      },
      {
        "box": {
          "id": "obj-56",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1752.0,
            560.0,
            36.0
          ],
          "text": "load path - Load an accompanist model (the bundled one, models/accomp, loads by itself). What plays goes on; the new model starts from the next chunk."
        }
      },
      {
        "box": {
          "id": "obj-57",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1796.0,
            380.0,
            22.0
          ],
          "text": "library my-models"
        }
      },
      {
        "box": {
          "id": "obj-58",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1796.0,
            560.0,
            50.0
          ],
          "text": "library path - Where 'train' writes new accompanists, and where 'models' and 'load NAME' look: your model library (the groove's can be the same folder). Checked on a worker at once: answered 'library PATH MODELS', or an error."
        }
      },
      {
        "box": {
          "id": "obj-59",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1854.0,
            380.0,
            22.0
          ],
          "text": "train songs"
        }
      },
      {
        "box": {
          "id": "obj-60",
          "linecount": 9,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1854.0,
            560.0,
            134.0
          ],
          "text": "train folder [name...] - Teach the accompanist your songs: fine-tune the model that plays on them (each in 12 keys, accompanying your melody and alone; every fifth song held out to compare where there are five or more; about 2 s a step of 16 windows: two to three minutes for ten songs; it plays on meanwhile). Reports 'training SONGS SEQUENCES HELD-OUT EPOCHS', then 'progress EPOCH EPOCHS SECONDS-LEFT LOSS [HELD-OUT]' each pass (nats per note token; lower is closer), then 'trained NAME SECONDS [BEFORE AFTER]' (the held-out songs' negative log-likelihood per token under the old model and the new) once the model is whole in the library. 'load NAME' plays it."
        }
      },
      {
        "box": {
          "id": "obj-61",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            1996.0,
            380.0,
            22.0
          ],
          "text": "cancel"
        }
      },
      {
        "box": {
          "id": "obj-62",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            1996.0,
            560.0,
            36.0
          ],
          "text": "cancel - Stop a training: within a step it answers 'cancelled train' and nothing is written. (With nothing training it does nothing.)"
        }
      },
      {
        "box": {
          "id": "obj-63",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2040.0,
            380.0,
            22.0
          ],
          "text": "models"
        }
      },
      {
        "box": {
          "id": "obj-64",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2040.0,
            560.0,
            36.0
          ],
          "text": "models - List the accompanists in the model library: answered 'models NAME...' (none: an empty list)."
        }
      },
      {
        "box": {
          "id": "obj-65",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2084.0,
            380.0,
            22.0
          ],
          "text": "blocking 0"
        }
      },
      {
        "box": {
          "id": "obj-66",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2084.0,
            560.0,
            36.0
          ],
          "text": "blocking on - 0: chunks are made on a worker thread (live; default). 1: before the message or tick returns. (also @blocking at creation)"
        }
      },
      {
        "box": {
          "id": "obj-67",
          "maxclass": "message",
          "numinlets": 2,
          "numoutlets": 1,
          "outlettype": [
            ""
          ],
          "patching_rect": [
            20.0,
            2128.0,
            380.0,
            22.0
          ],
          "text": "dump"
        }
      },
      {
        "box": {
          "id": "obj-68",
          "linecount": 2,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            420.0,
            2128.0,
            560.0,
            36.0
          ],
          "text": "dump - Report the model, the chord track, the parts and settings, and how many chunks were late."
        }
      },
      {
        "box": {
          "id": "obj-69",
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
            2182.0,
            121.0,
            22.0
          ],
          "text": "bandmate.accomp"
        }
      },
      {
        "box": {
          "id": "obj-70",
          "linecount": 3,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            2236.0,
            310.0,
            50.0
          ],
          "text": "outlet 1: notes - note velocity channel lists for [noteout]: velocity 0 is the note-off; each at its exact time"
        }
      },
      {
        "box": {
          "id": "obj-71",
          "linecount": 14,
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            350.0,
            2236.0,
            310.0,
            204.0
          ],
          "text": "outlet 2: info - model NAME PARAMETERS, chords N BEATS, chordin SYMBOL (a chord played), chordrec BARS BAR (recording from bar BAR), program N CHANNEL (for [pgmout]), ready (stopped: the first chunk is made, play starts on the beat), chord SYMBOL (the chord changes), late CHUNK hold|rest (a chunk not ready at its start), restart CHUNK WHY, tempo BPM, library PATH MODELS, models NAME..., training SONGS SEQUENCES HELD-OUT EPOCHS, progress EPOCH EPOCHS SECONDS-LEFT LOSS [HELD-OUT], skipped FILE WHY, trained NAME SECONDS [BEFORE AFTER], cancelled train, status ..., error TEXT"
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
            2236.0,
            310.0,
            36.0
          ],
          "text": "outlet 3: dumpout - attribute values: getattr NAME answers NAME value"
        }
      },
      {
        "box": {
          "id": "obj-73",
          "maxclass": "comment",
          "numinlets": 1,
          "numoutlets": 0,
          "patching_rect": [
            20.0,
            2486.0,
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
            "obj-69",
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
            "obj-69",
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
            "obj-69",
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
            "obj-69",
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
            "obj-69",
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
            "obj-69",
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
            "obj-69",
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
            "obj-69",
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
            "obj-69",
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
            "obj-69",
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
            "obj-69",
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
            "obj-69",
            0
          ],
          "source": [
            "obj-25",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-27",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-29",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-31",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-33",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-35",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-37",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-39",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-41",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-43",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-45",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-47",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-49",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-51",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-53",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-55",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-57",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-59",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-61",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-63",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-65",
            0
          ]
        }
      },
      {
        "patchline": {
          "destination": [
            "obj-69",
            0
          ],
          "source": [
            "obj-67",
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
