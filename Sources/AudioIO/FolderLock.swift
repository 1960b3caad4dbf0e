#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a folder that promptc writes into (`flock` on its
/// `.promptc-lock`), held until released or the process ends: two installs into one
/// sounds folder, or two batch runs into one output folder, take turns instead of
/// mixing their files and manifests.
public final class FolderLock {
    private var fd: Int32

    /// Takes the lock, waiting for another process to release it when `wait` is set.
    /// Throws when the lock file cannot be made, or (without `wait`) when it is held.
    /// A `shared` lock may be held by many at once, but not with an exclusive one; `name`
    /// picks another lock file in the folder, for a lock of another purpose.
    public init(folder: String, wait: Bool, shared: Bool = false, name: String = ".promptc-lock") throws {
        let path = folder + "/" + name
        // Never through a symbolic link planted at the lock's name.
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if fd < 0 { throw AudioIOError(.writeFailed, path, "cannot create the lock file: \(String(cString: strerror(errno)))") }
        var r: Int32
        repeat { r = flock(fd, (shared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB)) } while r != 0 && errno == EINTR
        if r != 0 {
            let e = errno
            close(fd)
            throw AudioIOError(.writeFailed, folder, e == EWOULDBLOCK
                ? "another promptc is writing into this folder; wait for it to finish"
                : "cannot lock: \(String(cString: strerror(e)))")
        }
    }

    /// Releases the lock (also done when the object goes away).
    public func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    deinit { release() }
}
