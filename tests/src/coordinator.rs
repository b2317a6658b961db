//! A real `vrs-coordinator` process, and the local federation (coordinator + nodes).

use super::{DEMO_MUNICIPALITIES, NodeProcess, Served, binary, free_port, run};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A running `vrs-coordinator serve`, stopped with SIGTERM when dropped.
pub struct CoordinatorProcess {
    pub url: String,
    pub data_dir: PathBuf,
    pub national_token: String,
    served: Served,
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
        let url = format!("http://{http}");
        let served = Served::start("vrs-coordinator", "coordinator.log", &data_dir, &url)?;
        Ok(CoordinatorProcess { url, data_dir, national_token, served })
    }

    /// The `serve` process id, for reading its memory and CPU time from /proc.
    pub fn pid(&self) -> u32 {
        self.served.pid()
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

    /// SIGKILL, no chance to flush anything.
    pub fn kill_hard(&mut self) -> anyhow::Result<()> {
        self.served.kill_hard()
    }

    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.served.restart()
    }

    pub fn stop(&mut self) -> anyhow::Result<std::process::ExitStatus> {
        self.served.stop()
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
