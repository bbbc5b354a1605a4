//! SMTP connections with Nagle's algorithm off. lettre 0.11.23 (the newest release) never sets
//! `TCP_NODELAY`: it writes a message's body, then the five bytes of `<CRLF>.<CRLF>` apart, and
//! Nagle holds those until the server acknowledges the body, which a server with delayed ACKs
//! (Linux: 40 ms) does only after waiting. So every message cost about 40 ms of doing nothing
//! (lettre's pull request #1159, merged upstream, not yet released).
//!
//! Until a release carries it, this pool opens the sockets itself, sets `TCP_NODELAY`, and
//! hands them to lettre's own SMTP client (`AsyncSmtpConnection`: EHLO, STARTTLS, AUTH,
//! MAIL/RCPT/DATA), for `smtp://` with or without STARTTLS. `smtps://` (TLS from the first
//! byte) stays with lettre's transport. Idle connections are kept for the next message for up
//! to a minute (then a reaper says `QUIT` and closes them, as lettre's own pool does) and
//! tested with a NOOP before reuse. Every wait is bounded: a connection that
//! timed out or failed is closed without another word (a `QUIT` into a stalled exchange could
//! wait as long again).
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Connections kept idle for the next messages, and for how long.
const MAX_IDLE: usize = 16;
const IDLE_FOR: Duration = Duration::from_secs(60);
/// The longest connecting (with EHLO, STARTTLS and AUTH), a NOOP or a QUIT may take.
const TIMEOUT: Duration = Duration::from_secs(60);
const SHORT: Duration = Duration::from_secs(5);
/// The longest one message's exchange may take, up to the server's answer to the final dot.
/// RFC 5321 allows a server 10 minutes there; we wait 4, under the job lease of 5, so that a
/// message still being answered is never sent again by a second worker meanwhile. A server
/// slower than that sees the message again at the job's retry.
const SEND_TIMEOUT: Duration = Duration::from_secs(240);

/// Why a message was not taken: whether trying again may help, and what happened.
#[derive(Debug)]
pub struct Refusal {
    pub permanent: bool,
    pub message: String,
}

impl From<lettre::transport::smtp::Error> for Refusal {
    fn from(e: lettre::transport::smtp::Error) -> Self {
        Refusal { permanent: e.is_permanent(), message: e.to_string() }
    }
}

fn timed_out(what: &str, limit: Duration) -> Refusal {
    Refusal { permanent: false, message: format!("{what} took longer than {} s", limit.as_secs()) }
}

/// STARTTLS: wanted if offered (`opportunistic`), or required.
#[derive(Clone)]
enum StartTls {
    No,
    IfOffered(TlsParameters),
    Required(TlsParameters),
}

/// Where and how to connect, and the idle connections.
pub struct Pool {
    host: String,
    port: u16,
    starttls: StartTls,
    credentials: Option<Credentials>,
    hello: ClientId,
    /// Idle connections, each with when it was last used.
    idle: Arc<Mutex<Vec<Idle>>>,
    /// Whether a reaper task is watching `idle`.
    reaping: Arc<std::sync::atomic::AtomicBool>,
}

type Idle = (AsyncSmtpConnection, Instant);

