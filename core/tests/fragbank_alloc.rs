//! The fragment bank's audio thread never touches the heap: `BankEngine::process` is run under a
//! counting global allocator while slots play, loop, retrigger, stop and get new fragments, and
//! must neither allocate nor free. Counting is per thread (armed around `process` only), so the
//! control side and other test threads are free to allocate.

use bandmate_core::fragbank::{bank, BankControl, BankEngine, BankEvent, Fragment};
use bandmate_core::Result;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::LocalKey;

struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    static FREES: Cell<usize> = const { Cell::new(0) };
}

fn note(counter: &'static LocalKey<Cell<usize>>) {
    // `try_with`: the thread's locals may be gone while it exits. Const-initialised locals with
    // no destructor need no allocation themselves.
    if ARMED.try_with(Cell::get).unwrap_or(false) {
        let _ = counter.try_with(|c| c.set(c.get() + 1));
    }
}

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(&ALLOCS);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(&ALLOCS);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(&ALLOCS);
        note(&FREES);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(&FREES);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Run one block with counting armed on this thread; the (allocations, frees) it made.
fn counted_process(engine: &mut BankEngine, left: &mut [f32], right: &mut [f32]) -> (usize, usize) {
    let before = (ALLOCS.with(Cell::get), FREES.with(Cell::get));
    ARMED.with(|a| a.set(true));
    engine.process(left, right);
    ARMED.with(|a| a.set(false));
    (
        ALLOCS.with(Cell::get) - before.0,
        FREES.with(Cell::get) - before.1,
    )
}

fn fragment(name: &str, frames: usize, channels: usize, rate: u32, freq: f64) -> Fragment {
    let ch = |phase: f64| {
        (0..frames)
            .map(|i| {
                (freq * i as f64 / f64::from(rate) * std::f64::consts::TAU + phase).sin() as f32
                    * 0.5
            })
            .collect()
    };
    Fragment::new(name, (0..channels).map(|c| ch(c as f64)).collect(), rate).unwrap()
}

/// The control thread's part of block `b`: commands of every kind, new fragments replacing
/// playing ones (so that the engine hands fragments back), events read.
fn script(c: &mut BankControl, b: usize, ended: &mut usize) -> Result<()> {
    let f = |name: &str, frames: usize, ch: usize, rate: u32| {
        fragment(name, frames, ch, rate, 220.0 + b as f64)
    };
    match b % 50 {
        0 => {
            c.load_into(0, f("a", 30_000, 2, 44_100))?;
            c.set_loop(0, true)?;
        }
        3 => {
            c.load_into(1, f("b", 2_000, 1, 22_050))?;
            c.set_rate(1, 0.5)?;
            c.trigger(1)?;
        }
        5 | 6 => c.trigger(1)?,
        8 => {
            c.load_into(2, f("c", 5_000, 2, 96_000))?;
            c.set_rate(2, 0.25)?;
            c.set_loop(2, true)?;
        }
        10 => {
            c.load_into(3, f("d", 700, 1, 48_000))?;
            c.set_loop(3, true)?;
            c.set_gain(3, 0.7)?;
        }
        // A new fragment into the oldest slot, while it loops: the old one fades and comes back.
        20 => {
            c.load(f("e", 9_000, 2, 32_000))?;
        }
        25 => c.trigger(0)?,
        30 => c.stop(2)?,
        31 => c.set_rate(3, 2.5)?,
        40 => c.stop_all()?,
        41 => {
            c.trigger(0)?;
            c.set_loop(0, false)?;
        }
        _ => {}
    }
    c.poll_events(|e| {
        if matches!(e, BankEvent::Ended(_)) {
            *ended += 1;
        }
    });
    Ok(())
}

#[test]
fn process_never_allocates_or_frees() {
    let (mut control, mut engine) = bank(4, 48_000.0).unwrap();
    let (mut left, mut right) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    let (mut allocs, mut frees, mut ended, mut peak) = (0, 0, 0, 0.0f32);
    // Odd block sizes too, and a DSP restart in the middle.
    let sizes = [64usize, 1, 63, 256, 128, 17];
    for b in 0..2_000 {
        script(&mut control, b, &mut ended).unwrap();
        if b == 1_000 {
            engine.set_sample_rate(44_100.0).unwrap();
        }
        let n = sizes[b % sizes.len()];
        let (a, f) = counted_process(&mut engine, &mut left[..n], &mut right[..n]);
        allocs += a;
        frees += f;
        peak = left[..n].iter().fold(peak, |m, s| m.max(s.abs()));
    }
    assert_eq!(
        (allocs, frees),
        (0, 0),
        "allocations and frees inside process"
    );
    // The run did what it claims: sound, slots ending, and the counter works.
    assert!(peak > 0.1, "peak {peak}");
    assert!(ended >= 40, "{ended} Ended events");
    let (a, f) = {
        ARMED.with(|a| a.set(true));
        let v = vec![1u8; 10];
        drop(v);
        ARMED.with(|a| a.set(false));
        (ALLOCS.with(Cell::get), FREES.with(Cell::get))
    };
    assert!(a >= 1 && f >= 1, "the counting allocator counts");
}

#[test]
fn fragments_are_freed_on_the_control_thread() {
    // A fragment the engine is done with goes back to the control side whole: the test keeps a
    // handle, and the count drops back to it once the engine has replaced the fragment.
    let (mut control, mut engine) = bank(2, 48_000.0).unwrap();
    let shared = Arc::new(fragment("x", 4_800, 2, 48_000, 440.0));
    control.load_into(0, Arc::clone(&shared)).unwrap();
    control.set_loop(0, true).unwrap();
    let (mut l, mut r) = (vec![0.0; 64], vec![0.0; 64]);
    for _ in 0..10 {
        assert_eq!(counted_process(&mut engine, &mut l, &mut r), (0, 0));
    }
    assert_eq!(
        Arc::strong_count(&shared),
        3,
        "ours, the slot's, the voice's"
    );
    control
        .load_into(0, fragment("y", 100, 1, 48_000, 440.0))
        .unwrap();
    for _ in 0..10 {
        assert_eq!(counted_process(&mut engine, &mut l, &mut r), (0, 0));
    }
    assert_eq!(control.collect(), 2);
    assert_eq!(Arc::strong_count(&shared), 1);
}

#[test]
fn process_on_its_own_thread_never_allocates() {
    // As in Max: the control thread sends while the audio thread runs, concurrently.
    let (mut control, mut engine) = bank(4, 48_000.0).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let audio = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let (mut l, mut r) = (vec![0.0f32; 64], vec![0.0f32; 64]);
            let (mut allocs, mut frees, mut blocks) = (0, 0, 0usize);
            while !done.load(Ordering::Acquire) || blocks < 1_000 {
                let (a, f) = counted_process(&mut engine, &mut l, &mut r);
                allocs += a;
                frees += f;
                blocks += 1;
                std::thread::yield_now();
            }
            (allocs, frees, blocks)
        })
    };
    let mut ended = 0;
    for b in 0..3_000 {
        // The audio thread may lag: a full queue is refused (and a trigger of the slot whose
        // load was refused finds it empty); the script goes on.
        if let Err(e) = script(&mut control, b, &mut ended) {
            let e = e.to_string();
            assert!(
                e.contains("queue is full") || e.ends_with("is empty"),
                "{e}"
            );
        }
    }
    done.store(true, Ordering::Release);
    let (allocs, frees, blocks) = audio.join().unwrap();
    assert_eq!((allocs, frees), (0, 0), "over {blocks} blocks");
    control.collect();
}
