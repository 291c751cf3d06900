#![allow(dead_code)]
//! A moto server on a free loopback port, started from `.venv` and stopped on drop. Tests that
//! need it fail with an instruction when moto is missing; they never skip silently.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    pub port: u16,
    pub endpoint: String,
    _log_dir: tempfile::TempDir,
}

impl Moto {
    pub fn start() -> Moto {
        let bin = Path::new(".venv/bin/moto_server");
        assert!(
            bin.exists(),
            "moto is not installed in .venv: run `make test` (it installs requirements.txt)"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let log_dir = tempfile::tempdir().expect("temp dir");
        let log = std::fs::File::create(log_dir.path().join("moto.log")).expect("log file");
        let child = Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start moto_server");
        let moto = Moto {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            _log_dir: log_dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if moto
                .request("GET", "/moto-api/", "")
                .is_some_and(|r| r.starts_with("HTTP/1.1 200") || r.starts_with("HTTP/1.0 200"))
            {
                return moto;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto_server did not answer on port {port} within 20 s");
    }

    /// A raw HTTP request to moto (its control API); returns the whole response.
    pub fn request(&self, method: &str, path: &str, body: &str) -> Option<String> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        s.write_all(req.as_bytes()).ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        Some(out)
    }

    /// Environment for the binary and the SDK: fake credentials, this endpoint, no profile.
    pub fn env(&self, region: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", region.into()),
            ("AWS_DEFAULT_REGION", region.into()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            (
                "AWS_CONFIG_FILE",
                "/nonexistent/infrapipe-test-config".into(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/infrapipe-test-credentials".into(),
            ),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("NO_COLOR", "1".into()),
            // Reports fit this width; fixed so a caller's terminal cannot change their text.
            ("COLUMNS", "80".into()),
        ]
    }

    /// Runs the real binary against this moto; returns (exit code, stdout, stderr).
    #[allow(dead_code)]
    pub fn infrapipe(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_infrapipe"))
            .args(args)
            .envs(self.env("us-east-1"))
            .env_remove("AWS_PROFILE")
            .stdin(Stdio::null())
            .output()
            .expect("run infrapipe");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs the real binary against this moto, waits until its stderr shows `cue`, lets it go on
    /// for `settle`, then sends it SIGINT (Ctrl-C). Returns (exit code, stdout, all of stderr).
    pub fn interrupt(
        &self,
        args: &[&str],
        cue: &str,
        settle: Duration,
    ) -> (Option<i32>, String, String) {
        use std::io::{BufRead, BufReader};
        let mut child = Command::new(env!("CARGO_BIN_EXE_infrapipe"))
            .args(args)
            .envs(self.env("us-east-1"))
            .env_remove("AWS_PROFILE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run infrapipe");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut seen = String::new();
        while !seen.contains(cue) {
            let mut line = String::new();
            if stderr.read_line(&mut line).expect("read stderr") == 0 {
                let _ = child.kill();
                panic!("infrapipe ended before printing {cue:?}:\n{seen}");
            }
            seen.push_str(&line);
        }
        std::thread::sleep(settle);
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success(), "could not send SIGINT");
        let out = child.wait_with_output().expect("wait");
        stderr.read_to_string(&mut seen).expect("read stderr");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            seen,
        )
    }

    /// Runs a Python snippet with boto3 against this moto (for arranging state the tool does not
    /// create itself, or changing resources behind its back). Panics with its stderr on failure.
    pub fn boto3(&self, script: &str, args: &[&str]) -> String {
        let out = Command::new(".venv/bin/python")
            .arg("-c")
            .arg(script)
            .args(args)
            .envs(self.env("us-east-1"))
            .env_remove("AWS_PROFILE")
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "boto3 script failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Lets `infrapipe run` finish on moto. Without this moto leaves executions RUNNING; with it,
    /// Lambda tasks echo their input. In that mode moto keeps state machines in a second store
    /// that its CloudFormation does not write to, so this creates the example's state machine
    /// (same name, same definition) through the Step Functions API, as AWS's CloudFormation
    /// would have. Undo with [`Moto::stop_executing_collections`] before destroying.
    pub fn execute_collections(&self) {
        self.request(
            "POST",
            "/moto-api/config",
            r#"{"stepfunctions":{"execute_state_machine":true},"lambda":{"use_docker":false}}"#,
        );
        let definition = example_template()["Resources"]["CollectionStateMachine"]["Properties"]
            ["DefinitionString"]["Fn::Sub"][0]
            .as_str()
            .expect("definition")
            .replace("${AWS::Partition}", "aws")
            .replace(
                "${CollectorArn}",
                "arn:aws:lambda:us-east-1:123456789012:function:infra-monitoring-prod-collector",
            );
        self.boto3(
            "import sys, boto3; boto3.client('stepfunctions').create_state_machine(name='infra-monitoring-prod-collection', definition=sys.argv[1], roleArn='arn:aws:iam::123456789012:role/x')",
            &[&definition],
        );
    }

    /// Back to moto's default store for state machines, the one its CloudFormation deletes from.
    pub fn stop_executing_collections(&self) {
        self.request(
            "POST",
            "/moto-api/config",
            r#"{"stepfunctions":{"execute_state_machine":false},"lambda":{"use_docker":true}}"#,
        );
    }

    /// Deploys `template` as stack `stack` the way CloudFormation users do by hand: artifact
    /// bucket, code zips, CreateStack. (Used until tests can use `infrapipe apply`.)
    pub fn deploy(&self, stack: &str, template: &serde_json::Value) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut args = vec![stack.to_owned()];
        let body = dir.path().join("template.json");
        std::fs::write(&body, template.to_string()).expect("write template");
        args.push(body.display().to_string());
        for kind in infrapipe::model::FunctionKind::ALL {
            let pkg = infrapipe::package::package(kind).expect("zip");
            let file = dir.path().join(format!("{}.zip", kind.source_dir()));
            std::fs::write(&file, &pkg.zip).expect("write zip");
            args.push(file.display().to_string());
            args.push(pkg.key());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.boto3(DEPLOY, &args);
    }
}

/// The template `examples/infrapipe.yaml` renders for its first region.
pub fn example_template() -> serde_json::Value {
    let config = infrapipe::config::Config::load(Path::new("examples/infrapipe.yaml"))
        .expect("the example config is valid");
    let pipeline =
        infrapipe::commands::build(&config, &config.regions[0]).expect("package bundled lambdas");
    infrapipe::template::render(&pipeline)
}

const DEPLOY: &str = r#"
import sys, boto3
stack, template = sys.argv[1], open(sys.argv[2]).read()
bucket = "infrapipe-assets-123456789012-us-east-1"
s3 = boto3.client("s3")
s3.create_bucket(Bucket=bucket)
pairs = sys.argv[3:]
for path, key in zip(pairs[0::2], pairs[1::2]):
    s3.put_object(Bucket=bucket, Key=key, Body=open(path, "rb").read())
cf = boto3.client("cloudformation")
cf.create_stack(StackName=stack, TemplateBody=template, Capabilities=["CAPABILITY_IAM"])
status = cf.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
assert status == "CREATE_COMPLETE", status
"#;

/// A loopback proxy to `upstream` that holds each chunk a client sends for `latency`, as a round
/// trip to AWS would; returns its endpoint. Threads live until the process ends.
pub fn latency_proxy(upstream: u16, latency: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let port = listener.local_addr().expect("proxy address").port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                continue;
            };
            let (Ok(mut c_read), Ok(mut s_read)) = (client.try_clone(), server.try_clone()) else {
                continue;
            };
            let (mut c_write, mut s_write) = (client, server);
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = c_read.read(&mut buf) {
                    if n == 0 || {
                        std::thread::sleep(latency);
                        s_write.write_all(&buf[..n]).is_err()
                    } {
                        break;
                    }
                }
                let _ = s_write.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s_read, &mut c_write);
                let _ = c_write.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    format!("http://127.0.0.1:{port}")
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
