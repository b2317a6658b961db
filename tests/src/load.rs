//! A steady load of doses posted to a node by several clients, remembering which were
//! acknowledged and when: what the durability and backup tests check afterwards.

use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

/// One dose a site reads: the coupon's OCR line and the date.
#[derive(Debug, Clone)]
pub struct Dose {
    pub ocr_line: String,
    pub vaccinated_on: &'static str,
}

impl Dose {
    /// Doses 1 and 2 for each coupon of `municipality`, first doses first.
    pub fn for_coupons(municipality: &str, coupons: &[String]) -> Vec<Dose> {
        [("1", "2021-06-01"), ("2", "2021-07-01")]
            .iter()
            .flat_map(|(n, on)| {
                coupons.iter().map(move |c| Dose { ocr_line: format!("1{n}{municipality}{c}"), vaccinated_on: on })
            })
            .collect()
    }
}

/// An acknowledged dose: its record id, the answer's status and when the answer came.
#[derive(Debug, Clone)]
pub struct Acked {
    pub id: String,
    pub status: String,
    pub at: Instant,
}

pub struct DoseLoad {
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<Acked>>>,
    threads: Vec<JoinHandle<()>>,
}

impl DoseLoad {
    /// `clients` threads post `doses` (each once, split between them) until told to stop
    /// or the node stops answering.
    pub fn start(url: &str, token: &str, doses: Vec<Dose>, clients: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(Mutex::new(Vec::new()));
        let doses = Arc::new(doses);
        let threads = (0..clients)
            .map(|t| {
                let (stop, acked, doses) = (stop.clone(), acked.clone(), doses.clone());
                let (url, token) = (url.to_owned(), token.to_owned());
                std::thread::spawn(move || post_all(&url, &token, &doses, t, clients, &stop, &acked))
            })
            .collect();
        DoseLoad { stop, acked, threads }
    }

    pub fn acknowledged(&self) -> usize {
        self.acked.lock().map_or(0, |a| a.len())
    }

    /// Waits until at least `n` doses are acknowledged (or every client has finished).
    pub fn wait_for(&self, n: usize) {
        while self.acknowledged() < n && !self.threads.iter().all(JoinHandle::is_finished) {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Stops the clients and returns every acknowledged dose.
    pub fn stop(self) -> Vec<Acked> {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads {
            let _ = t.join();
        }
        self.acked.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

fn post_all(
    url: &str,
    token: &str,
    doses: &[Dose],
    first: usize,
    step: usize,
    stop: &AtomicBool,
    acked: &Mutex<Vec<Acked>>,
) {
    let client = reqwest::blocking::Client::new();
    for d in doses.iter().skip(first).step_by(step) {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let body = json!({"ocr_line": d.ocr_line, "vaccinated_on": d.vaccinated_on, "product": "comirnaty",
                          "lot": "EY0779", "site": "test"});
        // After a kill, requests fail: the client never got an answer for those.
        let Ok(res) = client.post(format!("{url}/api/v1/vaccinations")).bearer_auth(token).json(&body).send() else {
            return;
        };
        if !matches!(res.status().as_u16(), 201 | 202) {
            return;
        }
        let Ok(answer) = res.json::<Value>() else { return };
        let at = Instant::now();
        let (id, status) = (answer["id"].as_str().unwrap_or_default(), answer["status"].as_str().unwrap_or_default());
        if let Ok(mut a) = acked.lock() {
            a.push(Acked { id: id.to_owned(), status: status.to_owned(), at });
        }
    }
}
