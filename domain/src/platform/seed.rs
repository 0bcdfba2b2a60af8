//! The directory a fresh installation starts with: the platforms the service deals with
//! most, each with the reporting routes caseworkers actually use.
//!
//! [`load`] runs at every start (API and `migrate`). Each entry carries a stable seed key
//! stored with its row; an entry whose key is already present, or whose name is already
//! taken, is skipped. So loading twice changes nothing, a platform an admin edited (even
//! renamed) or retired is never touched again, and entries added to this list in a later
//! release are added to existing installations.
//!
//! Addresses: only routes the service knows to be current are given as email addresses or
//! specific forms; where we were unsure of a form's exact address, the channel points at
//! the platform's help centre and the instructions say what to look for there. Admins
//! correct and extend entries through `PATCH /v1/platforms/{id}`.

use sqlx::PgConnection;

use super::{
    store,
    types::{ChannelKind, NewPlatform, PlatformChannel, PlatformKind},
};
use crate::{error::DomainError, timestamp::Ts};

/// One bundled directory entry.
#[derive(Debug, Clone, Copy)]
pub struct SeedPlatform {
    /// Never changes once released, even if the platform is renamed.
    pub key: &'static str,
    pub name: &'static str,
    pub kind: PlatformKind,
    pub website: &'static str,
    pub is_internet_intermediary: bool,
    pub stopncii_partner: bool,
    pub channels: &'static [(ChannelKind, &'static str, &'static str)],
    pub follow_up_business_days: i64,
    pub notes: Option<&'static str>,
}

use ChannelKind::{Email, HashSubmission, InAppReport, WebForm};
use PlatformKind::{AdultSite, HashService, Messaging, SearchEngine, SocialMedia};

