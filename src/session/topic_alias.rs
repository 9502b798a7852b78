//! MQTT 5 inbound topic aliases: the broker may replace a topic name by a small number it set
//! earlier on the same connection.
//!
//! Owns the alias → topic map of one connection and the rules for using it (alias 1..=the Topic
//! Alias Maximum the client announced in CONNECT; an empty topic needs a known alias). Outbound
//! aliases are not used by this client. Never touches anything else of the session.

use std::collections::HashMap;

use crate::error::Error;
use crate::protocol::{PropertyId, Publish};

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

    /// Record or apply the alias of `publish`, leaving its topic filled in.
    /// `Error::TopicAliasInvalid` for an alias out of range or unknown.
    pub(super) fn resolve(&mut self, publish: &mut Publish) -> Result<(), Error> {
        let Some(alias) = publish.properties.get_u16(PropertyId::TopicAlias) else {
            return Ok(());
        };
        if alias == 0 || alias > self.maximum {
            log::debug!("culex: topic alias {alias} outside 1..={}", self.maximum);
            return Err(Error::TopicAliasInvalid);
        }
        if publish.topic.is_empty() {
            match self.topics.get(&alias) {
                Some(topic) => publish.topic.clone_from(topic),
                None => {
                    log::debug!("culex: unknown topic alias {alias}");
                    return Err(Error::TopicAliasInvalid);
                }
            }
        } else {
            self.topics.insert(alias, publish.topic.clone());
        }
        Ok(())
    }
}
