//! What people are told: the in-app inbox as read back, and what the outbox holds.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A message in a person's in-app inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxEntry {
    pub id: i64,
    /// The outbox message it was delivered from.
    pub outbox_id: Option<i64>,
    pub subject: String,
    pub body: Option<String>,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When its person marked it read (opened it, or marked all read).
    pub read_at: Option<DateTime<Utc>>,
}

/// What the outbox holds, for `/metrics` and the operators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    pub pending: i64,
    pub failed: i64,
    pub sent: i64,
}

// ---- Where notifications go: channels, their settings and the robots' formats ----

use crate::error::{FieldErrors, Problem};
use crate::ids::UserId;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A stored secret (an SMTP password, a robot's signing secret): never printed, never
/// serialized; [`Secret::expose`] is the one way to read it, where it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587), required.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption (a relay on the local network only).
    None,
}

impl SmtpSecurity {
    pub const ALL: [SmtpSecurity; 3] = [
        SmtpSecurity::Starttls,
        SmtpSecurity::Tls,
        SmtpSecurity::None,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::Starttls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::None => "none",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// The mail server and the site's address, as stored (the password apart, see
/// [`MailSettings::password_set`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// A password is stored (it is never read back into a page or an answer).
    pub password_set: bool,
    pub from_address: String,
    pub enabled: bool,
    /// `https://sanbao.example.com`: links in mails and robot messages start with it.
    pub site_url: Option<String>,
}

impl MailSettings {
    /// An absolute link to a page of this site, when the site's address is known.
    pub fn absolute(&self, link: &str) -> String {
        absolute_link(self.site_url.as_deref(), link)
    }
}

/// `site_url` + `link` when both are known and the link is a path of this site.
pub fn absolute_link(site_url: Option<&str>, link: &str) -> String {
    match site_url {
        Some(base) if link.starts_with('/') => format!("{}{link}", base.trim_end_matches('/')),
        _ => link.to_string(),
    }
}

/// The mail settings as typed, checked field by field. `password: None` keeps the stored
/// one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettingsInput {
    pub settings: MailSettings,
    pub password: Option<Secret>,
}

impl MailSettingsInput {
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        host: &str,
        port: &str,
        security: &str,
        username: &str,
        password: &str,
        from_address: &str,
        enabled: bool,
        site_url: &str,
    ) -> Result<Self, FieldErrors> {
        let mut errs = FieldErrors::new();
        let host = errs.take("host", host_name(host));
        let port = errs.take(
            "port",
            port.trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| Problem::new("invalid", "a port is a number from 1 to 65535")),
        );
        let security = errs.take(
            "security",
            SmtpSecurity::parse(security).ok_or_else(|| Problem::invalid("starttls, tls or none")),
        );
        let username = username.trim();
        let username = errs.take(
            "username",
            if username.chars().count() > 200 {
                Err(Problem::too_long(200))
            } else {
                Ok((!username.is_empty()).then(|| username.to_string()))
            },
        );
        let from_address = errs.take("from_address", crate::text::email(from_address));
        let site_url = site_url.trim();
        let site_url = errs.take(
            "site_url",
            if site_url.is_empty() {
                Ok(None)
            } else {
                web_url(site_url).map(|u| Some(u.trim_end_matches('/').to_string()))
            },
        );
        let password = (!password.is_empty()).then(|| Secret::new(password));
        if password.as_ref().is_some_and(|p| p.expose().len() > 500) {
            errs.add("password", Problem::too_long(500));
        }
        match (host, port, security, username, from_address, site_url) {
            (
                Some(host),
                Some(port),
                Some(security),
                Some(username),
                Some(from_address),
                Some(site_url),
            ) if errs.is_empty() => Ok(MailSettingsInput {
                settings: MailSettings {
                    host,
                    port,
                    security,
                    username,
                    password_set: false,
                    from_address,
                    enabled,
                    site_url,
                },
                password,
            }),
            _ => Err(errs),
        }
    }
}

/// A host name or address as a mail server is named: letters, digits, dots, dashes,
/// colons (IPv6) and no spaces.
pub fn host_name(s: &str) -> Result<String, Problem> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Problem::required());
    }
    let ok = t.len() <= 253
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_'));
    if ok {
        Ok(t.to_string())
    } else {
        Err(Problem::invalid("not a host name"))
    }
}