/// The bundled directory, in no particular order (lists sort by name).
pub const DIRECTORY: &[SeedPlatform] = &[
    SeedPlatform {
        key: "snapchat",
        name: "Snapchat",
        kind: SocialMedia,
        website: "https://www.snapchat.com",
        is_internet_intermediary: true,
        stopncii_partner: true,
        channels: &[
            (
                InAppReport,
                "Snapchat app: press and hold the Snap, Story or account name",
                "Tap Report (for an account: the gear icon, then Report), choose the option about nudity or sexual content shared without consent, and send. A screenshot first: the Snap may disappear once reported.",
            ),
            (
                WebForm,
                "https://help.snapchat.com/hc/en-us",
                "Snapchat Support: use 'Contact us' and report a safety concern; give the username and what was shared. For someone without the app or when the in-app report is not possible.",
            ),
        ],
        follow_up_business_days: 5,
        notes: None,
    },
    SeedPlatform {
        key: "tiktok",
        name: "TikTok",
        kind: SocialMedia,
        website: "https://www.tiktok.com",
        is_internet_intermediary: true,
        stopncii_partner: true,
        channels: &[
            (
                InAppReport,
                "TikTok app: press and hold the video",
                "Choose Report, then the nearest reason (or Other) and explain that the video is an intimate image shared without the consent of the person shown; say so if that person is under 18.",
            ),
            (
                Email,
                "feedback@tiktok.com",
                "Name the video's link and the account that posted it, and say that the content shows a person intimately without their consent.",
            ),
        ],
        follow_up_business_days: 5,
        notes: None,
    },
    SeedPlatform {
        key: "instagram",
        name: "Instagram",
        kind: SocialMedia,
        website: "https://www.instagram.com",
        is_internet_intermediary: true,
        stopncii_partner: true,
        channels: &[
            (
                InAppReport,
                "Instagram: the ••• menu on the post, story or profile",
                "Choose Report and follow the options for nudity or sexual activity shared without consent.",
            ),
            (
                WebForm,
                "https://help.instagram.com",
                "Instagram Help Centre: search for reporting intimate images shared without consent; the form there also takes reports from people without an account.",
            ),
        ],
        follow_up_business_days: 5,
        notes: Some("Meta (with Facebook and Threads). Takes StopNCII hashes."),
    },
    SeedPlatform {
        key: "facebook",
        name: "Facebook",
        kind: SocialMedia,
        website: "https://www.facebook.com",
        is_internet_intermediary: true,
        stopncii_partner: true,
        channels: &[
            (
                InAppReport,
                "Facebook: the ••• menu next to the photo, video or post",
                "Choose 'Find support or report', then the option closest to intimate images shared without consent, and follow the steps.",
            ),
            (
                WebForm,
                "https://www.facebook.com/help",
                "Facebook Help Centre: search for sharing intimate images without permission; the reporting form there also works without an account.",
            ),
        ],
        follow_up_business_days: 5,
        notes: Some("Meta (with Instagram and Threads). Takes StopNCII hashes."),
    },
    SeedPlatform {
        key: "threads",
        name: "Threads",
        kind: SocialMedia,
        website: "https://www.threads.net",
        is_internet_intermediary: true,
        stopncii_partner: true,
        channels: &[(
            InAppReport,
            "Threads: the ••• menu on the post or profile",
            "Choose Report and the option for nudity or sexual activity shared without consent.",
        )],
        follow_up_business_days: 5,
        notes: Some("Meta (with Facebook and Instagram)."),
    },
    SeedPlatform {
        key: "reddit",
        name: "Reddit",
        kind: SocialMedia,
        website: "https://www.reddit.com",
        is_internet_intermediary: true,
        stopncii_partner: true,
        channels: &[
            (
                Email,
                "contact@reddit.com",
                "Subject line, exactly: Involuntary Pornography Report. In the body give the URL of the post's comments page. Works without a Reddit account.",
            ),
            (
                InAppReport,
                "Reddit: Report under the post (from its comments page)",
                "Give 'Involuntary Pornography' (non-consensual intimate media) as the reason and submit.",
            ),
        ],
        follow_up_business_days: 5,
        notes: None,
    },
    SeedPlatform {
        key: "x",
        name: "X",
        kind: SocialMedia,
        website: "https://x.com",
        is_internet_intermediary: true,
        stopncii_partner: false,
        channels: &[
            (
                InAppReport,
                "X: the ••• menu on the post or profile",
                "Choose Report and the options for private or sensitive media shared without consent.",
            ),
            (
                WebForm,
                "https://help.x.com/en/forms",
                "X Help Centre forms: choose the safety form for private information or intimate media posted without consent; copyright complaints (DMCA) have their own form there.",
            ),
        ],
        follow_up_business_days: 5,
        notes: Some("Formerly Twitter."),
    },
    SeedPlatform {
        key: "google_search",
        name: "Google Search",
        kind: SearchEngine,
        website: "https://www.google.com",
        is_internet_intermediary: true,
        stopncii_partner: true,
        channels: &[(
            WebForm,
            "https://support.google.com/websearch/answer/6302812",
            "Start the removal request and, under what to remove, choose nude or sexually explicit content. List the URL of every page showing the content and attach screenshots. Removes links from results only; the host must be asked too.",
        )],
        follow_up_business_days: 5,
        notes: Some("De-indexing only. Google announced in 2025 that Search would use StopNCII hashes."),
    },
    SeedPlatform {
        key: "bing",
        name: "Bing",
        kind: SearchEngine,
        website: "https://www.bing.com",
        is_internet_intermediary: true,
        stopncii_partner: true,
        channels: &[(
            WebForm,
            "https://www.microsoft.com/en-us/concern",
            "Microsoft's 'Report a concern' page: choose non-consensual intimate imagery and give each URL. Covers Bing results and content shared on OneDrive and Xbox.",
        )],
        follow_up_business_days: 5,
        notes: Some("De-indexing only. Microsoft announced in 2024 that Bing would use StopNCII hashes."),
    },
    SeedPlatform {
        key: "youtube",
        name: "YouTube",
        kind: SocialMedia,
        website: "https://www.youtube.com",
        is_internet_intermediary: true,
        stopncii_partner: false,
        channels: &[
            (
                InAppReport,
                "YouTube: the ⋮ menu under the video",
                "Choose Report and the option for sexual content; a privacy complaint (below) is the stronger route when the person shown did not consent.",
            ),
            (
                WebForm,
                "https://support.google.com/youtube",
                "YouTube Help: search for the privacy complaint process and file a privacy complaint naming the video's URL and the time in the video.",
            ),
        ],
        follow_up_business_days: 5,
        notes: None,
    },
    SeedPlatform {
        key: "discord",
        name: "Discord",
        kind: Messaging,
        website: "https://discord.com",
        is_internet_intermediary: true,
        stopncii_partner: false,
        channels: &[
            (
                InAppReport,
                "Discord: press and hold (or right-click) the message",
                "Choose Report Message and the option for non-consensual intimate media.",
            ),
            (
                WebForm,
                "https://support.discord.com/hc/en-us",
                "Discord Support: submit a request to Trust & Safety; give message links (copy message link) and user IDs, not just usernames.",
            ),
        ],
        follow_up_business_days: 5,
        notes: None,
    },
    SeedPlatform {
        key: "telegram",
        name: "Telegram",
        kind: Messaging,
        website: "https://telegram.org",
        is_internet_intermediary: true,
        stopncii_partner: false,
        channels: &[
            (
                InAppReport,
                "Telegram: press and hold the message, or the channel's ⋮ menu",
                "Choose Report and the closest reason (pornography or personal details); public channels and groups can be reported, private chats only by their members.",
            ),
            (
                WebForm,
                "https://telegram.org/support",
                "Telegram's support form: name the public link (t.me/...) of the channel or message.",
            ),
        ],
        follow_up_business_days: 5,
        notes: None,
    },
    SeedPlatform {
        key: "onlyfans",
        name: "OnlyFans",
        kind: AdultSite,
        website: "https://onlyfans.com",
        is_internet_intermediary: true,
        stopncii_partner: true,
        channels: &[(
            WebForm,
            "https://onlyfans.com/help",
            "OnlyFans Help: use the content reporting or removal request route and say that the person shown did not consent to the content being posted.",
        )],
        follow_up_business_days: 5,
        notes: None,
    },
    SeedPlatform {
        key: "pornhub",
        name: "Pornhub",
        kind: AdultSite,
        website: "https://www.pornhub.com",
        is_internet_intermediary: true,
        stopncii_partner: true,
        channels: &[(
            WebForm,
            "https://www.pornhub.com/content-removal",
            "Content removal request: give each video URL and say the person shown did not consent. Content is disabled while it is reviewed.",
        )],
        follow_up_business_days: 5,
        notes: Some("Operated by Aylo, a StopNCII partner."),
    },
    SeedPlatform {
        key: "bumble",
        name: "Bumble",
        kind: SocialMedia,
        website: "https://bumble.com",
        is_internet_intermediary: true,
        stopncii_partner: true,
        channels: &[(
            InAppReport,
            "Bumble app: the profile's menu, or the chat",
            "Choose Report and the option for inappropriate or explicit content shared without consent.",
        )],
        follow_up_business_days: 5,
        notes: None,
    },
    SeedPlatform {
        key: "stopncii",
        name: "StopNCII",
        kind: HashService,
        website: "https://stopncii.org",
        is_internet_intermediary: false,
        stopncii_partner: false,
        channels: &[(
            HashSubmission,
            "https://stopncii.org",
            "For adults (18 or older in the image). The person shown creates the case on their own device, which computes fingerprints (hashes) of the images; the images never leave the device. Only hashes go to partner platforms. Keep the case number and PIN to check or withdraw the case. Not for images taken under 18: use Take It Down.",
        )],
        follow_up_business_days: 10,
        notes: Some(
            "Run by the Revenge Porn Helpline (SWGfL). Prevents re-uploads on partner platforms; it does not remove content elsewhere.",
        ),
    },
    SeedPlatform {
        key: "take_it_down",
        name: "Take It Down",
        kind: HashService,
        website: "https://takeitdown.ncmec.org",
        is_internet_intermediary: false,
        stopncii_partner: false,
        channels: &[(
            HashSubmission,
            "https://takeitdown.ncmec.org",
            "For images of a person under 18 (including adults whose images were taken when they were under 18). Hashes are made on the device; the images are not uploaded. For youth 17 and under, refer to the Canadian Centre for Child Protection (Cybertip.ca) as well.",
        )],
        follow_up_business_days: 10,
        notes: Some("Run by the US National Center for Missing & Exploited Children (NCMEC)."),
    },
    SeedPlatform {
        key: "cybertip_ca",
        name: "Cybertip.ca",
        kind: PlatformKind::Other,
        website: "https://www.cybertip.ca",
        is_internet_intermediary: false,
        stopncii_partner: false,
        channels: &[(
            WebForm,
            "https://www.cybertip.ca",
            "Canada's tipline for the online sexual exploitation of children (Canadian Centre for Child Protection): report images of anyone under 18; they ask platforms to remove them. Its NeedHelpNow.ca service helps youth with removal.",
        )],
        follow_up_business_days: 10,
        notes: None,
    },
];

