//! E-mail through SMTP (`lettre`): one connection per message, the settings read at each
//! send, so a mail server fixed on the settings page is used by the next retry. Failures
//! come back as errors for the outbox to retry; the password never appears in them.

use super::outbox::EmailMessage;
use super::state::AppState;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sanbao_domain::Error;
use sanbao_domain::notify::{MailSettings, Secret, SmtpSecurity};
use std::time::Duration;

/// How long a conversation with the mail server may take.
const TIMEOUT: Duration = Duration::from_secs(10);

fn failed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("mail {what}: {e}"))
}

/// The Message-ID of the e-mail sent from outbox message `outbox_id`: the same on every
/// attempt, so a receiver recognises a resend.
pub fn message_id(outbox_id: i64, from_address: &str) -> String {
    let domain = from_address
        .rsplit_once('@')
        .map_or("sanbao.invalid", |(_, d)| d);
    format!("<sanbao-outbox-{outbox_id}@{domain}>")
}

/// The text of a mail: the body, then the link to the page it is about.
fn text(settings: &MailSettings, m: &EmailMessage) -> String {
    let mut t = String::new();
    if let Some(b) = m.body.as_deref().filter(|b| !b.is_empty()) {
        t.push_str(b);
        t.push_str("\n\n");
    }
    if let Some(l) = &m.link {
        t.push_str(&settings.absolute(l));
        t.push('\n');
    }
    if t.is_empty() {
        t.push_str(&m.subject);
        t.push('\n');
    }
    t
}

/// Send `m` (outbox message `outbox_id`) through the configured mail server.
pub async fn send(state: &AppState, outbox_id: i64, m: &EmailMessage) -> Result<(), Error> {
    let Some((settings, password)) = state.db.mail_for_sending().await? else {
        return Err(Error::Internal("mail: no mail server is configured".into()));
    };
    if !settings.enabled {
        return Err(Error::Internal("mail: sending is turned off".into()));
    }
    let from: Mailbox = settings
        .from_address
        .parse()
        .map_err(|e| failed("sender", e))?;
    let to: Mailbox = m.to.parse().map_err(|e| failed("recipient", e))?;
    let mail = Message::builder()
        .message_id(Some(message_id(outbox_id, &settings.from_address)))
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(text(&settings, m))
        .map_err(|e| failed("message", e))?;
    let transport = transport(&settings, password.as_ref())?;
    transport
        .send(mail)
        .await
        .map(|_| ())
        .map_err(|e| failed("send", e))
}

fn transport(
    s: &MailSettings,
    password: Option<&Secret>,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, Error> {
    let builder = match s.security {
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
            .map_err(|e| failed("tls", e))?,
        SmtpSecurity::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(|e| failed("tls", e))?
        }
    };
    let mut builder = builder.port(s.port).timeout(Some(TIMEOUT));
    if let Some(user) = &s.username {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.map(|p| p.expose().to_string()).unwrap_or_default(),
        ));
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_id_is_the_same_on_every_attempt_and_names_the_sender_domain() {
        assert_eq!(
            message_id(42, "desk@example.com"),
            "<sanbao-outbox-42@example.com>"
        );
        assert_eq!(message_id(42, "x"), "<sanbao-outbox-42@sanbao.invalid>");
    }
}
