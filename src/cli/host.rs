//! What `serve` knows about the machine it runs on: its name, and whether a process that
//! registered an instance from this machine still exists.

/// The host's name, or `localhost` when the system gives none.
pub fn name() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that many bytes.
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    let end = buffer.iter().position(|b| *b == 0).unwrap_or(buffer.len());
    let name = String::from_utf8_lossy(&buffer[..end]).trim().to_owned();
    if status != 0 || name.is_empty() {
        "localhost".to_owned()
    } else {
        name
    }
}

/// Whether no process with this id exists on this machine (so an instance it registered is
/// gone). A process that exists but is not ours to signal counts as existing.
pub fn process_is_gone(pid: i64) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let status = unsafe { libc::kill(pid, 0) };
    status != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_exists_and_the_host_has_a_name() {
        assert!(!process_is_gone(i64::from(std::process::id())));
        assert!(!name().is_empty());
        assert!(
            !process_is_gone(0),
            "never judged: pid 0 is a process group"
        );
    }

    #[test]
    fn a_reaped_child_is_gone() {
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let pid = i64::from(child.id());
        child.wait().expect("wait");
        assert!(process_is_gone(pid));
    }
}