/// An address a robot is called at, or the site's own address: `https://` or `http://`
/// followed by a host, no spaces.
pub fn web_url(s: &str) -> Result<String, Problem> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Problem::required());
    }
    if t.len() > 2000 {
        return Err(Problem::too_long(2000));
    }
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .ok_or_else(|| Problem::invalid("must start with https:// or http://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host_only = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default()
    };
    if host_only.is_empty()
        || authority.contains('@')
        || host_name(host_only).is_err()
        || t.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Problem::invalid("must name a host"));
    }
    Ok(t.to_string())
}

/// An address with its query (where robots carry their key or token) hidden, for pages,
/// audit records and logs: `https://oapi.dingtalk.com/robot/send?…`.
pub fn masked_url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?…"),
        None => url.to_string(),
    }
}

/// A chat tool's group robot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RobotKind {
    /// 企业微信: the key is in the URL.
    Wecom,
    /// 钉钉: an access token in the URL and, when "加签" is on, a signing secret.
    Dingtalk,
    /// 飞书 / Lark: the URL, and a signing secret when "签名校验" is on.
    Feishu,
}

impl RobotKind {
    pub const ALL: [RobotKind; 3] = [RobotKind::Wecom, RobotKind::Dingtalk, RobotKind::Feishu];
    pub fn as_str(self) -> &'static str {
        match self {
            RobotKind::Wecom => "wecom",
            RobotKind::Dingtalk => "dingtalk",
            RobotKind::Feishu => "feishu",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
    /// Whether the tool signs its calls with a secret.
    pub fn signs(self) -> bool {
        !matches!(self, RobotKind::Wecom)
    }
}

/// A group robot as stored (its secret apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Robot {
    pub id: i64,
    pub kind: RobotKind,
    pub name: String,
    pub url: String,
    pub secret_set: bool,
    /// The person whose robot it is; `None`: the department's group.
    pub user_id: Option<UserId>,
    pub enabled: bool,
}

/// A robot as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotInput {
    pub kind: RobotKind,
    pub name: String,
    pub url: String,
    pub secret: Option<Secret>,
    pub user_id: Option<UserId>,
    pub enabled: bool,
}

