//! Stand-ins for a registry's HTTP side, for scenarios about what goes over the wire: an upload
//! endpoint that accepts the credential check and then holds every upload open, and a proxy in
//! front of a real registry that records what it forwards. No timing anywhere: a test waits for
//! the event (an upload begun), never for a while.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, mpsc};

/// A stand-in for PyPI's upload endpoint: it answers the credential check as PyPI does for good
/// credentials (400 to an upload form without a file), and holds any real upload open without
/// answering, telling the test that one has begun. No timing: the test waits for the upload,
/// not for a while.
pub struct StallingUpload {
    port: u16,
    uploads: mpsc::Receiver<()>,
}

impl StallingUpload {
    pub fn start() -> StallingUpload {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, uploads) = mpsc::channel();
        std::thread::spawn(move || {
            let mut held: Vec<TcpStream> = Vec::new();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let length = request_length(&stream);
                if length < 10_000 {
                    let _ = stream.write_all(
                        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                } else {
                    let _ = tx.send(());
                    held.push(stream);
                }
            }
        });
        StallingUpload { port, uploads }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    pub fn wait_for_an_upload(&self) {
        self.uploads.recv().expect("the xtask never started an upload");
    }
}

/// The Content-Length of the request on `stream` (its head is read; its body is not).
fn request_length(stream: &TcpStream) -> usize {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            return length;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
}

/// A proxy in front of pypiserver that keeps the body of every request it forwards, one
/// request per connection.
pub struct RecordingProxy {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl RecordingProxy {
    pub fn start(upstream: u16) -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut client) = stream else { return };
                let (head, body) = read_request(&client);
                record.lock().unwrap().push(String::from_utf8_lossy(&body).into_owned());
                let mut server = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                // One request per connection: the answer ends when the server closes.
                let head = head.replace("keep-alive", "close");
                server.write_all(head.as_bytes()).unwrap();
                server.write_all(&body).unwrap();
                let mut answer = Vec::new();
                let _ = server.read_to_end(&mut answer);
                let _ = client.write_all(&answer);
            }
        });
        RecordingProxy { port, seen }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// The bodies of the uploads it forwarded (form posts with a file).
    pub fn uploads(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        seen.iter().filter(|b| b.contains("name=\"content\"")).cloned().collect()
    }
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
