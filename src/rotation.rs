//! `RotationPolicy`: a key's rotation policy as the domain sees it. Built with setters that check
//! their input (so Rust callers get the checks too), or read from the vault. Each text is stored
//! once; changing the policy never moves or frees a text another part of it still holds, and the
//! setter that replaces one hands the old one back.

use crate::error::Result;
use crate::http::{Method, Request};
use crate::keys::{check_duration, check_rotation_policy, RotationAction};
use crate::model::key::{
    ActionKind, KeyRotationPolicy, KeyRotationPolicyAttributes, LifetimeAction, LifetimeActionTrigger,
    LifetimeActionType,
};
use crate::names::{check_name, path_segment as segment};
use crate::text::Text;
use crate::vault::Client;
use serde::Deserialize;

/// A key rotation policy.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct RotationPolicy(pub(crate) KeyRotationPolicy);

impl RotationPolicy {
    /// An empty policy (no actions, no expiry time).
    pub fn new() -> RotationPolicy {
        RotationPolicy::default()
    }

    /// Sets (or, with None, removes) the expiry of new key versions, an ISO-8601 duration such as
    /// `P2Y`. Returns the expiry time it replaces.
    pub fn set_expiry_time(&mut self, duration: Option<&str>) -> Result<Option<Text>> {
        if let Some(d) = duration {
            check_duration("expiry time", d)?;
        }
        let attributes = self.0.attributes.get_or_insert_with(KeyRotationPolicyAttributes::default);
        Ok(std::mem::replace(&mut attributes.expiry_time, duration.map(Text::from)))
    }

    /// Appends an action triggered either `time_after_create` after creation or
    /// `time_before_expiry` before expiry (exactly one; Notify needs time before expiry). The
    /// policy is unchanged when the action is refused.
    pub fn add_action(
        &mut self,
        action: RotationAction,
        time_after_create: Option<&str>,
        time_before_expiry: Option<&str>,
    ) -> Result<()> {
        let action = LifetimeAction {
            trigger: LifetimeActionTrigger {
                time_after_create: time_after_create.map(Text::from),
                time_before_expiry: time_before_expiry.map(Text::from),
            },
            action: LifetimeActionType { kind: ActionKind::Known(action) },
        };
        self.0.lifetime_actions.push(action);
        if let Err(e) = check_rotation_policy(&self.0) {
            self.0.lifetime_actions.pop();
            return Err(e);
        }
        Ok(())
    }

    /// The policy id (absent for a policy built here).
    pub fn id(&self) -> Option<&Text> {
        self.0.id.as_ref()
    }

    /// The expiry of new key versions.
    pub fn expiry_time(&self) -> Option<&Text> {
        self.0.attributes.as_ref()?.expiry_time.as_ref()
    }

    /// Creation time of the policy, Unix seconds.
    pub fn created(&self) -> Option<i64> {
        self.0.attributes.as_ref()?.created
    }

    /// Last update time of the policy, Unix seconds.
    pub fn updated(&self) -> Option<i64> {
        self.0.attributes.as_ref()?.updated
    }

    /// Number of actions.
    pub fn action_count(&self) -> usize {
        self.0.lifetime_actions.len()
    }

    /// The action of entry `index` (None when out of range or of a type kv does not know).
    pub fn action(&self, index: usize) -> Option<RotationAction> {
        self.0.lifetime_actions.get(index)?.action.kind.known()
    }

    /// The time-after-create trigger of entry `index`.
    pub fn time_after_create(&self, index: usize) -> Option<&Text> {
        self.0.lifetime_actions.get(index)?.trigger.time_after_create.as_ref()
    }

    /// The time-before-expiry trigger of entry `index`.
    pub fn time_before_expiry(&self, index: usize) -> Option<&Text> {
        self.0.lifetime_actions.get(index)?.trigger.time_before_expiry.as_ref()
    }
}

/// A key's rotation policy in the vault.
impl Client {
    /// Gets a key's rotation policy.
    pub fn get_key_rotation_policy(&self, name: &str) -> Result<RotationPolicy> {
        check_name("key", name)?;
        let request = Request::new(Method::Get, format!("/keys/{}/rotationpolicy", segment(name)));
        let what = format!("get rotation policy of key '{name}'");
        let response = self.pipeline.send(&request).map_err(|e| e.context(&what))?;
        response.json().map_err(|e| e.context(&what))
    }

    /// Sets a key's rotation policy (replacing it); returns the policy as stored.
    pub fn update_key_rotation_policy(&self, name: &str, policy: &RotationPolicy) -> Result<RotationPolicy> {
        check_name("key", name)?;
        check_rotation_policy(&policy.0)?;
        let request = Request::with_json(Method::Put, format!("/keys/{}/rotationpolicy", segment(name)), &policy.0)?;
        let what = format!("update rotation policy of key '{name}'");
        let response = self.pipeline.send(&request).map_err(|e| e.context(&what))?;
        response.json().map_err(|e| e.context(&what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_actions_leave_the_policy_unchanged_and_texts_stay_put() {
        let mut p = RotationPolicy::new();
        p.add_action(RotationAction::Rotate, Some("P90D"), None).unwrap();
        let first = p.time_after_create(0).unwrap().as_ptr();
        for _ in 0..50 {
            p.add_action(RotationAction::Notify, None, Some("P30D")).unwrap();
        }
        assert_eq!(p.time_after_create(0).unwrap().as_ptr(), first, "the text did not move");
        assert!(p.add_action(RotationAction::Notify, Some("P1D"), None).is_err());
        assert_eq!(p.action_count(), 51);
        assert_eq!(p.action(0), Some(RotationAction::Rotate));
        assert_eq!(p.set_expiry_time(Some("P2Y")).unwrap(), None);
        assert_eq!(p.set_expiry_time(None).unwrap().as_deref(), Some("P2Y"));
        assert!(p.set_expiry_time(Some("2 years")).is_err());
        let json = serde_json::to_value(&p.0).unwrap();
        assert_eq!(json["lifetimeActions"][0]["action"]["type"], "Rotate");
        let back: RotationPolicy = serde_json::from_value(
            serde_json::json!({"lifetimeActions":[{"trigger":{"timeBeforeExpiry":"P1D"},"action":{"type":"notify"}},{"trigger":{"timeBeforeExpiry":"P1D"},"action":{"type":"Archive"}}]}),
        )
        .unwrap();
        assert_eq!(back.action(0), Some(RotationAction::Notify));
        assert_eq!(back.action(1), None);
    }
}
