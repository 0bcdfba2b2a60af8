//! The letters a takedown request sends, as plain text (`GET .../notice`).
//!
//! Every letter goes out from the service on the client's behalf. A letter names the
//! client only where the law asks for the claimant (the two copyright notices); the others
//! say "our client". Each letter quotes the case reference and the request id so that an
//! answer finds its way back, and lists the URLs concerned.
//!
//! | channel | letter |
//! |---|---|
//! | `email` | a removal request citing the platform's own rules on intimate images shared without consent |
//! | `copyright_notice_ca` | a notice of claimed infringement with the particulars of the Copyright Act (Canada), s. 41.25(2) |
//! | `dmca_notice` | a takedown notice with the six elements of 17 U.S.C. § 512(c)(3)(A) |
//! | `cease_and_desist` | a demand to the person sharing: stop, delete every copy, confirm in writing by a date. It relies on civil remedies only and never threatens criminal proceedings: only the Crown decides on those |
//! | `order_service` | service of a tribunal or court order: its reference, terms and comply-by time |
//!
//! The other channels (`platform_report`, `web_form`, `stopncii`, `take_it_down`,
//! `search_deindex`) are filled in on the platform's own pages: [`NoticeError::NoLetter`].

use std::fmt::Write as _;

use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::types::TakedownChannel;
use crate::calendar::office_tz;

/// Who sends the letter: the service, on the client's behalf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// e.g. "Intimate Images Protection Service".
    pub name: String,
    /// Postal address, one line or several.
    pub postal_address: String,
    pub email: String,
    pub phone: Option<String>,
    /// Who signs for the service (a staff member's name and title).
    pub signatory: String,
}

impl Sender {
    /// The postal address as one line, its lines joined by commas (for a sentence).
    fn postal_address_on_one_line(&self) -> String {
        self.postal_address
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The particulars a copyright notice needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyrightDetails {
    /// The claimant (the copyright owner): the client, named because the law requires it.
    pub claimant_name: String,
    /// The claimant's own address, when they want it used; otherwise the letter gives the
    /// service's address as the address for communication ("care of").
    pub claimant_address: Option<String>,
    /// The work, e.g. "A photograph the claimant took of themselves in June 2025."
    pub work: String,
    /// The claimant's interest or right, e.g. "The claimant made the photograph and owns
    /// the copyright in it."
    pub claimant_right: String,
    /// When the claimed infringement was committed (or first seen).
    pub infringement_at: Timestamp,
}

/// What an order requires (contract §6): the order module's vocabulary.
pub use crate::order::OrderTerm;

/// An order term in a letter's words.
fn describe(t: OrderTerm) -> &'static str {
    match t {
        OrderTerm::StopDistribution => "stop distributing the intimate images, in any way",
        OrderTerm::DeleteCopies => "delete every copy of the intimate images",
        OrderTerm::RemoveFromPlatform => {
            "remove the intimate images from the platform, or disable access to them everywhere"
        }
        OrderTerm::Deindex => "remove the listed pages from search results (de-index them)",
        OrderTerm::NoThreats => "not threaten to distribute the intimate images",
    }
}

/// The order a letter serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDetails {
    pub reference: String,
    /// e.g. "Civil Resolution Tribunal of British Columbia".
    pub issued_by: String,
    pub issued_on: Date,
    pub terms: Vec<OrderTerm>,
    pub comply_by: Timestamp,
    pub publication_ban: bool,
}

/// Everything a letter may need, and nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeInput {
    pub sender: Sender,
    /// The platform (or, for a cease-and-desist letter, the platform where the person was
    /// found).
    pub platform_name: String,
    /// The person a cease-and-desist letter is addressed to, when known.
    pub recipient_name: Option<String>,
    pub urls: Vec<String>,
    /// The case reference, e.g. `IIPS-2026-000042`.
    pub case_reference: String,
    pub request_id: Uuid,
    /// The letter's date (office-local).
    pub date: Date,
    pub depicted_under_18: Option<bool>,
    /// Needed by `copyright_notice_ca` and `dmca_notice`.
    pub copyright: Option<CopyrightDetails>,
    /// Needed by `cease_and_desist`: the date written confirmation is due.
    pub respond_by: Option<Date>,
    /// Needed by `order_service`.
    pub order: Option<OrderDetails>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    /// The channel sends no letter (the request is made on the platform's own pages).
    #[error("the {0} channel sends no letter")]
    NoLetter(TakedownChannel),
    /// Inputs the letter cannot do without, every one listed.
    #[error("missing for this letter: {0:?}")]
    Missing(Vec<&'static str>),
}

