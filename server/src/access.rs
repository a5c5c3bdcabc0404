//! Who is calling: roles, keys and the caller each key makes. No HTTP here: the
//! middleware in [`crate::auth`] reads the key off the request and asks [`KeyRing`].
//!
//! A key maps to a [`Caller`], and a caller carries one [`layers::Access`] (clearance
//! and visible layers) that every output path of the core takes. That mapping happens
//! in one function, [`KeyRing::caller`].
//!
//! The configuration holds SHA-256 digests of keys only. A request without a key is
//! `Role::Public`; a request with an unknown key is refused rather than served as
//! public.

use std::collections::{BTreeMap, HashMap};

use layers::{Access, Sensitivity};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Public,
    Analyst,
    System,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::Analyst => "analyst",
            Role::System => "system",
            Role::Admin => "admin",
        }
    }
}

/// What one role may see (the `[roles.NAME]` tables of the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleConfig {
    /// Layer ids this role may see; `"*"` for all.
    pub layers: Vec<String>,
    /// The most sensitive class of field this role may see.
    pub clearance: Sensitivity,
}

impl RoleConfig {
    /// Public sees public fields of every layer; system partners see operational
    /// (internal) fields; analysts and admins also see personal data.
    pub fn default_for(role: Role) -> Self {
        RoleConfig {
            layers: vec!["*".into()],
            clearance: match role {
                Role::Public => Sensitivity::Public,
                Role::System => Sensitivity::Internal,
                Role::Analyst | Role::Admin => Sensitivity::Personal,
            },
        }
    }

    fn access(&self) -> Access {
        let all = self.layers.iter().any(|l| l == "*");
        Access::new(
            self.clearance,
            (!all).then_some(&self.layers).map(|l| l.iter().cloned()),
        )
    }
}

/// One API key (the `[[keys]]` entries of the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// Who holds the key (logged with each request, never the key itself).
    pub name: String,
    pub role: Role,
    /// SHA-256 of the key, hex. Keys are random 256-bit tokens (`--gen-key`), so a
    /// plain digest suffices: there is nothing to brute-force from it.
    pub sha256: String,
}

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub role: Role,
    /// The key holder's name from the configuration (`None` for public callers).
    pub key_name: Option<String>,
    /// What this caller may see, on every output path.
    pub access: Access,
}

impl Caller {
    /// An unauthenticated caller with the default public role.
    pub fn public() -> Self {
        Caller {
            role: Role::Public,
            key_name: None,
            access: Access::public(),
        }
    }

    pub fn clearance(&self) -> Sensitivity {
        self.access.clearance()
    }

    pub fn may_see_layer(&self, id: &str) -> bool {
        self.access.may_see(id)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Keys by digest, and the caller each one makes.
#[derive(Debug, Clone)]
pub struct KeyRing {
    by_digest: HashMap<String, Caller>,
    public: Caller,
}

pub fn sha256_hex(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

impl KeyRing {
    /// `roles` overrides the defaults of [`RoleConfig::default_for`] role by role.
    pub fn new(roles: &BTreeMap<Role, RoleConfig>, keys: &[KeyConfig]) -> Self {
        let caller_for = |role: Role, key_name: Option<String>| Caller {
            role,
            key_name,
            access: roles
                .get(&role)
                .cloned()
                .unwrap_or_else(|| RoleConfig::default_for(role))
                .access(),
        };
        KeyRing {
            by_digest: keys
                .iter()
                .map(|k| {
                    (
                        k.sha256.to_ascii_lowercase(),
                        caller_for(k.role, Some(k.name.clone())),
                    )
                })
                .collect(),
            public: caller_for(Role::Public, None),
        }
    }

    /// The caller a presented key makes (`None`: no key, the public caller); `None`
    /// if the key is unknown.
    pub fn caller(&self, key: Option<&str>) -> Option<Caller> {
        match key {
            None => Some(self.public.clone()),
            Some(k) => self.by_digest.get(&sha256_hex(k)).cloned(),
        }
    }

    /// The caller without a key, as configured (`[roles.public]`).
    pub fn public(&self) -> &Caller {
        &self.public
    }
}

/// A new random key and its digest, for `riskmap-server --gen-key`.
pub fn generate_key() -> (String, String) {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key = format!("rmk_{}", hex::encode(bytes));
    let digest = sha256_hex(&key);
    (key, digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_their_role_and_layers() {
        let (key, digest) = generate_key();
        let mut roles = BTreeMap::new();
        roles.insert(
            Role::System,
            RoleConfig {
                layers: vec!["depots".into()],
                clearance: Sensitivity::Internal,
            },
        );
        let ring = KeyRing::new(
            &roles,
            &[KeyConfig {
                name: "dispatch".into(),
                role: Role::System,
                sha256: digest.to_uppercase(),
            }],
        );
        let c = ring.caller(Some(&key)).unwrap();
        assert_eq!(c.role, Role::System);
        assert!(c.may_see_layer("depots") && !c.may_see_layer("shelters"));
        assert_eq!(c.clearance(), Sensitivity::Internal);
        assert!(ring.caller(Some("rmk_unknown")).is_none());
        assert!(ring.caller(None).unwrap().access.is_public());
    }
}
