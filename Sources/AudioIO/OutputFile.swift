#if canImport(Glibc)
import Glibc
#endif

/// A file written atomically: bytes go to a temporary file in the target folder, which
/// is renamed into place on `commit()`. A failure, an `abort()`, or a SIGINT/SIGTERM
/// (see ``TemporaryFiles``) removes the temporary file, so no reader ever sees a partial
/// output. "-" writes to standard output instead.
///
/// Only regular files are replaced. An existing character or block device or FIFO
/// (`/dev/null`, a named pipe) is written to as it is, like standard output; a folder or
/// a socket is refused. A symbolic link at the path is replaced by the new file, and
/// what it pointed to is left alone: a write never leaves the target folder.
public final class OutputFile {
    public let path: String
    public let overwrite: Bool
    private let fd: Int32
    private let temporaryPath: String?
    private let ownsDescriptor: Bool
    private var slot: TemporaryFiles.Slot?
    private var buffer: [UInt8] = []
    private var done = false
    public private(set) var bytesWritten: Int64 = 0

    /// - Parameter mode: permission bits of the new file; nil gives what the umask allows
    ///   of 0666, as for any file a command creates.
    public init(path: String, overwrite: Bool, mode: mode_t? = nil) throws {
        self.path = path
        self.overwrite = overwrite
        if path == "-" {
            fd = 1
            temporaryPath = nil
            ownsDescriptor = false
            return
        }
        var st = stat()
        if lstat(path, &st) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                throw AudioIOError(.writeFailed, path, "is a folder; give a file name")
            case S_IFCHR, S_IFBLK, S_IFIFO:
                // A device or a named pipe: written to as it is, never replaced.
                let d = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
                if d < 0 { throw AudioIOError(.writeFailed, path, "cannot open for writing: \(String(cString: strerror(errno)))") }
                fd = d
                temporaryPath = nil
                ownsDescriptor = true
                return
            case S_IFSOCK:
                throw AudioIOError(.writeFailed, path, "is a socket; give a file name")
            default:
                if !overwrite {
                    throw AudioIOError(.exists, path, "already exists (use --overwrite to replace it)")
                }
            }
        }
        ownsDescriptor = true
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        // ".NAME.promptc-PID-XXXXXX" beside the target (the process id lets a later run
        // remove what a killed one left); a name too long for that (a file name may have
        // 255 bytes) gets ".promptc-PID-XXXXXX" alone.
        TemporaryFiles.removeStale(in: dir.isEmpty ? "/" : dir)
        let tag = "promptc-\(getpid())-XXXXXX"
        let temporaryName = name.utf8.count + tag.utf8.count + 2 <= 255 ? ".\(name).\(tag)" : ".\(tag)"
        var template = Array("\(dir.isEmpty ? "/" : dir)/\(temporaryName)".utf8CString)
        let d = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if d < 0 {
            throw AudioIOError(.writeFailed, path, "cannot create a file in \(dir): \(String(cString: strerror(errno)))")
        }
        fchmod(d, mode ?? (0o666 & ~OutputFile.processUmask))
        fd = d
        let tmp = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        temporaryPath = tmp
        slot = TemporaryFiles.register(tmp)
        buffer.reserveCapacity(1 << 16)
    }

    deinit {
        if case .published = state { finishPublishing() } else { abort() }
    }

    /// The process's umask, read from /proc (setting it to read it would race with
    /// other threads creating files).
    static let processUmask: mode_t = {
        guard let f = fopen("/proc/self/status", "r") else { return 0o022 }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = String(cString: line)
            if text.hasPrefix("Umask:"), let v = mode_t(text.dropFirst(6).trimmedSpaces().filter { $0 != "\n" }, radix: 8) { return v }
        }
        return 0o022
    }()

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
        try prepare()
        try publish()
        finishPublishing()
    }

    // The three steps of a commit, for ``OutputSet``: every file of a set is prepared
    // (nothing visible changes), then published (renamed into place, the replaced file
    // kept under a temporary name), then the kept files are dropped; a publish that fails
    // rolls the others back.
    private enum State { case writing, prepared, published(kept: String?), finished }
    private var state = State.writing

    /// Flushes and syncs the temporary file and closes it; the target is not touched yet.
    func prepare() throws {
        guard case .writing = state else { return }
        do { try flush() } catch { abort(); throw error }
        guard let tmp = temporaryPath else {
            done = true
            state = .finished
            if ownsDescriptor && close(fd) != 0 {
                throw AudioIOError(.writeFailed, path, "write failed: \(String(cString: strerror(errno)))")
            }
            return
        }
        // Close whether or not fsync worked: a failed sync must not leak the descriptor.
        let synced = fsync(fd) == 0 ? 0 : errno
        let closed = close(fd) == 0 ? 0 : errno
        done = true
        if synced != 0 || closed != 0 {
            unlink(tmp)
            if let s = slot { TemporaryFiles.unregister(s); slot = nil }
            state = .finished
            throw AudioIOError(.writeFailed, path, "write failed: \(String(cString: strerror(synced != 0 ? synced : closed)))")
        }
        state = .prepared
    }

    /// Puts the prepared file in place. With overwrite, an existing file is first kept
    /// under a temporary name (a hard link), so ``rollBack()`` can restore it.
    func publish() throws {
        guard case .prepared = state, let tmp = temporaryPath else { return }
        if overwrite {
            var kept: String?
            var st = stat()
            if lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
                let name = tmp + ".old"
                if link(path, name) == 0 { kept = name; keptSlot = TemporaryFiles.register(name) }
            }
            if rename(tmp, path) != 0 {
                let e = errno
                if let k = kept { unlink(k); dropKeptSlot() }
                discardTemporary()
                throw AudioIOError(.writeFailed, path, "cannot rename into place: \(String(cString: strerror(e)))")
            }
            state = .published(kept: kept)
        } else {
            // link() fails if the name appeared meanwhile: never replace without --overwrite.
            if link(tmp, path) != 0 {
                let e = errno
                discardTemporary()
                throw AudioIOError(e == EEXIST ? .exists : .writeFailed, path,
                                   e == EEXIST ? "already exists (use --overwrite to replace it)" : "cannot create: \(String(cString: strerror(e)))")
            }
            unlink(tmp)
            state = .published(kept: nil)
        }
        if let s = slot { TemporaryFiles.unregister(s); slot = nil }
    }

    /// Undoes a publish: the replaced file comes back, or the new one goes.
    func rollBack() {
        guard case .published(let kept) = state else { return }
        if let k = kept { rename(k, path); dropKeptSlot() } else { unlink(path) }
        state = .finished
    }

    /// Drops the kept copy of the replaced file.
    func finishPublishing() {
        if case .published(let kept?) = state { unlink(kept); dropKeptSlot() }
        state = .finished
    }

    private var keptSlot: TemporaryFiles.Slot?
    private func dropKeptSlot() { if let s = keptSlot { TemporaryFiles.unregister(s); keptSlot = nil } }

    private func discardTemporary() {
        if let tmp = temporaryPath { unlink(tmp) }
        if let s = slot { TemporaryFiles.unregister(s); slot = nil }
        state = .finished
    }

    /// Discards the temporary file (a prepared one too).
    public func abort() {
        if case .prepared = state { discardTemporary(); return }
        guard !done else { return }
        done = true
        state = .finished
        if let tmp = temporaryPath {
            close(fd)
            unlink(tmp)
            if let s = slot { TemporaryFiles.unregister(s); slot = nil }
        } else if ownsDescriptor {
            close(fd)
        }
    }
}

