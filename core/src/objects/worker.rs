//! The worker thread every object with slow work has (the groove's model, the looper's
//! corpus and choices, the fragment bank's imports): jobs go in, replies come out, and the
//! object counts the jobs still to be answered so its host knows to keep polling. Dropping the
//! worker closes its job queue and joins the thread.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::{Error, Result};

/// What an object reports when its worker is gone.
pub const STOPPED: &str = "the worker thread has stopped";

/// A worker thread with its two queues.
pub struct Worker<J, R> {
    jobs: Option<Sender<J>>,
    replies: Receiver<R>,
    thread: Option<JoinHandle<()>>,
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
        let (job_tx, job_rx) = mpsc::channel::<J>();
        let (reply_tx, reply_rx) = mpsc::channel::<R>();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || run(job_rx, reply_tx))
            .map_err(|e| Error::invalid(format!("cannot start the worker thread: {e}")))?;
        Ok(Worker {
            jobs: Some(job_tx),
            replies: reply_rx,
            thread: Some(thread),
            pending: 0,
        })
    }

    /// A thread answering each job with what `handle` gives (`None`: no answer).
    pub fn serve(
        name: &str,
        mut handle: impl FnMut(J) -> Option<R> + Send + 'static,
    ) -> Result<Worker<J, R>> {
        Worker::spawn(name, move |jobs, replies| {
            for job in jobs {
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
        self.jobs.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
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
}