/// Renders the letter of `channel`.
///
/// # Errors
/// `NoLetter` for channels without one; `Missing` listing every input the letter needs
/// and did not get.
pub fn render(channel: TakedownChannel, input: &NoticeInput) -> Result<String, NoticeError> {
    if !channel.has_letter() {
        return Err(NoticeError::NoLetter(channel));
    }
    let mut missing = Vec::new();
    if input.urls.is_empty() && channel != TakedownChannel::CeaseAndDesist {
        missing.push("urls");
    }
    match channel {
        TakedownChannel::CopyrightNoticeCa | TakedownChannel::DmcaNotice if input.copyright.is_none() => {
            missing.push("copyright");
        }
        TakedownChannel::CeaseAndDesist if input.respond_by.is_none() => missing.push("respond_by"),
        TakedownChannel::OrderService if input.order.is_none() => missing.push("order"),
        _ => {}
    }
    if !missing.is_empty() {
        return Err(NoticeError::Missing(missing));
    }
    let text = match (channel, &input.copyright, input.respond_by, &input.order) {
        (TakedownChannel::Email, ..) => policy_request(input),
        (TakedownChannel::CopyrightNoticeCa, Some(c), ..) => copyright_notice_ca(input, c),
        (TakedownChannel::DmcaNotice, Some(c), ..) => dmca_notice(input, c),
        (TakedownChannel::CeaseAndDesist, _, Some(by), _) => cease_and_desist(input, by),
        (TakedownChannel::OrderService, _, _, Some(o)) => order_service(input, o),
        _ => return Err(NoticeError::NoLetter(channel)),
    };
    Ok(text)
}

fn long_date(d: Date) -> String {
    d.strftime("%-d %B %Y").to_string()
}

/// An instant in office time, with its offset: "23 November 2026 at 10:00 (UTC-07:00)".
fn local_time(t: Timestamp) -> String {
    t.to_zoned(office_tz().clone())
        .strftime("%-d %B %Y at %H:%M (UTC%:z)")
        .to_string()
}

fn header(out: &mut String, input: &NoticeInput, to: &str, subject: &str) {
    let s = &input.sender;
    let _ = writeln!(out, "From: {}", s.name);
    for line in s.postal_address.lines() {
        let _ = writeln!(out, "      {}", line.trim());
    }
    let _ = write!(out, "      {}", s.email);
    if let Some(p) = &s.phone {
        let _ = write!(out, " | {p}");
    }
    out.push('\n');
    let _ = writeln!(out, "To: {to}");
    let _ = writeln!(out, "Date: {}", long_date(input.date));
    let _ = writeln!(
        out,
        "Our reference: {} (request {})",
        input.case_reference, input.request_id
    );
    let _ = writeln!(out, "Subject: {subject}");
    out.push('\n');
}

fn url_list(out: &mut String, urls: &[String]) {
    for (i, u) in urls.iter().enumerate() {
        let _ = writeln!(out, "  {}. {u}", i + 1);
    }
}

fn reply_line(out: &mut String, input: &NoticeInput) {
    let _ = writeln!(
        out,
        "Please reply to {}, quoting our reference {}.",
        input.sender.email, input.case_reference
    );
}

fn signature(out: &mut String, input: &NoticeInput) {
    let _ = writeln!(out, "\n{}", input.sender.signatory);
    let _ = writeln!(out, "for {}", input.sender.name);
}

fn policy_request(input: &NoticeInput) -> String {
    let mut out = String::new();
    let p = &input.platform_name;
    header(
        &mut out,
        input,
        &format!("{p}, trust and safety team"),
        "Request to remove intimate images shared without consent",
    );
    let _ = writeln!(
        out,
        "{} supports people whose intimate images have been shared without their consent. \
We write with the permission of, and on behalf of, the person shown in the content below (our client).\n",
        input.sender.name
    );
    let _ = writeln!(
        out,
        "The following content on {p} shows our client in an intimate image, and it was posted without our client's consent:\n"
    );
    url_list(&mut out, &input.urls);
    let _ = writeln!(
        out,
        "\nPosting intimate images of a person without that person's consent is against {p}'s rules on non-consensual \
intimate imagery. We ask you to:"
    );
    for ask in [
        "remove the content at each address above, or disable access to it everywhere;",
        "stop the same images being posted again, for example by matching copies against them; and",
        "tell us in writing what you have done.",
    ] {
        let _ = writeln!(out, "  - {ask}");
    }
    if input.depicted_under_18 == Some(true) {
        let _ = writeln!(
            out,
            "\nThe person shown was under 18 when the images were made. Please treat this request as urgent."
        );
    }
    let _ = writeln!(
        out,
        "\nWe have kept a record of the content. Please do not pass this request, or our client's details, to the \
account that posted it.\n"
    );
    reply_line(&mut out, input);
    signature(&mut out, input);
    out
}