impl SeedPlatform {
    /// The entry in the shape a client would send, so it passes the same rules.
    #[must_use]
    pub fn to_new(&self) -> NewPlatform {
        NewPlatform {
            name: Some(self.name.to_owned()),
            kind: Some(self.kind),
            website: Some(self.website.to_owned()),
            is_internet_intermediary: Some(self.is_internet_intermediary),
            stopncii_partner: Some(self.stopncii_partner),
            channels: Some(
                self.channels
                    .iter()
                    .map(|(kind, address, instructions)| PlatformChannel {
                        kind: *kind,
                        address: (*address).to_owned(),
                        instructions: (*instructions).to_owned(),
                    })
                    .collect(),
            ),
            contacts: None,
            follow_up_business_days: Some(self.follow_up_business_days),
            notes: self.notes.map(str::to_owned),
            active: Some(true),
        }
    }
}

/// Inserts every bundled entry that is missing (see the module documentation) and
/// returns how many were inserted. Safe to run from several processes at once.
///
/// # Errors
/// `Validation` if a bundled entry breaks a rule (a test keeps that from shipping);
/// `Db` otherwise.
#[tracing::instrument(skip_all)]
pub async fn load(conn: &mut PgConnection, now: Ts) -> Result<usize, DomainError> {
    let mut inserted = 0;
    for entry in DIRECTORY {
        let spec = entry.to_new().parse()?;
        if store::insert_seed(conn, entry.key, &spec, now).await? {
            inserted += 1;
        }
    }
    if inserted > 0 {
        tracing::info!(inserted, "loaded platform directory entries");
    }
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_passes_the_rules() {
        for e in DIRECTORY {
            let spec = e.to_new().parse().unwrap_or_else(|err| panic!("{}: {err:?}", e.key));
            assert!(!spec.channels().is_empty(), "{} has a reporting route", e.key);
        }
    }

    #[test]
    fn keys_and_names_are_unique() {
        let mut keys: Vec<&str> = DIRECTORY.iter().map(|e| e.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), DIRECTORY.len());
        let mut names: Vec<String> = DIRECTORY.iter().map(|e| e.name.to_lowercase()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), DIRECTORY.len());
    }

    #[test]
    fn the_contract_minimum_is_there() {
        for name in [
            "Snapchat",
            "TikTok",
            "Instagram",
            "Facebook",
            "Reddit",
            "X",
            "Google Search",
            "Bing",
            "StopNCII",
            "Take It Down",
        ] {
            assert!(DIRECTORY.iter().any(|e| e.name == name), "{name}");
        }
        let hash = |n: &str| {
            DIRECTORY
                .iter()
                .find(|e| e.name == n)
                .map(|e| (e.kind, e.channels[0].0))
        };
        assert_eq!(hash("StopNCII"), Some((HashService, HashSubmission)));
        assert_eq!(hash("Take It Down"), Some((HashService, HashSubmission)));
        let reddit = DIRECTORY.iter().find(|e| e.key == "reddit").map(|e| e.channels[0]);
        assert!(reddit.is_some_and(|(k, a, i)| k == Email
            && a == "contact@reddit.com"
            && i.contains("Involuntary Pornography Report")));
    }
}
