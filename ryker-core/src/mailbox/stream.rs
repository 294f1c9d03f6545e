//! The `futures` traits (feature `futures`): [`Receiver`] is a `Stream`, and [`PollSender`]
//! wraps a [`Sender`] as a `Sink`, as tokio-util's `PollSender` does for tokio's mpsc.

use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;

use super::{Attachment, NoAttachment, Receiver, Sender};
use crate::error::SendError;

/// Yields every message in order, then `None` once the mailbox is closed and drained (as
/// [`Receiver::poll_recv`]).
///
/// ```
/// use futures_core::Stream;
/// use ryker_core::mailbox::{channel, MailboxConfig};
/// use std::pin::Pin;
/// use std::task::{Context, Poll};
/// use futures::task::noop_waker_ref;
/// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
/// tx.try_send(1).unwrap();
/// drop(tx);
/// let mut cx = Context::from_waker(noop_waker_ref());
/// assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(Some(1)));
/// assert_eq!(Pin::new(&mut rx).poll_next(&mut cx), Poll::Ready(None));
/// ```
impl<T, X: Attachment> Stream for Receiver<T, X> {
    type Item = T;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

/// A [`Sender`] as a `futures_sink::Sink`: the backpressure path of
/// [`Sender::poll_reserve`], whatever the overflow policy (a sink never drops).
///
/// `start_send` keeps the message in the `PollSender` (one slot) and `poll_ready` /
/// `poll_flush` move it into the mailbox as soon as a slot is free, so `Sink::send`,
/// `SinkExt::send_all` and `StreamExt::forward` work as with any sink. A message that cannot
/// be sent because the mailbox closed comes back in [`SendError::Closed`]. Dropping the
/// `PollSender` with a message still held drops that message: flush first (`SinkExt::send`
/// does) when that matters.
///
/// ```
/// use futures_sink::Sink;
/// use ryker_core::mailbox::{channel, MailboxConfig, PollSender};
/// use std::pin::Pin;
/// use std::task::Context;
/// use futures::task::noop_waker_ref;
/// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
/// let mut sink = PollSender::new(tx);
/// let mut cx = Context::from_waker(noop_waker_ref());
/// assert!(Pin::new(&mut sink).poll_ready(&mut cx).is_ready());
/// Pin::new(&mut sink).start_send(7).unwrap();
/// assert!(Pin::new(&mut sink).poll_flush(&mut cx).is_ready());
/// assert_eq!(rx.try_recv(), Ok(7));
/// ```
#[derive(Debug)]
pub struct PollSender<T, X: Attachment = NoAttachment> {
    tx: Sender<T, X>,
    /// A message accepted by `start_send` and not yet in the mailbox.
    pending: Option<T>,
}

impl<T, X: Attachment> PollSender<T, X> {
    /// Wraps `tx`.
    ///
    /// ```
    /// use futures::{SinkExt, StreamExt};
    /// use ryker_core::mailbox::{channel, MailboxConfig, PollSender};
    /// let (tx, rx) = channel::<u32>(MailboxConfig::default());
    /// let mut sink = PollSender::new(tx);
    /// futures::executor::block_on(async {
    ///     sink.send(1).await.unwrap();
    ///     sink.send(2).await.unwrap();
    ///     drop(sink); // the last sender: the stream ends after what was sent
    ///     assert_eq!(rx.collect::<Vec<_>>().await, [1, 2]);
    /// });
    /// ```
    pub fn new(tx: Sender<T, X>) -> Self {
        Self { tx, pending: None }
    }

    /// The sender inside.
    ///
    /// ```
    /// use ryker_core::mailbox::{channel, MailboxConfig, PollSender};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let sink = PollSender::new(tx);
    /// sink.get_ref().try_send(1).unwrap(); // the sender's own API, past the sink
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn get_ref(&self) -> &Sender<T, X> {
        &self.tx
    }

    /// Unwraps the sender, with the message `start_send` took and no flush delivered yet.
    ///
    /// ```
    /// use std::pin::Pin;
    /// use futures::Sink;
    /// use ryker_core::mailbox::{channel, MailboxConfig, PollSender};
    /// let (tx, mut rx) = channel::<u32>(MailboxConfig::default());
    /// let mut sink = PollSender::new(tx);
    /// Pin::new(&mut sink).start_send(7).unwrap(); // held, not yet in the mailbox
    /// let (tx, held) = sink.into_inner();
    /// assert_eq!(held, Some(7));
    /// assert!(rx.try_recv().is_err());
    /// # drop(tx);
    /// ```
    pub fn into_inner(self) -> (Sender<T, X>, Option<T>) {
        (self.tx, self.pending)
    }

    /// Moves the held message into the mailbox once a slot is free.
    fn poll_deliver(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        if self.pending.is_none() {
            return Poll::Ready(Ok(()));
        }
        match self.tx.poll_reserve(cx) {
            Poll::Ready(Ok(permit)) => {
                if let Some(msg) = self.pending.take() {
                    permit.send(msg);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(_closed)) => match self.pending.take() {
                Some(msg) => Poll::Ready(Err(SendError::Closed(msg))),
                None => Poll::Ready(Ok(())),
            },
            Poll::Pending => Poll::Pending,
        }
    }
}

// `PollSender` holds no self-references (the message is moved out of `pending` by value).
impl<T, X: Attachment> Unpin for PollSender<T, X> {}

impl<T, X: Attachment> Sink<T> for PollSender<T, X> {
    type Error = SendError<T>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_deliver(cx)
    }

    /// # Panics
    /// If a message is still held, that is, without a `poll_ready` that returned
    /// `Ready(Ok(()))` since the last `start_send` (the `Sink` contract).
    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), Self::Error> {
        let this = self.get_mut();
        assert!(
            this.pending.is_none(),
            "PollSender::start_send without a ready poll_ready"
        );
        if this.tx.is_closed() {
            return Err(SendError::Closed(item));
        }
        this.pending = Some(item);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_deliver(cx)
    }

    /// Flushes; the mailbox closes when its last sender is dropped, as always.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        let flushed = this.poll_deliver(cx);
        if flushed.is_ready() {
            this.tx.abort_reserve();
        }
        flushed
    }
}