fn communication(input: &NoticeInput, c: &CopyrightDetails) -> String {
    let s = &input.sender;
    let phone = s
        .phone
        .as_deref()
        .map(|p| format!(", telephone {p}"))
        .unwrap_or_default();
    match &c.claimant_address {
        Some(a) => format!(
            "{a}; or through the claimant's agent, {}, at {}{phone}",
            s.name, s.email
        ),
        None => format!(
            "care of {}, {}; email {}{phone}",
            s.name,
            s.postal_address_on_one_line(),
            s.email
        ),
    }
}

fn copyright_notice_ca(input: &NoticeInput, c: &CopyrightDetails) -> String {
    let mut out = String::new();
    header(
        &mut out,
        input,
        &input.platform_name,
        "Notice of claimed copyright infringement under the Copyright Act (Canada), section 41.25",
    );
    let _ = writeln!(
        out,
        "This is a notice of claimed infringement under section 41.25 of the Copyright Act (Canada). {} sends it as \
agent of the claimant named below. It sets out the particulars required by subsection 41.25(2).\n",
        input.sender.name
    );
    let _ = writeln!(out, "(a) Claimant's name: {}", c.claimant_name);
    let _ = writeln!(
        out,
        "    Claimant's address for communication: {}",
        communication(input, c)
    );
    let _ = writeln!(out, "(b) Work to which the claimed infringement relates: {}", c.work);
    let _ = writeln!(
        out,
        "(c) Claimant's interest or right in the copyright: {}",
        c.claimant_right
    );
    let _ = writeln!(out, "(d) Location data of the electronic locations concerned:");
    url_list(&mut out, &input.urls);
    let _ = writeln!(
        out,
        "(e) Infringement claimed: the work has been copied and made available to the public at the locations above \
without the claimant's consent, which only the copyright owner may authorise."
    );
    let _ = writeln!(
        out,
        "(f) Date and time of the claimed infringement: {} (the infringement continues).",
        local_time(c.infringement_at)
    );
    let _ = writeln!(out, "(g) Other information: none.");
    let _ = writeln!(
        out,
        "\nUnder subsection 41.26(1) of the Act, on receiving this notice you must, as soon as feasible, forward it \
electronically to the person to whom each location belongs and tell the claimant that you have done so (or why \
you could not), and keep records that identify that person for the period the Act sets. The claimant also asks \
you to remove the material, which shows the claimant in an intimate image shared without consent.\n"
    );
    reply_line(&mut out, input);
    signature(&mut out, input);
    let _ = writeln!(out, "as agent of {}", c.claimant_name);
    out
}