/// Files that are committed together: all of them appear, or none changes. If one
/// cannot be put in place, those already placed are rolled back (a replaced file comes
/// back) before the error is thrown. convert (several -o), batch and install use it.
public final class OutputSet {
    private let files: [OutputFile]
    public init(_ files: [OutputFile]) { self.files = files }

    public func commit() throws {
        do {
            for f in files { try f.prepare() }
        } catch {
            files.forEach { $0.abort() }
            throw error
        }
        var published: [OutputFile] = []
        do {
            for f in files {
                try f.publish()
                published.append(f)
            }
        } catch {
            for f in published.reversed() { f.rollBack() }
            files.forEach { $0.abort() }
            throw error
        }
        for f in files { f.finishPublishing() }
    }

    /// Discards every file.
    public func abort() { files.forEach { $0.abort() } }
}

/// Temporary output files in flight, removed by a signal handler on SIGINT, SIGTERM or
/// SIGHUP so an interrupted run leaves nothing partial behind. The names live in C
/// storage, in chunks of 256 slots linked as they are needed (so there is no limit on
/// how many are protected), and the handler only walks them and calls unlink and raise,
/// which keeps it async-signal-safe.
public enum TemporaryFiles {
    static let chunkSize = 256
    /// A chunk: `chunkSize` name pointers, then the pointer to the next chunk.
    typealias Chunk = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    /// Where a registered name lives.
    public struct Slot { let chunk: Chunk; let index: Int }

