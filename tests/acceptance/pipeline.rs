//! One uniquely named test pipeline and its clean-up guard: whatever happens to the test
//! (a failed assertion, a panic, Ctrl-C), `destroy --purge-data --yes` runs before it ends.

use super::report::{Report, say};
use super::sweep::{PREFIX, TAG};
use super::target::Target;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Mutex, Once};

/// What the Ctrl-C handler needs to destroy a pipeline: no borrow of the test's state.
#[derive(Clone)]
struct Live {
    stack: String,
    /// `<name>-`: every name the pipeline gives starts so (what the fallback sweep looks for).
    prefix: String,
    config: PathBuf,
    env: Vec<(&'static str, String)>,
    env_removed: &'static [&'static str],
    region: String,
    endpoint: Option<String>,
}

/// Pipelines deployed and not yet destroyed, for the Ctrl-C handler.
static LIVE: Mutex<Vec<Live>> = Mutex::new(Vec::new());

/// The exit status and both streams of one run of the binary.
pub struct Ran {
    pub code: i32,
    pub out: String,
    pub err: String,
}

impl Ran {
    /// The one JSON document `--json` prints, or a panic showing what came instead.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.out).unwrap_or_else(|e| {
            panic!(
                "expected one JSON document ({e}); stdout:\n{}\nstderr:\n{}",
                self.out, self.err
            )
        })
    }
}

pub struct Pipeline<'a> {
    pub target: &'a Target,
    report: &'a Report,
    /// The config's `name`: `ipacc-<run id>`, 16 characters, the config's bound.
    pub name: String,
    pub run_id: String,
    pub stack: String,
    pub config: PathBuf,
    _dir: tempfile::TempDir,
}

/// Ten characters of [a-z0-9] from the standard library's per-process random hash keys.
pub fn run_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    let mut n = h.finish();
    (0..10)
        .map(|_| {
            let c = b"abcdefghijklmnopqrstuvwxyz0123456789"[(n % 36) as usize] as char;
            n /= 36;
            c
        })
        .collect()
}

impl<'a> Pipeline<'a> {
    /// Writes the config of a new pipeline in a temp dir; deploys nothing yet. From here on the
    /// guard destroys it when dropped (destroying what does not exist is a no-op).
    pub fn new(target: &'a Target, report: &'a Report) -> Pipeline<'a> {
        install_ctrl_c_handler();
        let run_id = run_id();
        let name = format!("{PREFIX}{run_id}");
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("a temp dir: {e}"));
        let config = dir.path().join("infrapipe.yaml");
        // example.com takes no mail (RFC 2606): SNS's confirmation e-mail goes nowhere.
        let yaml = format!(
            "name: {name}\nenvironment: acc\nregions: [{}]\nnotifications:\n  emails: [infrapipe-acceptance@example.com]\ntags:\n  {TAG}: {run_id}\n",
            target.region()
        );
        std::fs::write(&config, yaml)
            .unwrap_or_else(|e| panic!("writing {}: {e}", config.display()));
        let pipeline = Pipeline {
            target,
            report,
            stack: format!("{name}-acc"),
            name,
            run_id,
            config,
            _dir: dir,
        };
        lock_live().push(pipeline.live());
        pipeline
    }

    fn live(&self) -> Live {
        Live {
            stack: self.stack.clone(),
            prefix: format!("{}-", self.name),
            config: self.config.clone(),
            env: self.target.env(),
            env_removed: self.target.env_removed(),
            region: self.target.region().to_owned(),
            endpoint: self.target.endpoint().map(str::to_owned),
        }
    }

    /// Runs the real binary with `-c <this config>` and `args`.
    pub fn infrapipe(&self, args: &[&str]) -> Ran {
        let mut all = vec!["-c", self.config.to_str().unwrap_or_default()];
        all.extend_from_slice(args);
        run_binary(&all, &self.target.env(), self.target.env_removed())
    }

    /// The raw bucket's name, as the model derives it (docs/architecture.md: names).
    pub fn raw_bucket(&self, account: &str) -> String {
        format!("{}-raw-{account}-{}", self.stack, self.target.region())
    }

    pub fn table(&self) -> String {
        format!("{}-metrics", self.stack)
    }
}

fn lock_live() -> std::sync::MutexGuard<'static, Vec<Live>> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

