//! A small SMTP server on loopback that keeps what it receives, for the e-mail tests: real
//! SMTP over TCP (EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET, QUIT), and a switch that
//! makes it answer the next commands with a temporary (4xx) or permanent (5xx) refusal.
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message as received.
#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and body), CRLF line ends.
    pub data: String,
}

#[derive(Clone, Default)]
pub struct SmtpServer {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    /// When set, `MAIL FROM` is answered with this line (`451 4.3.0 …` or `550 5.7.1 …`).
    refuse: Arc<Mutex<Option<String>>>,
    /// Connections accepted so far.
    accepted: Arc<std::sync::atomic::AtomicUsize>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let s = SmtpServer { port: listener.local_addr().unwrap().port(), ..Default::default() };
        let server = s.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                server.accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let server = server.clone();
                tokio::spawn(async move {
                    let _ = server.session(sock).await;
                });
            }
        });
        s
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// How many messages arrived (without copying them).
    pub fn count(&self) -> usize {
        self.mails.lock().unwrap().len()
    }

    /// How many connections were opened to it.
    pub fn connections(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn refuse_with(&self, line: Option<&str>) {
        *self.refuse.lock().unwrap() = line.map(str::to_owned);
    }

    async fn session(&self, sock: tokio::net::TcpStream) -> std::io::Result<()> {
        let (r, mut w) = sock.into_split();
        let mut lines = BufReader::new(r).lines();
        w.write_all(b"220 localhost test SMTP\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        while let Some(line) = lines.next_line().await? {
            let upper = line.to_ascii_uppercase();
            let reply: String = if upper.starts_with("EHLO") {
                "250-localhost\r\n250-8BITMIME\r\n250 SIZE 52428800".into()
            } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
                "250 OK".into()
            } else if upper.starts_with("RSET") {
                (from, to) = (String::new(), Vec::new());
                "250 OK".into()
            } else if upper.starts_with("MAIL FROM:") {
                match self.refuse.lock().unwrap().clone() {
                    Some(refusal) => refusal,
                    None => {
                        from = address(&line[10..]);
                        "250 OK".into()
                    }
                }
            } else if upper.starts_with("RCPT TO:") {
                to.push(address(&line[8..]));
                "250 OK".into()
            } else if upper == "DATA" {
                w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut data = String::new();
                while let Some(l) = lines.next_line().await? {
                    if l == "." {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(&l));
                    data.push_str("\r\n");
                }
                self.mails.lock().unwrap().push(Mail { from: from.clone(), to: std::mem::take(&mut to), data });
                "250 OK queued".into()
            } else if upper.starts_with("QUIT") {
                w.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            } else {
                "502 Command not implemented".into()
            };
            w.write_all(format!("{reply}\r\n").as_bytes()).await?;
        }
        Ok(())
    }
}

fn address(arg: &str) -> String {
    let a = arg.trim();
    let a = a.split_whitespace().next().unwrap_or(a);
    a.trim_start_matches('<').trim_end_matches('>').to_owned()
}

impl Mail {
    /// The decoded bytes of the first attachment of `content_type`.
    pub fn attachment(&self, content_type: &str) -> Option<Vec<u8>> {
        use base64::Engine;
        let at = self.data.find(&format!("Content-Type: {content_type}"))?;
        let rest = &self.data[at..];
        let body_start = rest.find("\r\n\r\n")? + 4;
        let body: String = rest[body_start..].lines().take_while(|l| !l.starts_with("--")).collect::<Vec<_>>().join("");
        base64::engine::general_purpose::STANDARD.decode(body.trim()).ok()
    }

    /// A header's value (unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|l| l.split_once(": ").filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_owned()))
    }
}