impl Pool {
    /// From `smtp://[user:pass@]host[:port][/ehlo-name][?tls=required|opportunistic]` (the
    /// ports and meanings of lettre's `from_url`); `None` for `smtps://`, which lettre's
    /// transport serves.
    pub fn from_url(url: &str) -> Result<Option<Self>, String> {
        let u = url::Url::parse(url).map_err(|e| e.to_string())?;
        if u.scheme() == "smtps" {
            return Ok(None);
        }
        let host = u.host_str().ok_or("no host")?.to_owned();
        let tls = u.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let params = || TlsParameters::new(host.clone()).map_err(|e| e.to_string());
        let (starttls, default_port) = match (u.scheme(), tls.as_deref()) {
            ("smtp", None) => (StartTls::No, 25),
            ("smtp", Some("required")) => (StartTls::Required(params()?), 587),
            ("smtp", Some("opportunistic")) => (StartTls::IfOffered(params()?), 587),
            (scheme, tls) => return Err(format!("unknown scheme {scheme:?} or tls {tls:?} (smtp or smtps; tls=required or opportunistic)")),
        };
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8().map(|s| s.into_owned()).map_err(|e| e.to_string());
        let credentials = match u.password() {
            Some(p) => Some(Credentials::new(decode(u.username())?, decode(p)?)),
            None => None,
        };
        let name = u.path().trim_matches('/');
        let hello = if name.is_empty() { ClientId::default() } else { ClientId::Domain(name.to_owned()) };
        Ok(Some(Pool { port: u.port().unwrap_or(default_port), host, starttls, credentials, hello, idle: Default::default(), reaping: Default::default() }))
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, Refusal> {
        let unreachable = |e: std::io::Error| Refusal { permanent: false, message: format!("could not connect to {}:{}: {e}", self.host, self.port) };
        let socket = tokio::net::TcpStream::connect((self.host.as_str(), self.port)).await.map_err(unreachable)?;
        socket.set_nodelay(true).map_err(unreachable)?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(socket), &self.hello).await?;
        match &self.starttls {
            StartTls::Required(p) => conn.starttls(p.clone(), &self.hello).await?,
            StartTls::IfOffered(p) if conn.can_starttls() => conn.starttls(p.clone(), &self.hello).await?,
            _ => {}
        }
        if let Some(c) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, c).await?;
        }
        Ok(conn)
    }

    /// An idle connection, used within the last minute, that answers a NOOP at once; or a new
    /// one. Any other is closed (dropped).
    async fn checkout(&self) -> Result<AsyncSmtpConnection, Refusal> {
        while let Some((mut conn, since)) = self.idle.lock().map(|mut v| v.pop()).unwrap_or(None) {
            if since.elapsed() < IDLE_FOR && tokio::time::timeout(SHORT, conn.test_connected()).await.unwrap_or(false) {
                return Ok(conn);
            }
        }
        tokio::time::timeout(TIMEOUT, self.connect()).await.map_err(|_| timed_out("connecting to the mail server", TIMEOUT))?
    }

    /// Sends `body` (the formatted message) to `envelope`'s recipients. A connection that
    /// answered is kept for the next message; lettre has already said `QUIT` on one whose
    /// server refused, and one that timed out is closed.
    pub async fn send(&self, envelope: &Envelope, body: &[u8]) -> Result<(), Refusal> {
        let mut conn = self.checkout().await?;
        let sent = match tokio::time::timeout(SEND_TIMEOUT, conn.send(envelope, body)).await {
            Ok(r) => r.map(|_| ()).map_err(Refusal::from),
            Err(_) => return Err(timed_out("sending the message", SEND_TIMEOUT)),
        };
        if sent.is_ok()
            && !conn.has_broken()
            && let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push((conn, Instant::now()));
            drop(idle);
            self.reap_later();
        }
        sent
    }

    /// Unless one runs already, a task that closes the connections idle for [`IDLE_FOR`]
    /// until none is left (it holds the list weakly: a dropped pool ends it).
    fn reap_later(&self) {
        use std::sync::atomic::Ordering;
        if self.reaping.swap(true, Ordering::SeqCst) {
            return;
        }
        let (idle, reaping) = (Arc::downgrade(&self.idle), self.reaping.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(IDLE_FOR).await;
                let Some(idle) = idle.upgrade() else { return };
                // Emptied under the lock, the watch ends: a later message starts another.
                let (expired, done): (Vec<Idle>, bool) = match idle.lock() {
                    Ok(mut v) => {
                        let (old, fresh): (Vec<Idle>, Vec<Idle>) = v.drain(..).partition(|(_, since)| since.elapsed() >= IDLE_FOR);
                        *v = fresh;
                        if v.is_empty() {
                            reaping.store(false, Ordering::SeqCst);
                        }
                        (old, v.is_empty())
                    }
                    Err(_) => return,
                };
                for (mut conn, _) in expired {
                    let _ = tokio::time::timeout(SHORT, conn.quit()).await;
                }
                if done {
                    return;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_as_lettre_reads_them() {
        let p = Pool::from_url("smtp://127.0.0.1:2525").unwrap().unwrap();
        assert_eq!((p.host.as_str(), p.port, matches!(p.starttls, StartTls::No), p.credentials.is_none()), ("127.0.0.1", 2525, true, true));
        let p = Pool::from_url("smtp://ap%40x.test:s%3Acret@mail.example.com/outbound.example.com?tls=required").unwrap().unwrap();
        assert_eq!((p.port, matches!(p.starttls, StartTls::Required(_))), (587, true));
        assert!(p.credentials == Some(Credentials::new("ap@x.test".into(), "s:cret".into())), "user and password percent-decoded");
        assert_eq!(p.hello, ClientId::Domain("outbound.example.com".into()));
        assert!(matches!(Pool::from_url("smtp://m.example.com?tls=opportunistic").unwrap().unwrap().starttls, StartTls::IfOffered(_)));
        assert_eq!(Pool::from_url("smtp://m.example.com").unwrap().unwrap().port, 25);
        assert!(Pool::from_url("smtps://m.example.com").unwrap().is_none(), "lettre's transport");
        for bad in ["http://m.example.com", "smtp://m.example.com?tls=maybe", "not a url"] {
            assert!(Pool::from_url(bad).is_err(), "{bad}");
        }
    }
}
