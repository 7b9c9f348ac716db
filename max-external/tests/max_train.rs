//! Training in the mock Max host: `[bandmate.groove]` fine-tunes the model that plays on a
//! folder of loops on its own thread (the scheduler's clock keeps polling), reports progress
//! on the info outlet, writes into the library, lists it and loads it by name (the library
//! is where a bare name is found, after the patcher's folder and Max's search path); `cancel`,
//! and freeing the object half-way, leave nothing written and no thread behind that touches
//! it. `[bandmate.accomp]` the same way: its training asked from the scheduler's thread,
//! cancelled from the main one.

mod harness;

use harness::MaxDir;

#[test]
fn trains_lists_loads_and_cancels_in_max() {
    let max = MaxDir::new("train");
    let loops = max.path("loops");
    std::fs::create_dir_all(&loops).unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/pd/loops");
    for e in std::fs::read_dir(&src).unwrap() {
        let f = e.unwrap().path();
        std::fs::copy(&f, loops.join(f.file_name().unwrap())).unwrap();
    }
    // the accompanist's songs
    let songs = max.path("songs");
    std::fs::create_dir_all(&songs).unwrap();
    std::fs::copy(
        src.join("../songs/song-in-c.mid"),
        songs.join("song-in-c.mid"),
    )
    .unwrap();
    let lib = max.path("models-mine");
    let lib2 = max.path("models-two");
    let script = format!(
        "patcher {dir}\n\
         new g bandmate.groove\n\
         send g library {lib}\n\
         send g train loops mine\n\
         new h bandmate.groove\n\
         send h library {lib2}\n\
         sendsched h train loops two\n\
         new k bandmate.groove\n\
         send k library {lib2}\n\
         send k train loops freed\n\
         new a bandmate.accomp\n\
         send a library {lib2}\n\
         sendsched a train songs three\n\
         advance 10\n\
         sleep 200\n\
         advance 10\n\
         send h cancel\n\
         send a cancel\n\
         free k\n\
         sleep 8000\n\
         advance 100\n\
         send g models\n\
         send a models\n\
         send g load mine\n\
         sleep 1500\n\
         advance 100\n\
         send g seed 2\n\
         send g generate\n\
         sleep 1500\n\
         advance 100\n",
        dir = max.path("").display(),
        lib = lib.display(),
        lib2 = lib2.display(),
    );
    let out = max.run(&script);
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(out.fatal().is_none(), "{}", out.text());
    let info = |id: &str| -> Vec<String> {
        out.outs_of(id, 1)
            .into_iter()
            .map(|o| {
                format!("{} {}", o.sel, o.atoms.join(" "))
                    .trim()
                    .to_string()
            })
            .collect()
    };
    let g = info("g");
    let progress = g.iter().filter(|l| l.starts_with("progress ")).count();
    assert_eq!(progress, 20, "{g:?}");
    assert!(g.iter().any(|l| l.starts_with("training 4 ")), "{g:?}");
    assert!(g.iter().any(|l| l.starts_with("trained mine ")), "{g:?}");
    assert!(g.contains(&"models mine".to_string()), "{g:?}");
    assert!(g.contains(&"loaded mine".to_string()), "{g:?}");
    assert!(g.iter().any(|l| l.starts_with("ready generate")), "{g:?}");
    assert!(lib.join("mine/model.json").is_file());
    // cancelled from the main thread, asked from the scheduler's: nothing written; nor by
    // the one freed while it trained
    assert!(
        info("h").contains(&"cancelled train".to_string()),
        "{:?}",
        info("h")
    );
    // the accompanist, cancelled too (from the main thread, asked from the scheduler's)
    let a = info("a");
    assert!(a.contains(&"cancelled train".to_string()), "{a:?}");
    assert!(a.contains(&"models".to_string()), "{a:?}");
    let left: Vec<_> = std::fs::read_dir(&lib2)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    assert!(out.errors().is_empty(), "{:?}", out.errors());
}
