//! A DNS server on loopback for the custom-domain tests: it answers TXT queries from records a
//! test adds and removes, and NXDOMAIN for names it does not have (hickory-proto reads and
//! writes the messages).
use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{RData, Record, RecordType};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// What the server answers for a name: its TXT records, or a failure code.
#[derive(Clone, Debug)]
enum Answer {
    Txt(Vec<String>),
    Fail(ResponseCode),
}

type Records = Arc<Mutex<HashMap<String, Answer>>>;

pub struct DnsServer {
    pub addr: SocketAddr,
    records: Records,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DnsServer {
    pub async fn start() -> DnsServer {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("bind the DNS server");
        let addr = socket.local_addr().unwrap();
        let records: Records = Arc::default();
        let known = records.clone();
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((n, peer)) = socket.recv_from(&mut buf).await else { continue };
                let Ok(query) = Message::from_vec(&buf[..n]) else { continue };
                let reply = answer(&query, &known.lock().unwrap());
                if let Ok(bytes) = reply.to_vec() {
                    let _ = socket.send_to(&bytes, peer).await;
                }
            }
        });
        DnsServer { addr, records, task }
    }

    /// Publishes TXT records at `name` (replacing what was there).
    pub fn set_txt(&self, name: &str, values: &[&str]) {
        self.records.lock().unwrap().insert(name.to_ascii_lowercase(), Answer::Txt(values.iter().map(|v| v.to_string()).collect()));
    }

    /// Answers queries for `name` with a server failure.
    pub fn fail(&self, name: &str) {
        self.records.lock().unwrap().insert(name.to_ascii_lowercase(), Answer::Fail(ResponseCode::ServFail));
    }

    /// Takes every record at `name` away: it does not exist any more.
    pub fn remove(&self, name: &str) {
        self.records.lock().unwrap().remove(&name.to_ascii_lowercase());
    }
}

fn answer(query: &Message, records: &HashMap<String, Answer>) -> Message {
    let mut m = Message::new();
    m.set_id(query.id()).set_message_type(MessageType::Response).set_op_code(query.op_code()).set_recursion_desired(query.recursion_desired()).set_recursion_available(true).set_authoritative(true);
    m.add_queries(query.queries().to_vec());
    for q in query.queries() {
        let name = q.name().to_ascii().trim_end_matches('.').to_ascii_lowercase();
        match records.get(&name) {
            Some(Answer::Txt(values)) if q.query_type() == RecordType::TXT => {
                for v in values {
                    m.add_answer(Record::from_rdata(q.name().clone(), 60, RData::TXT(TXT::new(vec![v.clone()]))));
                }
            }
            Some(Answer::Txt(_)) => {}
            Some(Answer::Fail(code)) => {
                m.set_response_code(*code);
            }
            None => {
                m.set_response_code(ResponseCode::NXDomain);
            }
        }
    }
    m
}
