//! Receivers on loopback for the channels that leave the database: a small SMTP server
//! and a chat-robot webhook receiver. Each records what reached it, so a test can count
//! deliveries exactly (also across several instances of the app on one database).
//!
//! ```ignore
//! let smtp = SmtpServer::start().await;          // 127.0.0.1:<free port>
//! // point the mail settings at smtp.addr (security "none"), notify, drain the outbox…
//! assert_eq!(smtp.mails().len(), 1);
//! smtp.set_down(true);                            // answer 421 and hang up: "the server is down"
//!
//! let hooks = WebhookReceiver::start(Some("SEC-secret")).await;
//! let url = hooks.url("dingtalk/robot/send?access_token=t"); // first segment names the tool
//! hooks.fail_next(1);                             // the next call gets errcode 310000
//! assert!(hooks.calls().iter().all(|c| c.signature_ok == Some(true)));
//! ```
//!
//! Both stop when dropped.

#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::Uri;
use sanbao_domain::notify::{dingtalk_sign, feishu_sign};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body, dot-stuffing undone, lines joined with CRLF.
    pub data: String,
}

impl Mail {
    /// The first value of a header (case-insensitive name), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut out: Option<String> = None;
        let mut in_it = false;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if in_it && let Some(v) = out.as_mut() {
                    v.push_str(line.trim_start());
                }
                continue;
            }
            if out.is_some() {
                break;
            }
            in_it = false;
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                out = Some(v.trim().to_string());
                in_it = true;
            }
        }
        out
    }
}

/// An SMTP server on loopback speaking just enough SMTP (greeting, EHLO/HELO, MAIL, RCPT,
/// DATA, RSET, NOOP, QUIT; no TLS, no AUTH), recording each message.
pub struct SmtpServer {
    pub addr: SocketAddr,
    mails: Arc<Mutex<Vec<Mail>>>,
    down: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let down = Arc::new(AtomicBool::new(false));
        let (m, d) = (mails.clone(), down.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (m, d) = (m.clone(), d.clone());
                tokio::spawn(async move {
                    let _ = session(stream, m, d).await;
                });
            }
        });
        SmtpServer {
            addr,
            mails,
            down,
            task,
        }
    }

    /// Every message received so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// While down, every connection is answered `421` and closed, as a server that is
    /// shutting down or overloaded does.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    mails: Arc<Mutex<Vec<Mail>>>,
    down: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if down.load(Ordering::SeqCst) {
        write
            .write_all(b"421 4.3.2 loopback is down, try again later\r\n")
            .await?;
        return Ok(());
    }
    write.write_all(b"220 loopback ESMTP ready\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write
                .write_all(b"250-loopback\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                .await?;
        } else if upper.starts_with("HELO") {
            write.write_all(b"250 loopback\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&cmd["MAIL FROM:".len()..]);
            to.clear();
            write.write_all(b"250 2.1.0 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&cmd["RCPT TO:".len()..]));
            write.write_all(b"250 2.1.5 OK\r\n").await?;
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = Vec::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                let l = line.trim_end_matches(['\r', '\n']);
                if l == "." {
                    break;
                }
                data.push(
                    l.strip_prefix('.')
                        .filter(|_| l.starts_with(".."))
                        .unwrap_or(l)
                        .to_string(),
                );
            }
            mails.lock().unwrap().push(Mail {
                from: from.clone(),
                to: to.clone(),
                data: data.join("\r\n"),
            });
            write.write_all(b"250 2.0.0 queued\r\n").await?;
        } else if upper == "RSET" || upper == "NOOP" {
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"502 5.5.2 not implemented\r\n").await?;
        }
    }
}

/// `<a@b> SIZE=…` → `a@b`.
fn address(s: &str) -> String {
    let s = s.trim();
    let inner = s
        .split_once('<')
        .and_then(|(_, r)| r.split_once('>'))
        .map_or(s, |(a, _)| a);
    inner.to_string()
}

/// One call that reached the webhook receiver.
#[derive(Debug, Clone)]
pub struct Call {
    /// `dingtalk`, `feishu`, `wecom`: the first segment of the path.
    pub tool: String,
    pub path: String,
    pub query: String,
    pub body: Value,
    /// Whether the DingTalk (query) or Feishu (body) signature is right for the
    /// receiver's secret; `None` when the call is not signed.
    pub signature_ok: Option<bool>,
    /// Whether the receiver answered it as taken.
    pub accepted: bool,
}

struct Hooks {
    secret: Option<String>,
    calls: Mutex<Vec<Call>>,
    fail_next: AtomicUsize,
}

/// A chat-robot receiver on loopback (axum on `127.0.0.1:0`): answers as the tool named
/// by the path's first segment does, checks signatures, and records every call. A call
/// with a wrong signature, or one of the next [`WebhookReceiver::fail_next`], gets a 200
/// with a non-zero `errcode` / `code`, as the real tools answer.
pub struct WebhookReceiver {
    pub addr: SocketAddr,
    hooks: Arc<Hooks>,
    task: JoinHandle<()>,
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl WebhookReceiver {
    pub async fn start(secret: Option<&str>) -> WebhookReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hooks = Arc::new(Hooks {
            secret: secret.map(str::to_string),
            calls: Mutex::new(Vec::new()),
            fail_next: AtomicUsize::new(0),
        });
        let router = axum::Router::new()
            .fallback(axum::routing::post(receive))
            .with_state(hooks.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        WebhookReceiver { addr, hooks, task }
    }

    /// `http://127.0.0.1:<port>/<path>`; the path's first segment names the tool.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    pub fn calls(&self) -> Vec<Call> {
        self.hooks.calls.lock().unwrap().clone()
    }

    /// The calls that were answered as taken.
    pub fn accepted(&self) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.accepted).collect()
    }

    /// Answer the next `n` calls with an error code.
    pub fn fail_next(&self, n: usize) {
        self.hooks.fail_next.store(n, Ordering::SeqCst);
    }
}

fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn receive(State(h): State<Arc<Hooks>>, uri: Uri, body: Bytes) -> axum::Json<Value> {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or_default().to_string();
    let tool = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let signature_ok = match (tool.as_str(), &h.secret) {
        ("dingtalk", Some(secret)) => {
            let ts = query_param(&query, "timestamp").and_then(|t| t.parse::<i64>().ok());
            let sign = query_param(&query, "sign");
            Some(matches!((ts, sign), (Some(ts), Some(s)) if s == dingtalk_sign(secret, ts)))
        }
        ("feishu", Some(secret)) => {
            let ts = body["timestamp"]
                .as_str()
                .and_then(|t| t.parse::<i64>().ok());
            let sign = body["sign"].as_str();
            Some(matches!((ts, sign), (Some(ts), Some(s)) if s == feishu_sign(secret, ts)))
        }
        _ => None,
    };
    let failing = h
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let accepted = !failing && signature_ok != Some(false);
    h.calls.lock().unwrap().push(Call {
        tool: tool.clone(),
        path,
        query,
        body,
        signature_ok,
        accepted,
    });
    axum::Json(match (tool.as_str(), accepted) {
        ("feishu", true) => json!({"code": 0, "msg": "success", "data": {}}),
        ("feishu", false) => {
            json!({"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"})
        }
        (_, true) => json!({"errcode": 0, "errmsg": "ok"}),
        (_, false) => json!({"errcode": 310000, "errmsg": "sign not match"}),
    })
}
