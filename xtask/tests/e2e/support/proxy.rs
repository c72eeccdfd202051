//! A small HTTP proxy of our own in front of a real registry on 127.0.0.1, to inject the faults
//! a registry can have without faking the registry: it forwards every request to the upstream
//! server (one request per connection), except the uploads it was told to answer itself, and
//! the paths it serves from recorded answers (PyPI's Integrity API, which pypiserver lacks).
//! It keeps every request's body, to see what the registry was sent.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// What the proxy does with the next upload (a request whose body carries a file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and no body; nothing reaches the registry.
    Status(u16),
    /// Answer 200 as if stored, without forwarding: an upload the registry loses.
    Lose,
    /// Hold the connection open and never answer.
    Stall,
}

#[derive(Default)]
struct State {
    faults: VecDeque<Fault>,
    served: BTreeMap<String, (u16, String)>,
    bodies: Vec<String>,
}

pub struct FaultProxy {
    pub port: u16,
    state: Arc<Mutex<State>>,
    stalled: mpsc::Receiver<()>,
}

impl FaultProxy {
    /// A proxy in front of the server on 127.0.0.1:`upstream`.
    pub fn start(upstream: u16) -> FaultProxy {
        let listener = super::listener();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let (tx, stalled) = mpsc::channel();
        let shared = state.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                let Ok(client) = stream else { return };
                if let Some(stalled) = handle(client, upstream, &shared) {
                    let _ = tx.send(());
                    held.push(stalled);
                }
            }
        });
        FaultProxy { port, state, stalled }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    pub fn index_url(&self) -> String {
        format!("http://127.0.0.1:{}/simple/", self.port)
    }

    /// The next uploads meet these faults, in order; later ones are forwarded.
    pub fn fail_uploads(&self, faults: &[Fault]) {
        self.state.lock().unwrap().faults.extend(faults.iter().cloned());
    }

    /// GETs of `path` are answered with `status` and `body` (a recorded answer).
    pub fn serve(&self, path: &str, status: u16, body: &str) {
        self.state.lock().unwrap().served.insert(path.to_owned(), (status, body.to_owned()));
    }

    /// The bodies of the uploads it saw (form posts with a file), faulted or forwarded.
    pub fn uploads(&self) -> Vec<String> {
        let state = self.state.lock().unwrap();
        state.bodies.iter().filter(|b| is_upload(b)).cloned().collect()
    }

    /// Waits until an upload is being held (a `Fault::Stall` was met).
    pub fn wait_for_a_stall(&self) {
        self.stalled.recv().expect("the proxy stopped before an upload stalled");
    }
}

fn is_upload(body: &str) -> bool {
    body.contains("name=\"content\"")
}

/// Answers one request; returns the client's stream when the request is to be held.
fn handle(mut client: TcpStream, upstream: u16, state: &Mutex<State>) -> Option<TcpStream> {
    let (head, body) = read_request(&client);
    let text = String::from_utf8_lossy(&body).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
    let (fault, served) = {
        let mut state = state.lock().unwrap();
        state.bodies.push(text.clone());
        let fault = if is_upload(&text) { state.faults.pop_front() } else { None };
        (fault, state.served.get(&path).cloned())
    };
    let answer = |status: u16, body: &str| {
        format!(
            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    match (fault, served) {
        (Some(Fault::Stall), _) => return Some(client),
        (Some(Fault::Status(status)), _) => drop(client.write_all(answer(status, "").as_bytes())),
        (Some(Fault::Lose), _) => drop(client.write_all(answer(200, "OK").as_bytes())),
        (None, Some((status, body))) => drop(client.write_all(answer(status, &body).as_bytes())),
        (None, None) => {
            let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                let _ = client.write_all(answer(502, "the proxy's upstream is down").as_bytes());
                return None;
            };
            // One request per connection: the answer ends when the server closes.
            let head = head.replace("keep-alive", "close");
            server.write_all(head.as_bytes()).unwrap();
            server.write_all(&body).unwrap();
            let mut reply = Vec::new();
            let _ = server.read_to_end(&mut reply);
            let _ = client.write_all(&reply);
        }
    }
    None
}

/// The head (as text, with its blank line) and the body (by Content-Length) of one request.
fn read_request(stream: &TcpStream) -> (String, Vec<u8>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
        if line.trim().is_empty() {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (head, body)
}
