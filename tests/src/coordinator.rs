//! A real `vrs-coordinator` process, and the local federation (coordinator + nodes).

use super::{DEMO_MUNICIPALITIES, NodeProcess, binary, free_port, run};
use anyhow::bail;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `vrs-coordinator serve`, stopped with SIGTERM when dropped.
pub struct CoordinatorProcess {
    pub url: String,
    pub data_dir: PathBuf,
    pub national_token: String,
    child: Child,
}

impl CoordinatorProcess {
    /// init + user add (national) + serve, and waits until /health answers.
    pub fn start(root: &Path) -> anyhow::Result<Self> {
        let bin = binary("vrs-coordinator")?;
        let data_dir = root.join("coordinator");
        let http = format!("127.0.0.1:{}", free_port()?);
        let p2p = format!("/ip4/127.0.0.1/tcp/{}", free_port()?);
        run(Command::new(&bin)
            .args(["init", "--p2p-listen", &p2p, "--http-listen", &http])
            .arg("--data-dir")
            .arg(&data_dir))?;
        let national_token = run(Command::new(&bin)
            .args(["user", "add", "--name", "national", "--role", "national"])
            .arg("--data-dir")
            .arg(&data_dir))?
        .trim()
        .to_owned();
        let child = spawn_serve(&data_dir)?;
        let mut c = CoordinatorProcess { url: format!("http://{http}"), data_dir, national_token, child };
        c.wait_healthy(Duration::from_secs(30))?;
        Ok(c)
    }

    /// The `serve` process id, for reading its memory and CPU time from /proc.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn federation_file(&self) -> PathBuf {
        self.data_dir.join("federation.json")
    }

    pub fn enroll(&self, enrollment: &Path) -> anyhow::Result<()> {
        run(Command::new(binary("vrs-coordinator")?)
            .arg("enroll")
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg(enrollment))
        .map(drop)
    }

    pub fn revoke(&self, municipality: &str) -> anyhow::Result<()> {
        run(Command::new(binary("vrs-coordinator")?)
            .args(["revoke", "--municipality", municipality])
            .arg("--data-dir")
            .arg(&self.data_dir))
        .map(drop)
    }

    fn wait_healthy(&mut self, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(2)).build()?;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                bail!("the coordinator exited with {status}; see {}/coordinator.log", self.data_dir.display());
            }
            if client.get(format!("{}/health", self.url)).send().is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("the coordinator did not become healthy")
    }

    /// SIGKILL, no chance to flush anything.
    pub fn kill_hard(&mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.child = spawn_serve(&self.data_dir)?;
        self.wait_healthy(Duration::from_secs(30))
    }

    pub fn stop(&mut self) -> anyhow::Result<std::process::ExitStatus> {
        run(Command::new("kill").args(["-TERM", &self.child.id().to_string()]))?;
        Ok(self.child.wait()?)
    }
}

fn spawn_serve(data_dir: &Path) -> anyhow::Result<Child> {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(data_dir.join("coordinator.log"))?;
    Ok(Command::new(binary("vrs-coordinator")?)
        .arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?)
}

impl Drop for CoordinatorProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.stop();
        }
    }
}

/// The demo federation: a coordinator and the three demo nodes, enrolled and connected.
pub struct LocalFederation {
    // Nodes first: they stop before the coordinator does.
    pub nodes: Vec<NodeProcess>,
    pub coordinator: CoordinatorProcess,
}

impl LocalFederation {
    pub fn start(root: &Path, residents: u64, mut progress: impl FnMut(&str)) -> anyhow::Result<Self> {
        progress("starting the coordinator ...");
        let coordinator = CoordinatorProcess::start(root)?;
        let mut nodes = Vec::new();
        for (code, name) in DEMO_MUNICIPALITIES {
            progress(&format!("starting {code} {name} with {residents} generated residents ..."));
            nodes.push(NodeProcess::start_with(root, code, residents, None, Some(&coordinator))?);
        }
        for n in &nodes {
            n.wait_connected(Duration::from_secs(30))?;
        }
        Ok(LocalFederation { nodes, coordinator })
    }

    pub fn node(&self, municipality: &str) -> &NodeProcess {
        self.nodes.iter().find(|n| n.municipality == municipality).unwrap_or(&self.nodes[0])
    }
}