impl RobotInput {
    pub fn parse(
        kind: &str,
        name: &str,
        url: &str,
        secret: &str,
        user_id: Option<UserId>,
        enabled: bool,
    ) -> Result<Self, FieldErrors> {
        let mut errs = FieldErrors::new();
        let kind = errs.take(
            "kind",
            RobotKind::parse(kind).ok_or_else(|| Problem::invalid("wecom, dingtalk or feishu")),
        );
        let name = errs.take("name", crate::text::required(name, 100));
        let url = errs.take("url", web_url(url));
        let secret = secret.trim();
        if secret.len() > 500 {
            errs.add("secret", Problem::too_long(500));
        }
        if kind == Some(RobotKind::Wecom) && !secret.is_empty() {
            errs.add(
                "secret",
                Problem::invalid("a WeCom robot has no secret: its key is in the URL"),
            );
        }
        match (kind, name, url) {
            (Some(kind), Some(name), Some(url)) if errs.is_empty() => Ok(RobotInput {
                kind,
                name,
                url,
                secret: (!secret.is_empty()).then(|| Secret::new(secret)),
                user_id,
                enabled,
            }),
            _ => Err(errs),
        }
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hmac_base64(key: &[u8], msg: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(msg);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// 钉钉 "加签": base64(HMAC-SHA256(key = secret, "{timestamp_ms}\n{secret}")), before
/// URL encoding.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    hmac_base64(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    )
}

/// 飞书 "签名校验": base64(HMAC-SHA256(key = "{timestamp_s}\n{secret}", empty message)).
pub fn feishu_sign(secret: &str, timestamp_s: i64) -> String {
    hmac_base64(format!("{timestamp_s}\n{secret}").as_bytes(), b"")
}

/// The address a DingTalk robot is called at: its URL with `timestamp` (ms) and the
/// URL-encoded `sign` appended when it has a secret.
pub fn dingtalk_url(url: &str, secret: Option<&str>, timestamp_ms: i64) -> String {
    match secret {
        None => url.to_string(),
        Some(s) => {
            let sign: String = form_encode(&dingtalk_sign(s, timestamp_ms));
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}timestamp={timestamp_ms}&sign={sign}")
        }
    }
}

/// `application/x-www-form-urlencoded` encoding of a value (what `sign` needs: `+`, `/`,
/// `=` escaped).
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The text a robot posts: the subject in bold, the body, and the link.
fn markdown(subject: &str, body: Option<&str>, link: Option<&str>) -> String {
    let mut s = format!("**{subject}**");
    if let Some(b) = body.filter(|b| !b.is_empty()) {
        s.push_str("\n\n");
        s.push_str(b);
    }
    if let Some(l) = link {
        s.push_str(&format!("\n\n[{l}]({l})"));
    }
    s
}

/// The JSON body a robot of `kind` is sent: 企业微信 and 钉钉 get markdown, 飞书 a text
/// message (with `timestamp` in seconds and `sign` when it has a secret). `link` is
/// absolute already.
pub fn robot_body(
    kind: RobotKind,
    subject: &str,
    body: Option<&str>,
    link: Option<&str>,
    secret: Option<&str>,
    now: DateTime<Utc>,
) -> serde_json::Value {
    use serde_json::json;
    match kind {
        RobotKind::Wecom => json!({
            "msgtype": "markdown",
            "markdown": {"content": markdown(subject, body, link)},
        }),
        RobotKind::Dingtalk => json!({
            "msgtype": "markdown",
            "markdown": {"title": subject, "text": markdown(subject, body, link)},
        }),
        RobotKind::Feishu => {
            let mut text = subject.to_string();
            if let Some(b) = body.filter(|b| !b.is_empty()) {
                text.push('\n');
                text.push_str(b);
            }
            if let Some(l) = link {
                text.push('\n');
                text.push_str(l);
            }
            let mut v = json!({"msg_type": "text", "content": {"text": text}});
            if let Some(s) = secret {
                let ts = now.timestamp();
                v["timestamp"] = json!(ts.to_string());
                v["sign"] = json!(feishu_sign(s, ts));
            }
            v
        }
    }
}

/// Whether a robot's answer says the message was taken: a 2xx status and, in the JSON
/// answer, `errcode` (企业微信, 钉钉) or `code` (飞书) zero when present. The error
/// otherwise, to retry.
pub fn robot_answer(status: u16, body: &str) -> Result<(), String> {
    if !(200..300).contains(&status) {
        return Err(format!("answered HTTP {status}"));
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return Ok(());
    };
    for field in ["errcode", "code", "StatusCode"] {
        if let Some(c) = v.get(field).and_then(serde_json::Value::as_i64)
            && c != 0
        {
            let msg = ["errmsg", "msg", "StatusMessage"]
                .iter()
                .find_map(|m| v.get(*m).and_then(serde_json::Value::as_str))
                .unwrap_or_default();
            let msg: String = msg.chars().take(200).collect();
            return Err(format!("{field} {c}: {msg}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod channel_tests {
    use super::*;

    #[test]
    fn dingtalk_signature_matches_a_known_vector() {
        // Computed independently: base64(HMAC-SHA256(secret, "1700000000000\nSEC…")).
        let s = "SEC0123456789abcdef";
        assert_eq!(
            dingtalk_sign(s, 1_700_000_000_000),
            "TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk="
        );
        assert_eq!(
            dingtalk_url(
                "https://oapi.dingtalk.com/robot/send?access_token=abc",
                Some(s),
                1_700_000_000_000
            ),
            "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign=TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D"
        );
        assert_eq!(
            dingtalk_url("https://x.example/r", None, 1),
            "https://x.example/r"
        );
    }

    #[test]
    fn feishu_signature_matches_a_known_vector() {
        // The key is "{timestamp}\n{secret}", the message empty.
        assert_eq!(
            feishu_sign("feishu-secret", 1_700_000_000),
            "OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU="
        );
    }

    #[test]
    fn each_robot_gets_its_own_message_format() {
        let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let link = Some("https://s.example/tickets/7");
        let w = robot_body(RobotKind::Wecom, "超时", Some("SB7"), link, None, now);
        assert_eq!(w["msgtype"], "markdown");
        assert_eq!(
            w["markdown"]["content"],
            "**超时**\n\nSB7\n\n[https://s.example/tickets/7](https://s.example/tickets/7)"
        );
        let d = robot_body(RobotKind::Dingtalk, "超时", None, None, Some("x"), now);
        assert_eq!(d["msgtype"], "markdown");
        assert_eq!(d["markdown"]["title"], "超时");
        assert_eq!(d["markdown"]["text"], "**超时**");
        assert!(d.get("sign").is_none(), "DingTalk signs in the URL");
        let f = robot_body(
            RobotKind::Feishu,
            "超时",
            Some("SB7"),
            link,
            Some("feishu-secret"),
            now,
        );
        assert_eq!(f["msg_type"], "text");
        assert_eq!(
            f["content"]["text"],
            "超时\nSB7\nhttps://s.example/tickets/7"
        );
        assert_eq!(f["timestamp"], "1700000000");
        assert_eq!(f["sign"], "OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU=");
        let unsigned = robot_body(RobotKind::Feishu, "a", None, None, None, now);
        assert!(unsigned.get("sign").is_none() && unsigned.get("timestamp").is_none());
    }

    #[test]
    fn a_robot_answer_is_taken_only_with_2xx_and_a_zero_code() {
        let table = [
            (200, r#"{"errcode":0,"errmsg":"ok"}"#, true),
            (
                200,
                r#"{"errcode":310000,"errmsg":"sign not match"}"#,
                false,
            ),
            (200, r#"{"code":0,"msg":"success"}"#, true),
            (200, r#"{"code":19021,"msg":"sign match fail"}"#, false),
            (200, r#"{"StatusCode":0}"#, true),
            (200, "ok", true),
            (500, r#"{"errcode":0}"#, false),
            (302, "", false),
        ];
        for (status, body, ok) in table {
            assert_eq!(robot_answer(status, body).is_ok(), ok, "{status} {body}");
        }
    }

    #[test]
    fn addresses_must_be_http_to_a_host() {
        for ok in [
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            "http://127.0.0.1:8080/hook",
            "https://open.feishu.cn/open-apis/bot/v2/hook/x",
            "http://[::1]:9000/x",
        ] {
            assert!(web_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ftp://x.example",
            "https://",
            "https:///path",
            "https://a b.example",
            "qyapi.weixin.qq.com",
            "https://user@host.example/",
        ] {
            assert!(web_url(bad).is_err(), "{bad}");
        }
        assert_eq!(
            masked_url("https://x.example/send?key=SECRET"),
            "https://x.example/send?…"
        );
    }

    #[test]
    fn mail_settings_are_checked_field_by_field() {
        let ok = MailSettingsInput::parse(
            "smtp.example.com",
            "587",
            "starttls",
            "",
            "",
            "desk@example.com",
            true,
            "",
        )
        .unwrap();
        assert_eq!(ok.settings.port, 587);
        assert_eq!(ok.password, None, "an empty password keeps the stored one");
        let errs = MailSettingsInput::parse(
            "bad host", "70000", "ssl", "", "", "nobody", true, "ftp://x",
        )
        .unwrap_err();
        let fields: Vec<&str> = errs.0.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            ["from_address", "host", "port", "security", "site_url"]
        );
        assert!(MailSettingsInput::parse("h", "0", "none", "", "", "a@b.cn", false, "").is_err());
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }

    #[test]
    fn robots_are_checked_and_wecom_takes_no_secret() {
        assert!(
            RobotInput::parse(
                "dingtalk",
                "值班群",
                "https://oapi.dingtalk.com/robot/send?access_token=x",
                "SECx",
                None,
                true
            )
            .is_ok()
        );
        let e = RobotInput::parse("wecom", "", "http://", "s", None, true).unwrap_err();
        let fields: Vec<&str> = e.0.keys().map(String::as_str).collect();
        assert_eq!(fields, ["name", "secret", "url"]);
        assert!(RobotInput::parse("slack", "x", "https://h.example", "", None, true).is_err());
    }
}
// ---- end where notifications go ----
