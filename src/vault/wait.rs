//! Waiting for the vault to finish a long-running change: one bounded poll loop shared by
//! secrets and keys (soft delete and recovery) and meant for certificates too (deletion,
//! recovery, and the pending operation of a create).
//!
//! The real service finishes deletes and recovers asynchronously: right after `DELETE
//! /secrets/{name}` answers 200, `GET /deletedsecrets/{name}` answers 404 until the move is done,
//! and a purge or re-create in that window answers 409 `ObjectIsBeingDeleted` (NOTES.md §5). The
//! SDKs poll the target object until it is there; so does [`Client::poll_until`].

use crate::error::{Error, ErrorKind, Result};
use crate::http::{Request, Response};
use crate::vault::client::Client;
use std::time::{Duration, Instant};

/// First delay between two polls.
pub const FIRST_POLL_DELAY: Duration = Duration::from_millis(200);
/// Longest delay between two polls (the delay doubles from [`FIRST_POLL_DELAY`] up to this).
pub const MAX_POLL_DELAY: Duration = Duration::from_secs(2);

/// What one poll found.
#[derive(Debug)]
pub enum Poll<T> {
    /// The change has finished; the wait returns this value.
    Done(T),
    /// Not finished yet; poll again after a delay (if the deadline allows).
    Pending,
}

/// Judges a poll of an object that appears when the change finishes (a deleted object in the
/// deleted collection, a recovered object in the live one): a 2xx reply means done, 404 means
/// still in progress, 403 counts as done (the caller may lack get permission, as the SDKs
/// assume); any other error ends the wait with that error.
pub fn until_present(reply: Result<Response>) -> Result<Poll<()>> {
    match reply {
        Ok(_) => Ok(Poll::Done(())),
        Err(e) if e.http_status == 403 => Ok(Poll::Done(())),
        Err(e) if e.http_status == 404 => Ok(Poll::Pending),
        Err(e) => Err(e),
    }
}

/// The message of a wait that ran out of time; names the deadline.
fn timeout_error(what: &str, timeout: Duration, polls: u32) -> Error {
    Error::new(
        ErrorKind::Timeout,
        format!(
            "{what}: not finished by the deadline of {} ms (polled {polls} times); wait longer or check the vault",
            timeout.as_millis()
        ),
    )
}

impl Client {
    /// Polls `request` until `judge` answers [`Poll::Done`] or fails, sleeping 200 ms, then
    /// doubling up to 2 s, between polls. Polls at least once; when `timeout` has passed and the
    /// change is still pending, fails with `ErrorKind::Timeout` and a message naming `what` and the
    /// deadline. Errors from `judge` get `what` as context.
    pub fn poll_until<T>(
        &self,
        request: &Request,
        timeout: Duration,
        what: &str,
        mut judge: impl FnMut(Result<Response>) -> Result<Poll<T>>,
    ) -> Result<T> {
        let deadline = Instant::now().checked_add(timeout);
        let mut delay = FIRST_POLL_DELAY;
        let mut polls = 0u32;
        loop {
            polls = polls.saturating_add(1);
            match judge(self.pipeline.send(request)).map_err(|e| e.context(what))? {
                Poll::Done(value) => return Ok(value),
                Poll::Pending => {}
            }
            let now = Instant::now();
            let left = match deadline {
                Some(d) if now >= d => return Err(timeout_error(what, timeout, polls)),
                Some(d) => d - now,
                None => delay,
            };
            self.pipeline.sleep(delay.min(left), what)?;
            delay = (delay * 2).min(MAX_POLL_DELAY);
        }
    }

    /// Waits until the object `request` reads is there ([`until_present`]).
    pub fn wait_until_present(&self, request: &Request, timeout: Duration, what: &str) -> Result<()> {
        self.poll_until(request, timeout, what, until_present)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http_error(status: u16) -> Error {
        let mut e = Error::new(ErrorKind::NotFound, "x");
        e.http_status = status;
        e
    }

    #[test]
    fn until_present_judges_replies() {
        let ok = Response { status: 200, body: Default::default(), request_id: String::new() };
        assert!(matches!(until_present(Ok(ok)), Ok(Poll::Done(()))));
        assert!(matches!(until_present(Err(http_error(403))), Ok(Poll::Done(()))));
        assert!(matches!(until_present(Err(http_error(404))), Ok(Poll::Pending)));
        assert_eq!(until_present(Err(http_error(409))).unwrap_err().http_status, 409);
        assert_eq!(until_present(Err(http_error(0))).unwrap_err().http_status, 0);
    }

    #[test]
    fn timeout_message_names_the_deadline() {
        let e = timeout_error("wait for deletion of secret 's'", Duration::from_millis(1500), 4);
        assert_eq!(e.kind, ErrorKind::Timeout);
        assert!(e.message.contains("wait for deletion of secret 's'"), "{}", e.message);
        assert!(e.message.contains("deadline of 1500 ms"), "{}", e.message);
    }
}