pub fn run_binary(args: &[&str], env: &[(&'static str, String)], removed: &[&str]) -> Ran {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_infrapipe"));
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .stdin(Stdio::null());
    for k in removed {
        cmd.env_remove(k);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", env!("CARGO_BIN_EXE_infrapipe")));
    Ran {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn destroy(live: &Live) -> Ran {
    let config = live.config.to_str().unwrap_or_default();
    let purge = format!("--purge-data={}", live.stack);
    run_binary(
        &[
            "-c",
            config,
            "destroy",
            &purge,
            "--no-backup",
            "--yes",
            "--json",
        ],
        &live.env,
        live.env_removed,
    )
}

/// How a clean-up ended: what was deleted, and the binary's destroy error when the SDK sweep of
/// the pipeline's prefix had to finish the job.
struct Cleaned {
    deleted: String,
    destroy_failed: Option<String>,
}

/// `destroy --purge-data --yes`, and when that fails (a stack mid-update after Ctrl-C, a bug in
/// destroy) the sweep of everything named with the pipeline's prefix. Err: what is left, and why.
fn clean(live: &Live) -> Result<Cleaned, String> {
    let target = match &live.endpoint {
        Some(endpoint) => Target::Emulator {
            endpoint: endpoint.clone(),
            moto: None,
        },
        None => Target::Aws {
            region: live.region.clone(),
        },
    };
    // moto deletes no state machine while it runs executions from its second store (a run step
    // interrupted midway); harmless elsewhere.
    target.moto_control(
        "/moto-api/config",
        r#"{"stepfunctions":{"execute_state_machine":false},"lambda":{"use_docker":true}}"#,
    );
    let ran = destroy(live);
    if ran.code == 0 {
        let doc: serde_json::Value = serde_json::from_str(&ran.out).unwrap_or_default();
        return Ok(Cleaned {
            deleted: format!(
                "stack {} ({}; {} object versions purged)",
                live.stack,
                doc["result"].as_str().unwrap_or("?"),
                doc["purged"]["objects"].as_u64().unwrap_or(0)
            ),
            destroy_failed: None,
        });
    }
    let destroy_failed = format!(
        "destroy --purge-data of {} exited {}: {}",
        live.stack,
        ran.code,
        ran.err.trim()
    );
    let clients = super::aws::Clients::new(&target);
    let swept = super::sweep::find(&clients, &live.prefix, None)
        .and_then(|found| super::sweep::remove(&clients, &found, &live.prefix, None));
    match swept {
        Ok(deleted) => Ok(Cleaned {
            deleted: format!("{} (swept)", deleted.join(", ")),
            destroy_failed: Some(destroy_failed),
        }),
        Err(e) => Err(format!(
            "{destroy_failed}; then the sweep failed too: {e:#}"
        )),
    }
}

impl Drop for Pipeline<'_> {
    fn drop(&mut self) {
        // No panic here: this may run while a failed step unwinds, where a second panic aborts.
        let cleaned = clean(&self.live());
        lock_live().retain(|l| l.stack != self.stack);
        match cleaned {
            Ok(c) => {
                if let Some(why) = c.destroy_failed {
                    say(&format!("acceptance: {why}"));
                    self.report.cleanup_failed(why);
                }
                self.report.deleted(c.deleted);
            }
            Err(why) => {
                say(&format!(
                    "acceptance: clean-up of {} FAILED: {why}",
                    self.stack
                ));
                self.report
                    .left(format!("stack {} and its data", self.stack));
            }
        }
    }
}

/// On Ctrl-C: destroy every live pipeline, then exit 130. The test harness's threads do not
/// unwind on a signal, so without this their guards would never run. (SIGKILL cannot be caught:
/// that is what the sweep is for.)
fn install_ctrl_c_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::thread::spawn(|| {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                say("acceptance: no Ctrl-C handler (runtime failed); an interrupted run needs the sweep");
                return;
            };
            if rt.block_on(tokio::signal::ctrl_c()).is_err() {
                say("acceptance: no Ctrl-C handler (signal not available); an interrupted run needs the sweep");
                return;
            }
            let live: Vec<Live> = lock_live().clone();
            say(&format!("\nacceptance: interrupted; destroying {} pipeline(s) before exiting", live.len()));
            for l in &live {
                match clean(l) {
                    Ok(c) => say(&format!("acceptance: deleted {}", c.deleted)),
                    Err(why) => say(&format!(
                        "acceptance: could not clean up {} (run the sweep: INFRAPIPE_ACC_SWEEP=1 cargo test --test acceptance -- --exact sweep): {why}",
                        l.stack
                    )),
                }
            }
            std::process::exit(130);
        });
    });
}
