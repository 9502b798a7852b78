//! MQTT 5 topic aliases: a small number standing for a topic name, set by its first use on a
//! connection and forgotten when the connection ends.
//!
//! Inbound: owns the alias → topic map of one connection and the rules for using it (alias
//! 1..=the Topic Alias Maximum the client announced in CONNECT; an empty topic needs a known
//! alias).
//!
//! Outbound (only with `SessionConfig::auto_topic_alias`, off by default): owns the topic → alias
//! map of one connection. Aliases 1..=the broker's Topic Alias Maximum are handed out to topics in
//! the order they are first published; the first PUBLISH of a topic carries topic and alias, later
//! ones an empty topic and the alias. Once all aliases are taken, new topics go out without one.
//! A PUBLISH whose properties already hold a Topic Alias (set by the application) is left alone.
//! Never touches anything else of the session.

use std::collections::HashMap;

use crate::error::Error;
use crate::protocol::{Property, PropertyId, PropertyValue, Publish};

/// The inbound topic aliases of one connection.
#[derive(Debug, Default)]
pub(super) struct InboundTopicAliases {
    maximum: u16,
    topics: HashMap<u16, String>,
}

impl InboundTopicAliases {
    /// A new connection announcing `maximum` (0: the broker must not use aliases).
    pub(super) fn reset(&mut self, maximum: u16) {
        self.maximum = maximum;
        self.topics.clear();
    }

    /// Whether this holds nothing a fresh value would not (no alias allowed, none recorded).
    pub(super) fn is_unused(&self) -> bool {
        self.maximum == 0 && self.topics.is_empty()
    }

    /// Record or apply the alias of `publish`, leaving its topic filled in; `None` stands for
    /// aliases that were never allocated (maximum 0).
    /// `Error::TopicAliasInvalid` for an alias out of range or unknown.
    pub(super) fn resolve(this: Option<&mut Self>, publish: &mut Publish) -> Result<(), Error> {
        let Some(alias) = publish.properties.get_u16(PropertyId::TopicAlias) else {
            return Ok(());
        };
        let maximum = this.as_ref().map_or(0, |a| a.maximum);
        let Some(this) = this.filter(|_| alias != 0 && alias <= maximum) else {
            log::debug!("culex: topic alias {alias} outside 1..={maximum}");
            return Err(Error::TopicAliasInvalid);
        };
        if publish.topic.is_empty() {
            match this.topics.get(&alias) {
                Some(topic) => publish.topic.clone_from(topic),
                None => {
                    log::debug!("culex: unknown topic alias {alias}");
                    return Err(Error::TopicAliasInvalid);
                }
            }
        } else {
            this.topics.insert(alias, publish.topic.clone());
        }
        Ok(())
    }
}

/// The outbound topic aliases of one connection.
#[derive(Debug, Default)]
pub(super) struct OutboundTopicAliases {
    /// Aliases allowed on this connection (0 when off or the broker takes none).
    maximum: u16,
    topics: HashMap<String, u16>,
}

/// How one PUBLISH uses an outbound alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AliasUse {
    /// First use: topic and alias go out, and the alias is recorded once sent.
    Assign(u16),
    /// Known alias: an empty topic and the alias go out.
    Reuse(u16),
}

impl OutboundTopicAliases {
    /// A new connection: `maximum` is the broker's Topic Alias Maximum, or 0 when automatic
    /// aliases are off.
    pub(super) fn reset(&mut self, maximum: u16) {
        self.maximum = maximum;
        self.topics.clear();
    }

    /// Whether aliases may be used on this connection.
    pub(super) fn is_active(&self) -> bool {
        self.maximum > 0
    }

    /// How `publish` should use an alias, if at all.
    pub(super) fn plan(&self, publish: &Publish) -> Option<AliasUse> {
        if self.maximum == 0
            || publish.topic.is_empty()
            || publish.properties.contains(PropertyId::TopicAlias)
        {
            return None;
        }
        if let Some(&alias) = self.topics.get(&publish.topic) {
            return Some(AliasUse::Reuse(alias));
        }
        let next = self.topics.len() + 1;
        (next <= usize::from(self.maximum)).then_some(AliasUse::Assign(next as u16))
    }

    /// `publish` went out with the first use of `alias`.
    pub(super) fn record(&mut self, topic: &str, alias: u16) {
        self.topics.insert(topic.to_owned(), alias);
    }
}

/// Put the alias of `used` into `publish` (emptying the topic for a reuse); returns the topic
/// taken out, for [`unapply`].
pub(super) fn apply(publish: &mut Publish, used: AliasUse) -> String {
    let (alias, taken) = match used {
        AliasUse::Assign(alias) => (alias, String::new()),
        AliasUse::Reuse(alias) => (alias, std::mem::take(&mut publish.topic)),
    };
    publish.properties.push(Property::new(
        PropertyId::TopicAlias,
        PropertyValue::TwoByteInteger(alias),
    ));
    taken
}

/// Undo [`apply`]: the PUBLISH kept for resending never holds an automatic alias.
pub(super) fn unapply(publish: &mut Publish, taken: String) {
    publish.properties.0.pop();
    if !taken.is_empty() {
        publish.topic = taken;
    }
}
