#if canImport(Glibc)
import Glibc
#endif

/// A file written atomically: bytes go to a temporary file in the target folder, which
/// is renamed into place on `commit()`. A failure, an `abort()`, or a SIGINT/SIGTERM
/// (see ``TemporaryFiles``) removes the temporary file, so no reader ever sees a partial
/// output. "-" writes to standard output instead.
public final class OutputFile {
    public let path: String
    public let overwrite: Bool
    private let fd: Int32
    private let temporaryPath: String?
    private var slot: Int?
    private var buffer: [UInt8] = []
    private var done = false
    public private(set) var bytesWritten: Int64 = 0

    public init(path: String, overwrite: Bool) throws {
        self.path = path
        self.overwrite = overwrite
        if path == "-" {
            fd = 1
            temporaryPath = nil
            return
        }
        if !overwrite && access(path, F_OK) == 0 {
            throw AudioIOError(.exists, path, "already exists (use --overwrite to replace it)")
        }
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(dir.isEmpty ? "/" : dir)/.\(name).promptc-XXXXXX".utf8CString)
        let d = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if d < 0 {
            throw AudioIOError(.writeFailed, path, "cannot create a file in \(dir): \(String(cString: strerror(errno)))")
        }
        fchmod(d, 0o644)
        fd = d
        let tmp = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        temporaryPath = tmp
        slot = TemporaryFiles.register(tmp)
        buffer.reserveCapacity(1 << 16)
    }

    deinit { if !done { abort() } }

    /// Appends bytes (buffered).
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        bytesWritten += Int64(bytes.count)
        if buffer.count >= 1 << 16 { try flush() }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Overwrites bytes at an offset already written (WAV header sizes); only for files.
    public func patch(_ bytes: [UInt8], at offset: Int64) throws {
        try flush()
        guard temporaryPath != nil else { return }
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, off_t(offset)) }
        if n != bytes.count { throw AudioIOError(.writeFailed, path, "write failed: \(String(cString: strerror(errno)))") }
    }

    /// Runs `body` with the temporary file's descriptor (after flushing), e.g. to set its
    /// owner and mode before it is renamed into place. Does nothing for standard output.
    public func withTemporaryDescriptor(_ body: (Int32) throws -> Void) throws {
        try flush()
        guard temporaryPath != nil, !done else { return }
        try body(fd)
    }

    /// Whether `patch` can work (false for standard output).
    public var isSeekable: Bool { temporaryPath != nil }

    private func flush() throws {
        var off = 0
        while off < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AudioIOError(.writeFailed, path, "write failed: \(String(cString: strerror(errno)))")
            }
            off += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and renames the temporary file into place.
    public func commit() throws {
        try flush()
        done = true
        guard let tmp = temporaryPath else { return }
        defer { if let s = slot { TemporaryFiles.unregister(s) } }
        if fsync(fd) != 0 || close(fd) != 0 {
            unlink(tmp)
            throw AudioIOError(.writeFailed, path, "write failed: \(String(cString: strerror(errno)))")
        }
        if overwrite {
            if rename(tmp, path) != 0 {
                let e = errno; unlink(tmp)
                throw AudioIOError(.writeFailed, path, "cannot rename into place: \(String(cString: strerror(e)))")
            }
        } else {
            // link() fails if the name appeared meanwhile: never replace without --overwrite.
            if link(tmp, path) != 0 {
                let e = errno; unlink(tmp)
                throw AudioIOError(e == EEXIST ? .exists : .writeFailed, path,
                                   e == EEXIST ? "already exists (use --overwrite to replace it)" : "cannot create: \(String(cString: strerror(e)))")
            }
            unlink(tmp)
        }
    }

    /// Discards the temporary file.
    public func abort() {
        guard !done else { return }
        done = true
        if let tmp = temporaryPath {
            close(fd)
            unlink(tmp)
            if let s = slot { TemporaryFiles.unregister(s) }
        }
    }
}

/// Temporary output files in flight, removed by a signal handler on SIGINT, SIGTERM or
/// SIGHUP so an interrupted run leaves nothing partial behind. Fixed-size C storage keeps
/// the handler async-signal-safe (it only calls unlink and raise).
public enum TemporaryFiles {
    static let capacity = 1024
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        p.initialize(repeating: nil, count: capacity)
        return p
    }()
    nonisolated(unsafe) static var lock = pthread_mutex_t()
    nonisolated(unsafe) static var installed = false

    /// Installs the cleanup handler (idempotent).
    public static func installSignalHandlers() {
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        guard !installed else { return }
        installed = true
        _ = slots
        // A parent may hand us a blocked signal mask (seen with Foundation's Process);
        // unblock what we handle, or an interrupt would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { sig in
                for i in 0..<TemporaryFiles.capacity {
                    if let p = TemporaryFiles.slots[i] { unlink(p) }
                }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    static func register(_ path: String) -> Int? {
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        for i in 0..<capacity where slots[i] == nil {
            slots[i] = strdup(path)
            return i
        }
        return nil
    }

    static func unregister(_ slot: Int) {
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        let p = slots[slot]
        slots[slot] = nil
        free(p)
    }
}