    nonisolated(unsafe) static let first: Chunk = newChunk()
    nonisolated(unsafe) static var lock = pthread_mutex_t()
    nonisolated(unsafe) static var installed = false

    static func newChunk() -> Chunk {
        let p = Chunk.allocate(capacity: chunkSize + 1)
        p.initialize(repeating: nil, count: chunkSize + 1)
        return p
    }

    static func next(_ c: Chunk) -> Chunk? { c[chunkSize].map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self) } }

    /// Installs the cleanup handler (idempotent).
    public static func installSignalHandlers() {
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        guard !installed else { return }
        installed = true
        _ = first
        // A parent may hand us a blocked signal mask (seen with Foundation's Process);
        // unblock what we handle, or an interrupt would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { sig in
                // Files first, then the (now empty) scratch folders registered with them.
                for pass in 0..<2 {
                    var chunk: TemporaryFiles.Chunk? = TemporaryFiles.first
                    while let c = chunk {
                        for i in 0..<TemporaryFiles.chunkSize { if let p = c[i] { _ = pass == 0 ? unlink(p) : rmdir(p) } }
                        chunk = TemporaryFiles.next(c)
                    }
                }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    /// Protects a temporary file, or a scratch folder (removed once empty), until unregistered.
    public static func register(_ path: String) -> Slot {
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        var c = first
        while true {
            for i in 0..<chunkSize where c[i] == nil {
                c[i] = strdup(path)
                return Slot(chunk: c, index: i)
            }
            if let n = next(c) { c = n; continue }
            let n = newChunk()
            c[chunkSize] = UnsafeMutableRawPointer(n).assumingMemoryBound(to: CChar.self)
            c = n
        }
    }

    public static func unregister(_ slot: Slot) {
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        let p = slot.chunk[slot.index]
        slot.chunk[slot.index] = nil
        free(p)
    }

    /// Names registered now that start with `prefix` (for tests).
    static func registeredCount(prefix: String) -> Int {
        pthread_mutex_lock(&lock); defer { pthread_mutex_unlock(&lock) }
        var n = 0
        var chunk: Chunk? = first
        while let c = chunk {
            for i in 0..<chunkSize { if let p = c[i], String(cString: p).hasPrefix(prefix) { n += 1 } }
            chunk = next(c)
        }
        return n
    }

    /// Folders already cleaned by this process.
    nonisolated(unsafe) private static var cleaned = Set<String>()

    /// Removes what a killed promptc left in `folder`: temporary files
    /// (`.NAME.promptc-PID-XXXXXX`, with their `.old` copies) and install scratch folders
    /// (`.promptc-install-PID-...`), only those whose process PID is gone. Once per folder
    /// per process.
    public static func removeStale(in folder: String) {
        pthread_mutex_lock(&lock)
        let first = cleaned.insert(folder).inserted
        pthread_mutex_unlock(&lock)
        guard first, let d = opendir(folder) else { return }
        var stale: [String] = []
        while let e = readdir(d) {
            let name = DirectoryEntry.name(e)
            guard name.hasPrefix("."), let r = name.firstRange(of: ".promptc-") else { continue }
            var rest = name[r.upperBound...]
            if rest.hasPrefix("install-") { rest = rest.dropFirst(8) }
            guard let dash = rest.firstIndex(of: "-"), let pid = Int32(rest[..<dash]), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { stale.append(folder + "/" + name) }
        }
        closedir(d)
        for path in stale { removeTree(path) }
    }

    /// Unlinks a file, or a folder of files (a scratch folder) and the folder.
    static func removeTree(_ path: String) {
        if unlink(path) == 0 || errno != EISDIR { return }
        if let d = opendir(path) {
            while let e = readdir(d) {
                let name = DirectoryEntry.name(e)
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(d)
        }
        rmdir(path)
    }
}

/// Names of directory entries.
public enum DirectoryEntry {
    /// The name, read within the entry's own length (glibc packs entries by `d_reclen`,
    /// so the last of a buffer may end before `d_name`'s declared 256 bytes).
    public static func name(_ e: UnsafeMutablePointer<dirent>) -> String {
        let raw = UnsafeRawPointer(e)
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        let length = Int(raw.load(fromByteOffset: MemoryLayout<dirent>.offset(of: \dirent.d_reclen)!, as: UInt16.self))
        let bytes = (raw + nameOffset).assumingMemoryBound(to: UInt8.self)
        var n = 0
        while n < length - nameOffset && bytes[n] != 0 { n += 1 }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: n), as: UTF8.self)
    }
}
