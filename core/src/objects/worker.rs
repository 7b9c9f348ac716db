//! The worker thread every object with slow work has (the groove's model, the looper's
//! corpus and choices, the fragment bank's imports): jobs go in, replies come out, and the
//! object counts the jobs still to be answered so its host knows to keep polling. Dropping the
//! worker closes its job queue and does not wait: the thread finishes the job it is on (a
//! generation, an import), takes no other, and ends on its own, dropping what it owns (a host
//! frees an object on its main thread, which must not freeze until a generation ends). The
//! thread owns everything it touches (`'static` jobs and closures), so nothing it uses is freed
//! under it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};

/// What an object reports when its worker is gone.
pub const STOPPED: &str = "the worker thread has stopped";

/// A worker thread with its two queues.
pub struct Worker<J, R> {
    jobs: Option<Sender<J>>,
    replies: Receiver<R>,
    /// Set when the worker is dropped: a [`serve`](Worker::serve) thread takes no other job.
    stop: Arc<AtomicBool>,
    /// Jobs handed over that will be answered, not answered yet.
    pending: usize,
}

impl<J: Send + 'static, R: Send + 'static> Worker<J, R> {
    /// A thread named `name` running `run` on the job queue and the reply queue (it returns
    /// when the job queue closes).
    pub fn spawn(
        name: &str,
        run: impl FnOnce(Receiver<J>, Sender<R>) + Send + 'static,
    ) -> Result<Worker<J, R>> {
        Worker::spawn_stopping(name, Arc::new(AtomicBool::new(false)), run)
    }

    fn spawn_stopping(
        name: &str,
        stop: Arc<AtomicBool>,
        run: impl FnOnce(Receiver<J>, Sender<R>) + Send + 'static,
    ) -> Result<Worker<J, R>> {
        let (job_tx, job_rx) = mpsc::channel::<J>();
        let (reply_tx, reply_rx) = mpsc::channel::<R>();
        // Detached: dropping the handle lets the thread run to its end unjoined.
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || run(job_rx, reply_tx))
            .map_err(|e| Error::invalid(format!("cannot start the worker thread: {e}")))?;
        Ok(Worker {
            jobs: Some(job_tx),
            replies: reply_rx,
            stop,
            pending: 0,
        })
    }

    /// A thread answering each job with what `handle` gives (`None`: no answer).
    pub fn serve(
        name: &str,
        mut handle: impl FnMut(J) -> Option<R> + Send + 'static,
    ) -> Result<Worker<J, R>> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        Worker::spawn_stopping(name, stop, move |jobs, replies| {
            for job in jobs {
                if stopped.load(Ordering::Acquire) {
                    break;
                }
                if let Some(r) = handle(job) {
                    if replies.send(r).is_err() {
                        break;
                    }
                }
            }
        })
    }
}

impl<J, R> Worker<J, R> {
    /// Hand a job over; `answered`: it will be answered, and counts as pending until
    /// [`answered`](Self::answered). An error (the thread is gone) says so in [`STOPPED`]'s
    /// words.
    pub fn send(&mut self, job: J, answered: bool) -> std::result::Result<(), String> {
        let Some(tx) = &self.jobs else {
            return Err(STOPPED.into());
        };
        tx.send(job).map_err(|_| STOPPED.to_string())?;
        if answered {
            self.pending += 1;
        }
        Ok(())
    }

    /// Jobs handed over and not answered yet.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// One pending job was answered.
    pub fn answered(&mut self) {
        self.pending = self.pending.saturating_sub(1);
    }

    /// A reply already there, if any (never waits).
    pub fn try_recv(&self) -> Option<R> {
        self.replies.try_recv().ok()
    }

    /// Wait for a reply, at most `timeout` (`None`: as long as it takes). `None` back: none
    /// came; if the thread has stopped, nothing is pending any more.
    pub fn recv(&mut self, timeout: Option<Duration>) -> Option<R> {
        let r = match timeout {
            None => self
                .replies
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
            Some(t) => self.replies.recv_timeout(t),
        };
        match r {
            Ok(r) => Some(r),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                self.pending = 0;
                None
            }
        }
    }
}

impl<J, R> Drop for Worker<J, R> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.jobs.take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_are_answered_and_counted_and_a_gone_thread_is_said() {
        let mut w: Worker<u32, u32> = Worker::serve("test", |j| (j > 0).then_some(j * 2)).unwrap();
        w.send(0, false).unwrap();
        w.send(21, true).unwrap();
        assert_eq!(w.pending(), 1);
        assert_eq!(w.recv(None), Some(42));
        w.answered();
        assert_eq!(w.pending(), 0);
        assert_eq!(
            w.recv(Some(Duration::from_millis(10))),
            None,
            "no answer to 0"
        );
        let mut dead: Worker<u32, u32> = Worker::spawn("dead", |_, _| {}).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(dead.send(1, true), Err(STOPPED.to_string()));
    }

    #[test]
    fn dropping_does_not_wait_for_the_job_in_hand_and_the_thread_ends_by_itself() {
        let (ran_tx, ran) = mpsc::channel::<u32>();
        let (_, ended) = {
            let (end_tx, end_rx) = mpsc::channel::<()>();
            let mut w: Worker<u32, u32> = Worker::serve("slow", move |j| {
                let _alive = &end_tx; // dropped with the thread's closure
                std::thread::sleep(Duration::from_millis(400));
                ran_tx.send(j).unwrap();
                Some(j)
            })
            .unwrap();
            w.send(1, true).unwrap();
            w.send(2, true).unwrap();
            std::thread::sleep(Duration::from_millis(50)); // job 1 is in hand
            let t = std::time::Instant::now();
            drop(w);
            assert!(
                t.elapsed() < Duration::from_millis(200),
                "drop waited {:?} for the job in hand",
                t.elapsed()
            );
            ((), end_rx)
        };
        // the thread finishes job 1, takes not job 2, and ends (its closure dropped)
        assert_eq!(
            ended.recv_timeout(Duration::from_secs(5)),
            Err(RecvTimeoutError::Disconnected)
        );
        assert_eq!(ran.try_iter().collect::<Vec<_>>(), vec![1]);
    }
}
