//! CAP 1.2 documents for the router tests, built from parts: a fictional police zone's
//! sender, texts about a fictional burglary in four languages.

/// The sender of every test document.
pub const SENDER: &str = "pz-test@police.example";

/// One `<info>` block.
pub struct Info {
    pub language: &'static str,
    pub urgency: &'static str,
    pub headline: String,
    /// Extra elements after `<instruction>`: `<parameter>`s and `<area>`s.
    pub tail: String,
    pub expires: Option<String>,
}

impl Info {
    /// Urgent, in `language`, naming `networks` with `buurtbel:networks`.
    pub fn to(language: &'static str, networks: &str) -> Info {
        Info {
            language,
            urgency: "Immediate",
            headline: headline(language).to_owned(),
            tail: format!(
                "<parameter><valueName>buurtbel:networks</valueName><value>{networks}</value></parameter>\
                 <area><areaDesc>Teststraat</areaDesc></area>"
            ),
            expires: None,
        }
    }

    /// Urgent, in `language`, for an area with this geocode.
    pub fn at(language: &'static str, value_name: &str, code: &str) -> Info {
        Info {
            tail: format!(
                "<area><areaDesc>Testgemeente</areaDesc>\
                 <geocode><valueName>{value_name}</valueName><value>{code}</value></geocode></area>"
            ),
            ..Info::to(language, "")
        }
    }

    fn xml(&self) -> String {
        let expires = self
            .expires
            .as_ref()
            .map(|e| format!("<expires>{e}</expires>"))
            .unwrap_or_default();
        format!(
            "<info><language>{}</language><category>Security</category><event>Burglary</event>\
             <urgency>{}</urgency><severity>Moderate</severity><certainty>Observed</certainty>\
             {expires}<headline>{}</headline><description>{}</description>{}</info>",
            self.language,
            self.urgency,
            self.headline,
            description(self.language),
            self.tail
        )
    }
}

/// A whole `<alert>`.
pub struct Cap {
    pub identifier: String,
    pub status: &'static str,
    pub msg_type: &'static str,
    /// `<references>` text, for Update, Cancel, Ack and Error.
    pub references: Option<String>,
    pub infos: Vec<Info>,
}

impl Cap {
    /// An Actual Alert.
    pub fn alert(identifier: &str, infos: Vec<Info>) -> Cap {
        Cap {
            identifier: identifier.to_owned(),
            status: "Actual",
            msg_type: "Alert",
            references: None,
            infos,
        }
    }

    /// A message of `msg_type` referencing the Alert `identifier` (sent at [`SENT`]).
    pub fn about(identifier: &str, msg_type: &'static str, of: &str, infos: Vec<Info>) -> Cap {
        Cap {
            msg_type,
            references: Some(format!("{SENDER},{of},{SENT}")),
            ..Cap::alert(identifier, infos)
        }
    }

    pub fn xml(&self) -> String {
        let references = self
            .references
            .as_ref()
            .map(|r| format!("<references>{r}</references>"))
            .unwrap_or_default();
        let infos: String = self.infos.iter().map(Info::xml).collect();
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\
             <identifier>{}</identifier><sender>{SENDER}</sender><sent>{SENT}</sent>\
             <status>{}</status><msgType>{}</msgType><scope>Public</scope>{references}{infos}</alert>",
            self.identifier, self.status, self.msg_type
        )
    }
}

/// When every test document was sent.
pub const SENT: &str = "2026-12-03T02:00:00+01:00";

fn headline(language: &str) -> &'static str {
    match language {
        "fr-BE" => "Personnes suspectes rue du Test",
        "de-BE" => "Verdächtige Personen in der Teststraße",
        "en" | "en-US" => "Suspicious people in Test Street",
        _ => "Verdachte personen in de Teststraat",
    }
}

fn description(language: &str) -> &'static str {
    match language {
        "fr-BE" => "N'ouvrez pas et appelez le 101.",
        "de-BE" => "Öffnen Sie nicht und rufen Sie 101 an.",
        "en" | "en-US" => "Do not open the door and call 101.",
        _ => "Doe niet open en bel 101.",
    }
}