fn dmca_notice(input: &NoticeInput, c: &CopyrightDetails) -> String {
    let mut out = String::new();
    let s = &input.sender;
    header(
        &mut out,
        input,
        &format!("{}, designated copyright agent", input.platform_name),
        "DMCA notice of claimed infringement (17 U.S.C. § 512(c)(3))",
    );
    let _ = writeln!(
        out,
        "{} sends this notice under section 512(c) of the Digital Millennium Copyright Act as the authorized agent of \
{}, the owner of the copyright in the work below. We ask you to remove, or disable access to, the infringing \
material promptly.\n",
        s.name, c.claimant_name
    );
    let _ = writeln!(out, "1. Copyrighted work claimed to be infringed: {}", c.work);
    let _ = writeln!(out, "   The owner's right: {}", c.claimant_right);
    let _ = writeln!(
        out,
        "2. Material claimed to be infringing, to be removed or disabled, and where to find it:"
    );
    url_list(&mut out, &input.urls);
    let _ = writeln!(
        out,
        "3. Contact information of the complaining party: {}, through their agent {}, {}; email {}{}.",
        c.claimant_name,
        s.name,
        s.postal_address_on_one_line(),
        s.email,
        s.phone
            .as_deref()
            .map(|p| format!("; telephone {p}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "4. Statement of good faith: we have a good faith belief that the use of the material in the manner complained \
of is not authorized by the copyright owner, its agent, or the law."
    );
    let _ = writeln!(
        out,
        "5. Statement of accuracy and authority: the information in this notice is accurate, and under penalty of \
perjury, the signatory is authorized to act on behalf of the owner of the exclusive right that is allegedly infringed."
    );
    let _ = writeln!(
        out,
        "6. Signature: /s/ {} (electronic signature), for {}, authorized agent of {}, {}.",
        s.signatory,
        s.name,
        c.claimant_name,
        long_date(input.date)
    );
    out.push('\n');
    reply_line(&mut out, input);
    out
}

fn cease_and_desist(input: &NoticeInput, respond_by: Date) -> String {
    let mut out = String::new();
    let to = input
        .recipient_name
        .clone()
        .unwrap_or_else(|| "The person holding or sharing our client's intimate images".to_owned());
    header(
        &mut out,
        input,
        &to,
        "Demand to stop sharing intimate images and to delete every copy",
    );
    let greeting = input.recipient_name.as_deref().unwrap_or("Sir or Madam");
    let _ = writeln!(out, "Dear {greeting},\n");
    let _ = writeln!(
        out,
        "{} writes on behalf of our client, whose intimate images you have shared, or threatened to share, without \
our client's consent.",
        input.sender.name
    );
    if !input.urls.is_empty() {
        let _ = writeln!(out, "\nThe images have been found at:\n");
        url_list(&mut out, &input.urls);
    }
    let _ = writeln!(
        out,
        "\nOur client does not consent, and has never consented, to these images being shared, shown, posted or kept \
by you. Under British Columbia's Intimate Images Protection Act, distributing an intimate image of a person without \
their consent, or threatening to, is a wrong the person shown can act on without having to prove any harm. \
Wilfully violating another person's privacy is also actionable under the Privacy Act of British Columbia.\n"
    );
    let _ = writeln!(out, "Our client requires you to:");
    let _ = writeln!(
        out,
        "  1. stop at once sharing, sending, showing, posting or threatening to share any intimate image of our client;"
    );
    let _ = writeln!(
        out,
        "  2. permanently delete every copy you hold: on phones, computers, storage devices, cloud storage, accounts \
and websites, and ask anyone you sent them to to delete theirs; and"
    );
    let _ = writeln!(
        out,
        "  3. confirm in writing, by {}, that you have done both, by replying to {} and quoting our reference {}.",
        long_date(respond_by),
        input.sender.email,
        input.case_reference
    );
    let _ = writeln!(
        out,
        "\nIf you do not, our client may apply without further notice to the Civil Resolution Tribunal for an order \
that the images be deleted and removed, and may claim damages. A person who does not obey such an order can be \
made to pay an administrative penalty for every day it is not obeyed.\n"
    );
    let _ = writeln!(
        out,
        "Do not contact our client. Direct any communication about this matter to {} at {}.",
        input.sender.name, input.sender.email
    );
    signature(&mut out, input);
    out
}

fn order_service(input: &NoticeInput, o: &OrderDetails) -> String {
    let mut out = String::new();
    header(
        &mut out,
        input,
        &input.platform_name,
        &format!("Service of order {}: removal of intimate images", o.reference),
    );
    let _ = writeln!(
        out,
        "{} serves on {} the order of the {} with reference {}, made on {}, which is attached. We act for the person \
the order protects.\n",
        input.sender.name,
        input.platform_name,
        o.issued_by,
        o.reference,
        long_date(o.issued_on)
    );
    let _ = writeln!(out, "The order requires you to:");
    for t in &o.terms {
        let _ = writeln!(out, "  - {}", describe(*t));
    }
    let _ = writeln!(out, "\nIt concerns the content at:\n");
    url_list(&mut out, &input.urls);
    let _ = writeln!(
        out,
        "\nComply by: {}.\n\nRemoval means the content is no longer available to anyone; blocking it only for \
visitors from Canada, or from any other region, does not comply with the order. Please confirm in writing what you \
have done and when. Where an order is not complied with, an administrative penalty may be sought for each day of \
non-compliance.",
        local_time(o.comply_by)
    );
    if o.publication_ban {
        let _ = writeln!(
            out,
            "\nThe order is subject to a publication ban: do not publish any information that could identify the \
people it concerns."
        );
    }
    out.push('\n');
    reply_line(&mut out, input);
    signature(&mut out, input);
    out
}

#[cfg(test)]
mod tests;
