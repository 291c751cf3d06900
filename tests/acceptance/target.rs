//! Where the acceptance suite runs, read from the environment: a real account (INFRAPIPE_ACC=1),
//! an emulator on loopback (INFRAPIPE_ACC_ENDPOINT), or nowhere (every step skipped, with why).

use crate::common::moto::Moto;
use std::net::Ipv4Addr;

/// Why the suite does not run, or what it runs against.
pub enum Selection {
    /// Neither variable is set: each step is reported skipped with this reason, and passes.
    Skip(String),
    /// The variables contradict each other or lack a part: the suite fails with this message.
    Refuse(String),
    Run(Target),
}

pub enum Target {
    /// A real account from the SDK's credential chain (profiles, SSO, environment, roles).
    Aws { region: String },
    /// An emulator on loopback. `moto` is the server this suite started (`INFRAPIPE_ACC_ENDPOINT=moto`),
    /// `None` when the user gave the URL of one they run.
    Emulator {
        endpoint: String,
        moto: Option<Moto>,
    },
}

/// The region an emulator run uses (moto accepts any; this is the one the other e2e tests use).
const EMULATOR_REGION: &str = "us-east-1";

pub const HOW_TO_RUN: &str = "set INFRAPIPE_ACC=1 with INFRAPIPE_ACC_REGION for a real account, or INFRAPIPE_ACC_ENDPOINT=moto for the local emulator";

impl Selection {
    pub fn from_env() -> Selection {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self::from_values(
            var("INFRAPIPE_ACC").as_deref(),
            var("INFRAPIPE_ACC_REGION").as_deref(),
            var("INFRAPIPE_ACC_ENDPOINT").as_deref(),
        )
    }

    pub fn from_values(
        acc: Option<&str>,
        region: Option<&str>,
        endpoint: Option<&str>,
    ) -> Selection {
        match (acc, endpoint) {
            (Some(_), Some(_)) => Selection::Refuse(
                "INFRAPIPE_ACC and INFRAPIPE_ACC_ENDPOINT are both set: choose a real account (INFRAPIPE_ACC=1) or an emulator (INFRAPIPE_ACC_ENDPOINT), not both".into(),
            ),
            (None, None) => Selection::Skip(format!(
                "neither INFRAPIPE_ACC nor INFRAPIPE_ACC_ENDPOINT is set ({HOW_TO_RUN})"
            )),
            (Some("1"), None) => match region {
                Some(r) => Selection::Run(Target::Aws { region: r.to_owned() }),
                None => Selection::Refuse(
                    "INFRAPIPE_ACC=1 needs INFRAPIPE_ACC_REGION (the region to deploy the test pipelines to, e.g. eu-west-1); the suite never guesses a region of a real account".into(),
                ),
            },
            (Some(other), None) => Selection::Skip(format!(
                "INFRAPIPE_ACC is {other:?}, not 1 ({HOW_TO_RUN})"
            )),
            (None, Some("moto")) => Selection::Run(Target::Emulator {
                endpoint: String::new(),
                moto: None,
            }),
            (None, Some(url)) => match loopback_endpoint(url) {
                Ok(()) => Selection::Run(Target::Emulator {
                    endpoint: url.trim_end_matches('/').to_owned(),
                    moto: None,
                }),
                Err(why) => Selection::Refuse(why),
            },
        }
    }
}

/// Only `http://127.x.y.z:PORT`: the suite must never reach a host off this machine by mistake.
fn loopback_endpoint(url: &str) -> Result<(), String> {
    let refuse = |why: &str| {
        Err(format!(
            "INFRAPIPE_ACC_ENDPOINT={url:?} {why}: it must be `moto` or http://127.0.0.1:PORT (loopback only)"
        ))
    };
    let Some(rest) = url.strip_prefix("http://") else {
        return refuse("is not an http:// URL");
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let Some((host, port)) = authority.rsplit_once(':') else {
        return refuse("has no port");
    };
    if port.parse::<u16>().is_err() {
        return refuse("has no valid port");
    }
    match host.parse::<Ipv4Addr>() {
        Ok(ip) if ip.is_loopback() => Ok(()),
        _ => refuse("names a host outside 127.0.0.0/8"),
    }
}

impl Target {
    /// moto from `.venv`, started by [`Target::start`].
    pub fn moto() -> Target {
        Target::Emulator {
            endpoint: String::new(),
            moto: None,
        }
    }

    /// Starts the emulator this target needs (moto from `.venv`, on a free loopback port).
    pub fn start(self) -> Target {
        match self {
            Target::Emulator {
                endpoint,
                moto: None,
            } if endpoint.is_empty() => {
                let moto = Moto::start();
                Target::Emulator {
                    endpoint: moto.endpoint.clone(),
                    moto: Some(moto),
                }
            }
            t => t,
        }
    }

    pub fn region(&self) -> &str {
        match self {
            Target::Aws { region } => region,
            Target::Emulator { .. } => EMULATOR_REGION,
        }
    }

    pub fn is_emulator(&self) -> bool {
        matches!(self, Target::Emulator { .. })
    }

    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Target::Aws { .. } => None,
            Target::Emulator { endpoint, .. } => Some(endpoint),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Target::Aws { region } => {
                format!("a real AWS account (SDK credential chain), region {region}")
            }
            Target::Emulator {
                endpoint,
                moto: Some(_),
            } => format!("moto started by the suite at {endpoint}"),
            Target::Emulator {
                endpoint,
                moto: None,
            } => format!("the emulator at {endpoint}"),
        }
    }

    /// Environment for the binary. Against an emulator: fake credentials, its endpoint, no
    /// profile or instance role that could reach a real account. Against AWS: the caller's own
    /// chain, with the region pinned.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("AWS_REGION", self.region().to_owned()),
            ("AWS_DEFAULT_REGION", self.region().to_owned()),
            ("NO_COLOR", "1".into()),
        ];
        if let Some(endpoint) = self.endpoint() {
            env.extend([
                ("AWS_ACCESS_KEY_ID", "testing".into()),
                ("AWS_SECRET_ACCESS_KEY", "testing".into()),
                ("AWS_ENDPOINT_URL", endpoint.to_owned()),
                (
                    "AWS_CONFIG_FILE",
                    "/nonexistent/infrapipe-acc-config".into(),
                ),
                (
                    "AWS_SHARED_CREDENTIALS_FILE",
                    "/nonexistent/infrapipe-acc-credentials".into(),
                ),
                ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ]);
        }
        env
    }

    /// Variables removed from the binary's environment.
    pub fn env_removed(&self) -> &'static [&'static str] {
        if self.is_emulator() {
            &["AWS_PROFILE", "AWS_SESSION_TOKEN"]
        } else {
            &[]
        }
    }

    /// moto's control API (`/moto-api/...`), when the target is moto.
    pub fn moto_control(&self, path: &str, body: &str) -> Option<String> {
        match self {
            Target::Emulator { moto: Some(m), .. } => m.request("POST", path, body),
            Target::Emulator {
                endpoint,
                moto: None,
            } => {
                let port = endpoint.rsplit_once(':')?.1.parse::<u16>().ok()?;
                raw_post(port, path, body)
            }
            Target::Aws { .. } => None,
        }
    }
}

fn raw_post(port: u16, path: &str, body: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}
